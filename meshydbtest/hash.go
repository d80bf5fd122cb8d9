package meshydbtest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// hashLifetime is how long a reset or verification hash is accepted.
const hashLifetime = time.Hour

// hashJSON is the wire form of a password-reset or verification hash.
type hashJSON struct {
	Username string `json:"username"`
	Expires  string `json:"expires"`
	Hash     string `json:"hash"`
	Attempt  int    `json:"attempt"`
	Hint     string `json:"hint"`
}

// hashRequest is a hash sent back by a client, with what comes along.
type hashRequest struct {
	Username         string          `json:"username"`
	Expires          json.RawMessage `json:"expires"`
	Hash             string          `json:"hash"`
	Attempt          int             `json:"attempt"`
	Hint             string          `json:"hint"`
	VerificationCode string          `json:"verificationCode"`
	NewPassword      string          `json:"newPassword"`
}

// expiresText returns the expires value as the text it holds, or "" when
// it is missing or not a JSON string.
func (r *hashRequest) expiresText() string {
	var text string
	if json.Unmarshal(r.Expires, &text) != nil {
		return ""
	}
	return text
}

// missing names the first of the required fields that r lacks, or "".
func (r *hashRequest) missing(withCode, withPassword bool) string {
	switch {
	case strings.TrimSpace(r.Username) == "":
		return "username"
	case strings.TrimSpace(r.Hash) == "":
		return "hash"
	case r.expiresText() == "":
		return "expires"
	case withCode && strings.TrimSpace(r.VerificationCode) == "":
		return "verificationCode"
	case withPassword && r.NewPassword == "":
		return "newPassword"
	}
	return ""
}

// issueHash returns a hash for u that expires an hour from now. The hash
// is "nonce.mac", an HMAC under the server's secret over the purpose, the
// account, tenant and user, the user's password stamp, and the exact
// username, expires text, attempt and hint the client must send back; so
// changing any of them, or the password, invalidates it.
func (x *exchange) issueHash(purpose string, u *user, attempt int, hint string) hashJSON {
	h := hashJSON{
		Username: u.username,
		Expires:  formatDate(x.now.Add(hashLifetime)),
		Attempt:  attempt,
		Hint:     hint,
	}
	nonce := rand.Text()
	h.Hash = nonce + "." + x.mac(purpose, u, nonce, h.Username, h.Expires, attempt, hint)
	return h
}

// mac computes the signature part of a hash.
func (x *exchange) mac(purpose string, u *user, nonce, username, expires string, attempt int, hint string) string {
	m := hmac.New(sha256.New, x.s.secret)
	for _, field := range []string{
		purpose, x.acct.ClientKey, x.tenantName, u.id, u.stamp, nonce,
		username, expires, strconv.Itoa(attempt), hint,
	} {
		fmt.Fprintf(m, "%d:%s;", len(field), field) // length-prefixed, so fields cannot run together
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// codeFor derives the 6-digit code that goes with a hash, so that no code
// needs storing: only the holder of the server's secret can compute it.
func (x *exchange) codeFor(hash string) string {
	m := hmac.New(sha256.New, x.s.secret)
	fmt.Fprintf(m, "code;%s", hash)
	return fmt.Sprintf("%06d", binary.BigEndian.Uint64(m.Sum(nil))%1_000_000)
}

// redeem checks a hash sent back for purpose, with its code, and returns
// the user it belongs to, or the 400 that says why it is not valid.
func (x *exchange) redeem(purpose string, req *hashRequest) (*user, *response) {
	attempt := max(req.Attempt, 1) // seed-era clients send no attempt
	expires := req.expiresText()
	u := x.tenant.lookup(req.Username)
	if u == nil {
		return nil, badRequest("The hash is invalid.")
	}
	nonce, _, _ := strings.Cut(req.Hash, ".")
	want := nonce + "." + x.mac(purpose, u, nonce, req.Username, expires, attempt, req.Hint)
	if !hmac.Equal([]byte(want), []byte(req.Hash)) {
		return nil, badRequest("The hash is invalid.")
	}
	until, err := time.Parse(dateLayout, expires)
	if err != nil {
		return nil, badRequest("The hash is invalid.")
	}
	if !x.now.Before(until) {
		return nil, badRequest("The hash has expired.")
	}
	if purpose == PurposeVerify {
		switch {
		case u.anonymous:
			return nil, badRequest("Anonymous users cannot be verified.")
		case u.verified:
			return nil, badRequest("The user is already verified.")
		}
	}
	if purpose == PurposeReset && x.acct.Verification == VerifyNone {
		return u, nil // seed behaviour: the hash alone proves the reset
	}
	code := strings.TrimSpace(req.VerificationCode)
	if code == "" {
		return nil, badRequest("The verification code is required.")
	}
	if !x.codeMatches(purpose, u, req, code) {
		return nil, badRequest("The verification code is invalid.")
	}
	return u, nil
}

// codeMatches reports whether code proves the hash in req: the emailed or
// texted code, or the answer to the security question in the hint.
func (x *exchange) codeMatches(purpose string, u *user, req *hashRequest, code string) bool {
	if purpose == PurposeReset && x.acct.Verification == VerifySecurityQuestion {
		i := max(req.Attempt, 1) - 1
		if i >= len(u.questions) || u.questions[i].question != req.Hint {
			return false
		}
		want, got := normalizeAnswer(u.questions[i].answer), normalizeAnswer(code)
		return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
	}
	return subtle.ConstantTimeCompare([]byte(x.codeFor(req.Hash)), []byte(code)) == 1
}
