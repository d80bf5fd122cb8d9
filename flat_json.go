package meshydb

import "bytes"

// flatObject walks a JSON object whose values are all strings, integers
// or null, one pair at a time, without allocating. Anything else ends the walk with
// ok false, and the caller falls back to encoding/json.
type flatObject struct {
	rest []byte
}

// newFlatObject starts a walk over data, which must be a JSON object.
func newFlatObject(data []byte) (flatObject, bool) {
	data = trimSpace(data)
	if len(data) < 2 || data[0] != '{' || data[len(data)-1] != '}' {
		return flatObject{}, false
	}
	return flatObject{rest: trimSpace(data[1 : len(data)-1])}, true
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
	after = trimSpace(after)
	if len(after) == 0 || after[0] != ':' {
		return nil, nil, false, false
	}
	value, after, ok = cutToken(trimSpace(after[1:]))
	if !ok {
		return nil, nil, false, false
	}
	after = trimSpace(after)
	if len(after) > 0 {
		if after[0] != ',' || len(trimSpace(after[1:])) == 0 {
			return nil, nil, false, false
		}
		after = trimSpace(after[1:])
	}
	o.rest = after
	return key[1 : len(key)-1], value, false, true
}

// cutToken splits a leading JSON string, integer or null from data.
func cutToken(data []byte) (token, rest []byte, ok bool) {
	if bytes.HasPrefix(data, []byte("null")) {
		return data[:4], data[4:], true
	}
	if digits := leadingInteger(data); digits > 0 {
		return data[:digits], data[digits:], true
	}
	if len(data) == 0 || data[0] != '"' {
		return nil, nil, false
	}
	for i := 1; i < len(data); i++ {
		switch c := data[i]; {
		case c == '"':
			return data[:i+1], data[i+1:], true
		case c < 0x20:
			return nil, nil, false // JSON forbids raw control bytes in strings
		case c == '\\':
			n := escapeLen(data[i+1:])
			if n == 0 {
				return nil, nil, false
			}
			i += n
		}
	}
	return nil, nil, false
}

// escapeLen returns how many bytes after a backslash form a valid JSON
// escape, or 0.
func escapeLen(after []byte) int {
	if len(after) == 0 {
		return 0
	}
	switch after[0] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 1
	case 'u':
		if len(after) < 5 {
			return 0
		}
		for _, c := range after[1:5] {
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return 0
			}
		}
		return 5
	}
	return 0
}

// leadingInteger returns the length of the JSON integer data starts with,
// or 0.
func leadingInteger(data []byte) int {
	n := 0
	if n < len(data) && data[n] == '-' {
		n++
	}
	start := n
	for n < len(data) && '0' <= data[n] && data[n] <= '9' {
		n++
	}
	switch {
	case n == start, n-start > 1 && data[start] == '0': // none, or a leading zero
		return 0
	case n < len(data) && (data[n] == '.' || data[n] == 'e' || data[n] == 'E'):
		return 0 // not an integer: leave it to encoding/json
	}
	return n
}

// trimSpace trims JSON's white space (space, tab, CR, LF) and nothing else.
func trimSpace(data []byte) []byte {
	return bytes.Trim(data, " \t\r\n")
}
