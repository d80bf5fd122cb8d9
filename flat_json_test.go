package meshydb

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flatPair is one key and raw value from a flatObject walk.
type flatPair struct{ key, value string }

// flatWalk walks data to the end and reports the pairs it read and whether
// the whole object was accepted.
func flatWalk(t *testing.T, data string) ([]flatPair, bool) {
	t.Helper()
	obj, ok := newFlatObject([]byte(data))
	if !ok {
		return nil, false
	}
	var pairs []flatPair
	for range len(data) + 1 { // each pair consumes at least one byte
		key, value, done, ok := obj.next()
		if !ok {
			return pairs, false
		}
		if done {
			return pairs, true
		}
		pairs = append(pairs, flatPair{string(key), string(value)})
	}
	t.Fatalf("walking %q did not end", data)
	return nil, false
}

func TestFlatObject_Valid(t *testing.T) {
	t.Parallel()

	for _, tt := range []struct {
		name  string
		data  string
		pairs []flatPair
	}{
		{"empty object", `{}`, nil},
		{"empty object with space", " \t{ \r\n } \n", nil},
		{"one string", `{"a":"b"}`, []flatPair{{"a", `"b"`}}},
		{"empty key and value", `{"":""}`, []flatPair{{"", `""`}}},
		{"integers", `{"a":0,"b":7,"c":-12,"d":-0,"e":12345678901234567890}`, []flatPair{
			{"a", `0`}, {"b", `7`}, {"c", `-12`}, {"d", `-0`}, {"e", `12345678901234567890`},
		}},
		{"null", `{"a":null}`, []flatPair{{"a", `null`}}},
		{"mixed", `{"username":"bob","attempt":2,"hint":null}`, []flatPair{
			{"username", `"bob"`}, {"attempt", `2`}, {"hint", `null`},
		}},
		{"escapes in values", `{"a":"\"q\" \\ \/ \b\f\n\r\t \u00e9 \uD83D\uDE00 \u00AF"}`, []flatPair{
			{"a", `"\"q\" \\ \/ \b\f\n\r\t \u00e9 \uD83D\uDE00 \u00AF"`},
		}},
		{"escaped backslash before the closing quote", `{"a":"x\\"}`, []flatPair{{"a", `"x\\"`}}},
		{"structural characters inside strings", `{"a":"{[,:]}","b":"\"}"}`, []flatPair{
			{"a", `"{[,:]}"`}, {"b", `"\"}"`},
		}},
		{"raw non-ASCII", `{"名前":"jürgen 😀"}`, []flatPair{{"名前", `"jürgen 😀"`}}},
		{"white space everywhere", "{\n\t\"a\" :\r\n \"b\" ,\n \"c\"\t:\t1 ,\"d\": null \n}", []flatPair{
			{"a", `"b"`}, {"c", `1`}, {"d", `null`},
		}},
		{"duplicate keys are all returned", `{"a":1,"a":2}`, []flatPair{{"a", `1`}, {"a", `2`}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pairs, ok := flatWalk(t, tt.data)
			require.True(t, ok, "%s should be read", tt.data)
			assert.Equal(t, tt.pairs, pairs)
			// encoding/json agrees that the input is valid.
			assert.True(t, json.Valid([]byte(tt.data)), "test data %s", tt.data)
		})
	}
}

func TestFlatObject_Refused(t *testing.T) {
	t.Parallel()

	for _, tt := range []struct{ name, data string }{
		{"nested object", `{"a":{"b":1}}`},
		{"empty nested object", `{"a":{}}`},
		{"array", `{"a":[1]}`},
		{"empty array", `{"a":[]}`},
		{"float", `{"a":1.5}`},
		{"negative float", `{"a":-1.0}`},
		{"exponent", `{"a":1e5}`},
		{"capital exponent", `{"a":1E5}`},
		{"leading zero", `{"a":01}`},
		{"negative leading zero", `{"a":-01}`},
		{"double zero", `{"a":00}`},
		{"plus sign", `{"a":+1}`},
		{"lone minus", `{"a":-}`},
		{"true", `{"a":true}`},
		{"false", `{"a":false}`},
		{"trailing comma", `{"a":1,}`},
		{"trailing comma with space", `{"a":1 , }`},
		{"leading comma", `{,"a":1}`},
		{"double comma", `{"a":1,,"b":2}`},
		{"missing comma", `{"a":1 "b":2}`},
		{"missing colon", `{"a" 1}`},
		{"key only", `{"a"}`},
		{"missing value", `{"a":}`},
		{"double colon", `{"a"::1}`},
		{"unterminated value", `{"a":"b}`},
		{"unterminated key", `{"a:1}`},
		{"escaped closing quote", `{"a":"\"}`},
		{"raw newline in a string", "{\"a\":\"b\nc\"}"},
		{"raw tab in a string", "{\"a\":\"b\tc\"}"},
		{"raw NUL in a string", "{\"a\":\"b\x00c\"}"},
		{"raw 0x1f in a key", "{\"a\x1f\":1}"},
		{`bad escape \q`, `{"a":"\q"}`},
		{`bad escape \x`, `{"a":"\x41"}`},
		{`bad escape \U`, `{"a":"\U0041"}`},
		{`short \u12`, `{"a":"\u12"}`},
		{`short \u12 followed by space`, `{"a":"\u12 "}`},
		{`non-hex \u12G4`, `{"a":"\u12G4"}`},
		{"escaped quote in a key", `{"a\"b":1}`},
		{`\u escape in a key`, `{"\u0061":1}`},
		{`escaped slash in a key`, `{"a\/b":1}`},
		{"number key", `{1:2}`},
		{"null key", `{null:1}`},
		{"bare key", `{a:1}`},
		{"single-quoted", `{'a':'b'}`},
		{"null then garbage", `{"a":nullx}`},
		{"short null", `{"a":nul}`},
		{"integer then garbage", `{"a":1x}`},
		{"string then garbage", `{"a":"b"c}`},
		{"extra closing brace", `{"a":1}}`},
		{"object in object", `{{}}`},
		{"not an object: array", `[]`},
		{"not an object: string", `"{}"`},
		{"not an object: null", `null`},
		{"not an object: empty", ``},
		{"not an object: space", `   `},
		{"only an opening brace", `{`},
		{"only a closing brace", `}`},
		{"unclosed object", `{"a":1`},
		{"text after the object", `{"a":1}x`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, ok := flatWalk(t, tt.data)
			assert.False(t, ok, "%q should be refused", tt.data)
		})
	}
}

func TestFlatObject_NextAfterDone(t *testing.T) {
	t.Parallel()

	obj, ok := newFlatObject([]byte(`{"a":1}`))
	require.True(t, ok)
	key, value, done, ok := obj.next()
	require.True(t, ok)
	require.False(t, done)
	assert.Equal(t, "a", string(key))
	assert.Equal(t, "1", string(value))
	for range 3 {
		key, value, done, ok = obj.next()
		assert.True(t, ok)
		assert.True(t, done)
		assert.Nil(t, key)
		assert.Nil(t, value)
	}
}

func TestFlatObject_KeysAndValuesAliasInput(t *testing.T) {
	t.Parallel()

	data := []byte(`{"key":"value"}`)
	obj, ok := newFlatObject(data)
	require.True(t, ok)
	key, value, _, ok := obj.next()
	require.True(t, ok)
	// No copies: the slices point into data.
	assert.Equal(t, &data[2], &key[0])
	assert.Equal(t, &data[7], &value[0])
}

func TestNewFlatObject(t *testing.T) {
	t.Parallel()

	for data, want := range map[string]bool{
		`{}`:        true,
		" {} ":      true,
		"\t\r\n{}":  true,
		`{"a":1}`:   true,
		`{x}`:       true, // the shape is only checked by next
		``:          false,
		`{`:         false,
		`}`:         false,
		`[]`:        false,
		`"{}"`:      false,
		`null`:      false,
		"\v{}":      false, // vertical tab is not JSON white space
		"\u00a0{}":  false,
		`{} {}x`:    false,
		`x{}`:       false,
		`{"a":1}  `: true,
	} {
		_, ok := newFlatObject([]byte(data))
		assert.Equal(t, want, ok, "newFlatObject(%q)", data)
	}
}

func TestCutToken(t *testing.T) {
	t.Parallel()

	for _, tt := range []struct {
		data, token, rest string
		ok                bool
	}{
		{`null`, `null`, ``, true},
		{`null,"b":1`, `null`, `,"b":1`, true},
		{`nullx`, `null`, `x`, true}, // the caller checks what follows
		{`0`, `0`, ``, true},
		{`123,`, `123`, `,`, true},
		{`-7 }`, `-7`, ` }`, true},
		{`""`, `""`, ``, true},
		{`"abc" rest`, `"abc"`, ` rest`, true},
		{`"a\"b"x`, `"a\"b"`, `x`, true},
		{`"\\"`, `"\\"`, ``, true},
		{`"\u00e9\u00E9"`, `"\u00e9\u00E9"`, ``, true},
		{`"a","b"`, `"a"`, `,"b"`, true},
		{`"ü"`, `"ü"`, ``, true},
		{``, ``, ``, false},
		{`"`, ``, ``, false},
		{`"abc`, ``, ``, false},
		{`"\"`, ``, ``, false},
		{`"\`, ``, ``, false},
		{`"a\qb"`, ``, ``, false},
		{`"a\u12"`, ``, ``, false},
		{"\"a\x01\"", ``, ``, false},
		{"\"a\x1f\"", ``, ``, false},
		{`nul`, ``, ``, false},
		{`true`, ``, ``, false},
		{`false`, ``, ``, false},
		{`{}`, ``, ``, false},
		{`[]`, ``, ``, false},
		{`1.5`, ``, ``, false},
		{`1e3`, ``, ``, false},
		{`01`, ``, ``, false},
		{`-`, ``, ``, false},
		{`abc`, ``, ``, false},
		{`'a'`, ``, ``, false},
		{` "a"`, ``, ``, false}, // the caller trims space first
	} {
		token, rest, ok := cutToken([]byte(tt.data))
		if !assert.Equal(t, tt.ok, ok, "cutToken(%q)", tt.data) || !ok {
			continue
		}
		assert.Equal(t, tt.token, string(token), "cutToken(%q) token", tt.data)
		assert.Equal(t, tt.rest, string(rest), "cutToken(%q) rest", tt.data)
	}
}

func TestLeadingInteger(t *testing.T) {
	t.Parallel()

	for data, want := range map[string]int{
		``:     0,
		`0`:    1,
		`-0`:   2,
		`7`:    1,
		`123`:  3,
		`-123`: 4,
		`123,`: 3,
		`123}`: 3,
		`9 `:   1,
		`0,`:   1,
		`12a`:  2,
		`1-`:   1,
		`01`:   0,
		`-01`:  0,
		`00`:   0,
		`1.5`:  0,
		`0.`:   0,
		`-1.0`: 0,
		`1e5`:  0,
		`1E5`:  0,
		`12e`:  0,
		`-`:    0,
		`--1`:  0,
		`+1`:   0,
		`a1`:   0,
		` 1`:   0,
		`null`: 0,
		`"1"`:  0,
		`1234567890123456789012345678901234567890`: 40,
	} {
		assert.Equal(t, want, leadingInteger([]byte(data)), "leadingInteger(%q)", data)
	}
}

func TestEscapeLen(t *testing.T) {
	t.Parallel()

	for after, want := range map[string]int{
		`"`:      1,
		`\`:      1,
		`/`:      1,
		`b`:      1,
		`f`:      1,
		`n`:      1,
		`r`:      1,
		`t`:      1,
		`n rest`: 1,
		`u0041`:  5,
		`u00e9x`: 5,
		`uABCD`:  5,
		`uabcd"`: 5,
		`uD83D`:  5,
		``:       0,
		`u`:      0,
		`u12`:    0,
		`u12 `:   0,
		`u12 "`:  0,
		`u12G4`:  0,
		`u-123`:  0,
		`U0041`:  0,
		`q`:      0,
		`x41`:    0,
		`a`:      0,
		`0`:      0,
		`'`:      0,
		` `:      0,
		"\n":     0,
	} {
		assert.Equal(t, want, escapeLen([]byte(after)), "escapeLen(%q)", after)
	}
}

func TestTrimSpace(t *testing.T) {
	t.Parallel()

	for data, want := range map[string]string{
		``:               ``,
		`   `:            ``,
		" \t\r\n{}\n\t ": `{}`,
		`a b`:            `a b`,
		" a \t b ":       "a \t b",
		"\v{}":           "\v{}", // not JSON white space
		"\f{}":           "\f{}",
		"\u00a0{}\u00a0": "\u00a0{}\u00a0",
		"\x00{}":         "\x00{}",
		"\u0085x":        "\u0085x",
	} {
		assert.Equal(t, want, string(trimSpace([]byte(data))), "trimSpace(%q)", data)
	}
	// It trims in place, without copying.
	data := []byte("  {}  ")
	assert.True(t, bytes.Equal([]byte("{}"), trimSpace(data)))
	assert.Equal(t, &data[2], &trimSpace(data)[0])
}
