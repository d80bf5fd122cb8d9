package meshydb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"
)

// redacted stands in for a secret wherever a value is printed or logged.
const redacted = "[REDACTED]"

// PasswordResetHash is the server's proof of a password-reset request, as
// returned by [MeshyDB.ForgotPassword]. Hand it back, unchanged, to
// [MeshyDB.CheckHash] and [MeshyDB.ResetPassword]: the server checks it
// against the exact values it issued ("request parity").
//
// The Expires text the server sent is kept and sent back byte for byte, even
// when it is in a shape that Expires cannot represent exactly (such as
// "1/1/1900" or seven fraction digits). Change Expires and the new value is
// sent instead, in RFC 3339. A hash built by hand is sent the same way.
//
// Printing a PasswordResetHash with fmt or log/slog shows Hash and
// VerificationCode as [REDACTED]. Its JSON form (MarshalJSON) keeps them, so
// that an app can store the hash between requests: treat that JSON as a
// secret.
type PasswordResetHash struct {
	// Username is the user whose password is being reset.
	Username string
	// Expires is when the hash stops being accepted; zero if the server
	// sent a date that could not be read (its text is still sent back).
	Expires time.Time
	// Hash is the server-issued secret that binds the other fields.
	Hash string
	// Attempt is which security-question attempt this hash belongs to
	// (later API revision; 0 when the server did not send one).
	Attempt int
	// Hint is the security question to answer, when the account verifies
	// resets with security questions (later API revision).
	Hint string
	// VerificationCode is the code the user received by email or text, or
	// the answer to the security question. The app fills it in before
	// calling CheckHash or ResetPassword.
	VerificationCode string

	// expiresText is the "expires" JSON value exactly as received, so it
	// can be echoed back verbatim while Expires still equals receivedAt,
	// the value decoded from it.
	expiresText string
	receivedAt  time.Time
}

// hashWire is the wire form of a password-reset (or verification) hash, and
// of the requests that carry one back.
type hashWire struct {
	Username         string          `json:"username"`
	Expires          json.RawMessage `json:"expires,omitempty"`
	Hash             string          `json:"hash"`
	Attempt          int             `json:"attempt,omitempty"`
	Hint             string          `json:"hint,omitempty"`
	VerificationCode string          `json:"verificationCode,omitempty"`
	NewPassword      string          `json:"newPassword,omitempty"`
}

// wire returns h in its wire form, with the expires text echoed verbatim
// when Expires still holds the value it was decoded from.
func (h *PasswordResetHash) wire() hashWire {
	return hashWire{
		Username:         h.Username,
		Expires:          h.expiresJSON(),
		Hash:             h.Hash,
		Attempt:          h.Attempt,
		Hint:             h.Hint,
		VerificationCode: h.VerificationCode,
	}
}

func (h *PasswordResetHash) expiresJSON() json.RawMessage {
	if h.expiresText != "" && h.receivedAt.Equal(h.Expires) {
		return json.RawMessage(h.expiresText)
	}
	if h.Expires.IsZero() {
		return nil
	}
	return strconv.AppendQuote(nil, h.Expires.Format(time.RFC3339Nano))
}

// hasExpires reports whether h has an expiry to send.
func (h *PasswordResetHash) hasExpires() bool {
	return h.expiresJSON() != nil
}

// MarshalJSON encodes h in the wire form, secrets included, with the
// expires text the server sent.
func (h PasswordResetHash) MarshalJSON() ([]byte, error) {
	return marshalJSON(h.wire())
}

// UnmarshalJSON decodes the wire form, keeping the expires text verbatim.
// A date it cannot read leaves Expires zero instead of failing.
func (h *PasswordResetHash) UnmarshalJSON(data []byte) error {
	*h = PasswordResetHash{}
	if h.decodeFlat(data) {
		return nil
	}
	var w hashWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*h = PasswordResetHash{
		Username:         w.Username,
		Hash:             w.Hash,
		Attempt:          w.Attempt,
		Hint:             w.Hint,
		VerificationCode: w.VerificationCode,
	}
	h.setExpires(w.Expires)
	return nil
}

// Keys of the hash's wire form, matched ignoring case as encoding/json does.
var (
	hashUsernameKey = []byte("username")
	hashExpiresKey  = []byte("expires")
	hashHashKey     = []byte("hash")
	hashAttemptKey  = []byte("attempt")
	hashHintKey     = []byte("hint")
	hashCodeKey     = []byte("verificationCode")
)

// decodeFlat reads the usual shape of a hash without a nested
// json.Unmarshal; false sends the caller to encoding/json.
func (h *PasswordResetHash) decodeFlat(data []byte) bool {
	obj, ok := newFlatObject(data)
	for ok {
		key, value, done, valid := obj.next()
		switch {
		case !valid:
			return false
		case done:
			return true
		case bytes.EqualFold(key, hashExpiresKey):
			h.setExpires(value)
		case string(value) == "null":
		case bytes.EqualFold(key, hashUsernameKey):
			h.Username, ok = jsonString(value)
		case bytes.EqualFold(key, hashHashKey):
			h.Hash, ok = jsonString(value)
		case bytes.EqualFold(key, hashHintKey):
			h.Hint, ok = jsonString(value)
		case bytes.EqualFold(key, hashCodeKey):
			h.VerificationCode, ok = jsonString(value)
		case bytes.EqualFold(key, hashAttemptKey):
			var err error
			h.Attempt, err = strconv.Atoi(string(value))
			ok = err == nil
		}
	}
	return false
}

// setExpires keeps the raw "expires" value and the time read from it.
func (h *PasswordResetHash) setExpires(raw []byte) {
	if len(raw) == 0 || string(raw) == "null" {
		h.expiresText, h.Expires, h.receivedAt = "", time.Time{}, time.Time{}
		return
	}
	h.expiresText = string(raw)
	var at Timestamp
	_ = at.UnmarshalJSON(raw) // an unreadable date is the zero time
	h.Expires, h.receivedAt = at.Time, at.Time
}

// String returns h with Hash and VerificationCode redacted.
func (h PasswordResetHash) String() string {
	return fmt.Sprintf("{Username:%q Expires:%s Hash:%s Attempt:%d Hint:%q VerificationCode:%s}",
		h.Username, h.Expires.Format(time.RFC3339Nano), redactedIfSet(h.Hash),
		h.Attempt, h.Hint, redactedIfSet(h.VerificationCode))
}

// Format makes every fmt verb (%v, %+v, %#v, %s, ...) print the redacted
// String form.
func (h PasswordResetHash) Format(f fmt.State, _ rune) {
	_, _ = io.WriteString(f, h.String())
}

// LogValue makes log/slog print h with Hash and VerificationCode redacted.
func (h PasswordResetHash) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("username", h.Username),
		slog.Time("expires", h.Expires),
		slog.String("hash", redactedIfSet(h.Hash)),
		slog.Int("attempt", h.Attempt),
		slog.String("hint", h.Hint),
		slog.String("verificationCode", redactedIfSet(h.VerificationCode)),
	)
}

// redactedIfSet returns "[REDACTED]" for a non-empty secret and "" for an
// empty one, so a printed value still shows whether the secret is there.
func redactedIfSet(secret string) string {
	if secret == "" {
		return ""
	}
	return redacted
}
