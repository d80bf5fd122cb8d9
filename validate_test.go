package meshydb

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// validateAssertInvalid checks that err wraps ErrInvalidArgument, names
// field, gives reason, and does not echo value.
func validateAssertInvalid(t *testing.T, err error, field, value, reason string) {
	t.Helper()
	require.ErrorIs(t, err, ErrInvalidArgument, "value %q", value)
	msg := err.Error()
	assert.Contains(t, msg, field, "the error names the field")
	assert.Contains(t, msg, reason)
	if strings.TrimSpace(value) != "" {
		assert.NotContains(t, msg, value, "the error must not contain the value")
	}
	if strings.Contains(value, "secret") {
		assert.NotContains(t, msg, "secret", "the error must not contain any part of the value")
	}
}

func TestCheckUsername_Valid(t *testing.T) {
	t.Parallel()

	for _, username := range []string{
		"bob",
		"username_testermctesterson",
		"user@example.com",
		"O'Brien",
		"a b",
		"../admin",
		"jürgen",
		"Ωμέγα",
		"用户名",
		"émoji😀",
		"\u200dzwj", // a format character, not a control character
		strings.Repeat("a", MaxUsernameLength),
		strings.Repeat("ü", MaxUsernameLength), // 512 bytes, 256 characters
		strings.Repeat("界", MaxUsernameLength), // 768 bytes
		strings.Repeat("😀", MaxUsernameLength), // 1024 bytes
	} {
		assert.NoError(t, checkUsername("username", username), "checkUsername(%q)", username)
	}
}

func TestCheckUsername_Invalid(t *testing.T) {
	t.Parallel()

	for _, tt := range []struct {
		name     string
		username string
		reason   string
	}{
		{"empty", "", "is required"},
		{"spaces", "   ", "is required"},
		{"tabs and newlines", "\t\r\n", "is required"},
		{"no-break space", "\u00a0", "is required"},
		{"ideographic space", "\u3000", "is required"},
		{"257 ASCII characters", strings.Repeat("a", MaxUsernameLength+1), "longer than 256 characters"},
		{"257 two-byte characters", strings.Repeat("ü", MaxUsernameLength+1), "longer than 256 characters"},
		{"257 four-byte characters", strings.Repeat("😀", MaxUsernameLength+1), "longer than 256 characters"},
		{"invalid UTF-8 byte", "secretname\xff", "valid UTF-8"},
		{"truncated UTF-8 sequence", "secretname\xc3", "valid UTF-8"},
		{"UTF-16 surrogate encoded in UTF-8", "secretname\xed\xa0\x80", "valid UTF-8"},
		{"NUL", "secret\x00name", "control characters"},
		{"LF", "secret\nname", "control characters"},
		{"CR", "secret\rname", "control characters"},
		{"inner tab", "secret\tname", "control characters"},
		{"ESC", "secret\x1bname", "control characters"},
		{"DEL", "secret\x7fname", "control characters"},
		{"NEL U+0085", "secret\u0085name", "control characters"},
		{"U+009F", "secret\u009fname", "control characters"},
		{"trailing newline", "secretname\n", "control characters"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := checkUsername("newUser.Username", tt.username)
			validateAssertInvalid(t, err, "newUser.Username", tt.username, tt.reason)
		})
	}
}

// TestCheckUsername_LengthInCharacters pins the limit at exactly 256
// characters whatever their byte length.
func TestCheckUsername_LengthInCharacters(t *testing.T) {
	t.Parallel()

	for _, char := range []string{"a", "ß", "€", "𝄞"} {
		ok := strings.Repeat(char, MaxUsernameLength)
		tooLong := ok + char
		require.Equal(t, MaxUsernameLength, utf8.RuneCountInString(ok))
		assert.NoError(t, checkUsername("username", ok), "%d × %q", MaxUsernameLength, char)
		assert.ErrorIs(t, checkUsername("username", tooLong), ErrInvalidArgument, "%d × %q", MaxUsernameLength+1, char)
	}
}

func TestCheckRequired(t *testing.T) {
	t.Parallel()

	for _, value := range []string{"x", " x ", "pässwörd", "p@ss\nword", "0"} {
		assert.NoError(t, checkRequired("newPassword", value), "checkRequired(%q)", value)
	}
	for _, value := range []string{"", " ", "\t\r\n", "\u00a0\u3000"} {
		err := checkRequired("newPassword", value)
		validateAssertInvalid(t, err, "newPassword", value, "is required")
	}
}

func TestCheckHeaderValue(t *testing.T) {
	t.Parallel()

	for _, value := range []string{"", "tenant", "my tenant", "a\tb", "tenänt", "テナント", "a:b", "\u0085"} {
		assert.NoError(t, checkHeaderValue("tenant", value), "checkHeaderValue(%q)", value)
	}
	for _, value := range []string{
		"secret\r",
		"secret\n",
		"secret\r\nX-Injected: yes",
		"secret\x00",
		"secret\x7f",
		"secret\x01",
		"secret\x1b",
		"secret\x1f",
		"\rsecret",
	} {
		err := checkHeaderValue("tenant", value)
		validateAssertInvalid(t, err, "tenant", value, "control characters")
		assert.NotContains(t, err.Error(), "secret")
		assert.NotContains(t, err.Error(), "X-Injected")
	}
}
