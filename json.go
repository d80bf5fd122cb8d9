package meshydb

import (
	"bytes"
	"encoding/json"
)

// marshalJSON encodes v like json.Marshal but without escaping <, > and &
// as \u003c and friends, so that values the server issued (the expires
// text above all) go back byte for byte.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
