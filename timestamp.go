package meshydb

import (
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
	data = trimSpace(data)
	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return "", false
	}
	inner := data[1 : len(data)-1]
	if plainASCII(inner) {
		return string(inner), true
	}
	var text string // escapes such as "\/", control bytes, non-ASCII
	return text, json.Unmarshal(data, &text) == nil
}

// plainASCII reports whether s is printable ASCII without quotes or
// backslashes: a JSON string body that means exactly its bytes.
func plainASCII(s []byte) bool {
	for _, c := range s {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
