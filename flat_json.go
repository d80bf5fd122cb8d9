package meshydb

import "bytes"

// flatObject walks a JSON object whose values are all strings or null,
// one pair at a time, without allocating. Anything else ends the walk with
// ok false, and the caller falls back to encoding/json.
type flatObject struct {
	rest []byte
}

// newFlatObject starts a walk over data, which must be a JSON object.
func newFlatObject(data []byte) (flatObject, bool) {
	data = bytes.TrimSpace(data)
	if len(data) < 2 || data[0] != '{' || data[len(data)-1] != '}' {
		return flatObject{}, false
	}
	return flatObject{rest: bytes.TrimSpace(data[1 : len(data)-1])}, true
}

// next returns the next key (unquoted; escapes are refused) and raw value.
// done is true after the last pair; ok is false on any shape it does not
// read.
func (o *flatObject) next() (key, value []byte, done, ok bool) {
	if len(o.rest) == 0 {
		return nil, nil, true, true
	}
	key, after, ok := cutToken(o.rest)
	if !ok || key[0] != '"' || bytes.IndexByte(key, '\\') >= 0 {
		return nil, nil, false, false
	}
	after = bytes.TrimSpace(after)
	if len(after) == 0 || after[0] != ':' {
		return nil, nil, false, false
	}
	value, after, ok = cutToken(bytes.TrimSpace(after[1:]))
	if !ok {
		return nil, nil, false, false
	}
	after = bytes.TrimSpace(after)
	if len(after) > 0 {
		if after[0] != ',' || len(bytes.TrimSpace(after[1:])) == 0 {
			return nil, nil, false, false
		}
		after = bytes.TrimSpace(after[1:])
	}
	o.rest = after
	return key[1 : len(key)-1], value, false, true
}

// cutToken splits a leading JSON string or null from data.
func cutToken(data []byte) (token, rest []byte, ok bool) {
	if bytes.HasPrefix(data, []byte("null")) {
		return data[:4], data[4:], true
	}
	if len(data) == 0 || data[0] != '"' {
		return nil, nil, false
	}
	for i := 1; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++ // skip the escaped byte
		case '"':
			return data[:i+1], data[i+1:], true
		}
	}
	return nil, nil, false
}
