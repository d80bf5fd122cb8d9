package meshydb

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxUsernameLength is the longest username, in characters, that the SDK
// sends. Longer input is rejected before any request is made.
const MaxUsernameLength = 256

// checkUsername rejects a username that cannot be a MeshyDB username:
// blank, not UTF-8, longer than MaxUsernameLength, or holding control
// characters. Non-ASCII letters are fine.
func checkUsername(field, username string) error {
	switch {
	case strings.TrimSpace(username) == "":
		return invalidArgument(field, "is required")
	case !utf8.ValidString(username):
		return invalidArgument(field, "must be valid UTF-8")
	case utf8.RuneCountInString(username) > MaxUsernameLength:
		return invalidArgument(field, fmt.Sprintf("is longer than %d characters", MaxUsernameLength))
	case strings.ContainsFunc(username, unicode.IsControl):
		return invalidArgument(field, "must not contain control characters")
	}
	return nil
}

// checkRequired rejects a blank value. It never echoes the value, which may
// be a secret.
func checkRequired(field, value string) error {
	if strings.TrimSpace(value) == "" {
		return invalidArgument(field, "is required")
	}
	return nil
}

// checkHeaderValue rejects a value that cannot be sent as an HTTP header
// field: control characters (CR, LF, NUL, ...) would corrupt the request or
// smuggle headers into it.
func checkHeaderValue(field, value string) error {
	if strings.ContainsFunc(value, func(r rune) bool { return (r < 0x20 && r != '\t') || r == 0x7f }) {
		return invalidArgument(field, "must not contain control characters")
	}
	return nil
}
