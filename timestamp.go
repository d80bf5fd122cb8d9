package meshydb

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// Timestamp is a time.Time that decodes from any date shape MeshyDB sends:
// RFC 3339 with any number of fraction digits ("2019-01-01T00:00:00.0000000+00:00"),
// zone-less .NET dates, and short forms such as "1/1/1900". A date that
// cannot be read, or null, decodes to the zero time instead of failing the
// whole response. It encodes as RFC 3339, or null when zero.
type Timestamp struct {
	time.Time
}

// UnmarshalJSON reads a JSON string in any shape parseDate knows; anything
// else leaves t zero.
func (t *Timestamp) UnmarshalJSON(data []byte) error {
	t.Time = time.Time{}
	if text, ok := jsonString(data); ok {
		t.Time, _ = parseDate(text)
	}
	return nil
}

// MarshalJSON writes t in RFC 3339, or null for the zero time.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return strconv.AppendQuote(nil, t.Format(time.RFC3339Nano)), nil
}

// jsonString returns the text of a JSON string token, without a full JSON
// decode when it holds no escapes (dates never do).
func jsonString(data []byte) (string, bool) {
	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return "", false
	}
	inner := data[1 : len(data)-1]
	if bytes.IndexByte(inner, '\\') < 0 && bytes.IndexByte(inner, '"') < 0 {
		return string(inner), true
	}
	var text string
	return text, json.Unmarshal(data, &text) == nil // JSON escapes, e.g. "\/"
}
