package meshydb

import (
	"encoding/json"
	"net/http"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzParseErrorBody feeds arbitrary bodies to the error decoder: it must
// never panic, always produce a message, and keep that message short.
func FuzzParseErrorBody(f *testing.F) {
	for _, seed := range []string{
		``,
		`{"error": "invalid_grant", "error_description": "Invalid username or password."}`,
		`{"title": "One or more validation errors occurred.", "status": 400, "errors": {"Username": ["Username is required."]}}`,
		`{"errors": {"Username": "Username is required."}}`,
		`{"errors": ["a", "b"]}`,
		`{"error": {"message": "nested"}}`,
		`"Username is required."`,
		`["Username is required.", "Password is required."]`,
		`{"message": "User not found."}`,
		`{"Message": "An error has occurred."}`,
		"plain text\nsecond line",
		`<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>`,
		`<html><title>unterminated`,
		`{"message": "Us`,
		`[1, 2, 3]`,
		"\xff\xfe",
		`null`,
	} {
		f.Add([]byte(seed), 400)
	}
	f.Fuzz(func(t *testing.T, body []byte, status int) {
		status = 400 + (status&0xffff)%200 // any 4xx or 5xx, named or not
		resp := &http.Response{StatusCode: status, Header: http.Header{}}
		err := newAPIError(http.MethodPost, "https://api.example/key/users/forgotpassword", resp, body)

		assert.NotEmpty(t, err.Message)
		assert.LessOrEqual(t, len(err.Message), maxMessageLen+len("…"))
		assert.LessOrEqual(t, len(err.Body), maxErrorBody)
		if utf8.Valid(body) {
			assert.True(t, utf8.ValidString(err.Message), "message %q", err.Message)
		}
		assert.NotEmpty(t, err.Error())
	})
}

// FuzzPasswordResetHash checks that any hash the server might send survives
// a decode-encode-decode round trip unchanged, with a string expires value
// echoed back byte for byte. It encodes with MarshalJSON, the encoder the
// request path uses; json.Marshal would also HTML-escape <, > and &, which
// changes the bytes but not the value.
func FuzzPasswordResetHash(f *testing.F) {
	for _, seed := range []string{
		`{"username": "username_testermctesterson", "expires": "1900-01-01T00:00:00.000Z", "hash": "randomlygeneratedhash"}`,
		`{"username": "bob", "expires": "2019-01-01T00:00:00.0000000+00:00", "hash": "h", "attempt": 2, "hint": "First pet?"}`,
		`{"username": "bob", "expires": "2019-10-18T15:11:55.2413015-05:00", "hash": "h"}`,
		`{"username": "bob", "expires": "1/1/1900", "hash": "h"}`,
		`{"username": "bob", "expires": "1-1-2019", "hash": "h", "verificationCode": "123456"}`,
		`{"username": "bob", "expires": "<soon> & later", "hash": "h"}`,
		`{"username": "bob", "expires": null, "hash": "h"}`,
		`{"username": "bob", "expires": 12345, "hash": "h"}`,
		`{"username": "\u00e9l\u00e8ve", "expires": "\u0031/1/1900", "hash": "h"}`,
		`{}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var first PasswordResetHash
		if json.Unmarshal(data, &first) != nil {
			return
		}
		encoded, err := first.MarshalJSON()
		require.NoError(t, err)

		var second PasswordResetHash
		require.NoError(t, json.Unmarshal(encoded, &second), "re-decoding %s", encoded)
		assert.Equal(t, first.Username, second.Username)
		assert.Equal(t, first.Hash, second.Hash)
		assert.Equal(t, first.Attempt, second.Attempt)
		assert.Equal(t, first.Hint, second.Hint)
		assert.Equal(t, first.VerificationCode, second.VerificationCode)
		assert.True(t, first.Expires.Equal(second.Expires), "expires %v != %v", first.Expires, second.Expires)
		if len(first.expiresText) > 0 && first.expiresText[0] == '"' {
			assert.Equal(t, first.expiresText, second.expiresText, "expires text must be echoed verbatim")
		}
	})
}

// FuzzFlatDecodingMatchesEncodingJSON checks the allocation-free decoders
// of PasswordResetHash and Role against plain encoding/json: for any
// input, both accept or both reject, and they read the same values.
func FuzzFlatDecodingMatchesEncodingJSON(f *testing.F) {
	for _, seed := range []string{
		`{"username":"bob","expires":"1/1/1900","hash":"h","attempt":2,"hint":"Pet?","verificationCode":"123"}`,
		`{"Username":"bob","EXPIRES":null,"hash":"h\u00e9","attempt":-1}`,
		`{"username":"b\/ob","attempt":01}`,
		`{"username":"bob","attempt":1.5}`,
		`{"username":"bob","extra":{"nested":true}}`,
		`{"name":"admin","addedDate":"2019-01-01T00:00:00.0000000+00:00"}`,
		`{"name":"ad` + "\x01" + `min"}`,
		`{"name":"admin"}` + "\u00a0",
		` { "name" : "admin" , } `,
		`"admin"`,
		`{}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var hash PasswordResetHash
		hashErr := hash.UnmarshalJSON(data)
		var w hashWire
		wireErr := json.Unmarshal(data, &w)
		require.Equal(t, wireErr == nil, hashErr == nil, "hash: encoding/json says %v, SDK says %v", wireErr, hashErr)
		if wireErr == nil {
			assert.Equal(t, w.Username, hash.Username)
			assert.Equal(t, w.Hash, hash.Hash)
			assert.Equal(t, w.Attempt, hash.Attempt)
			assert.Equal(t, w.Hint, hash.Hint)
			assert.Equal(t, w.VerificationCode, hash.VerificationCode)
			if string(w.Expires) != "null" {
				assert.Equal(t, string(w.Expires), hash.expiresText)
			}
		}

		var role Role
		roleErr := role.UnmarshalJSON(data)
		var plain struct {
			Name      string    `json:"name"`
			AddedDate Timestamp `json:"addedDate"`
		}
		var name string
		plainErr := json.Unmarshal(data, &plain)
		if json.Unmarshal(data, &name) == nil {
			plain.Name, plainErr = name, nil
		}
		require.Equal(t, plainErr == nil, roleErr == nil, "role: encoding/json says %v, SDK says %v", plainErr, roleErr)
		if plainErr == nil {
			assert.Equal(t, plain.Name, role.Name)
			assert.True(t, plain.AddedDate.Equal(role.AddedDate.Time))
		}
	})
}
