package meshydb

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Sentinel errors. Every error the SDK returns for a non-2xx answer is an
// [*APIError] that matches one of these with [errors.Is], so callers can
// branch on the kind of failure without looking at status codes.
var (
	// ErrInvalidArgument reports bad input caught before any request was
	// sent. The error text names the offending field.
	ErrInvalidArgument = errors.New("meshydb: invalid argument")

	// ErrBadRequest matches a 400 answer: a missing or invalid field, an
	// expired or invalid hash, a failed OAuth2 grant.
	ErrBadRequest = errors.New("meshydb: bad request")

	// ErrUnauthorized matches a 401 answer: no token, or a bad one.
	ErrUnauthorized = errors.New("meshydb: unauthorized")

	// ErrForbidden matches a 403 answer: the user lacks a permission.
	ErrForbidden = errors.New("meshydb: forbidden")

	// ErrNotFound matches a 404 answer: no such user, tenant or account.
	ErrNotFound = errors.New("meshydb: not found")

	// ErrRateLimited matches a 429 answer: the rate or database limit of the
	// account was reached. [APIError.RetryAfter] says when to try again.
	ErrRateLimited = errors.New("meshydb: rate limited")

	// ErrServer matches any 5xx answer.
	ErrServer = errors.New("meshydb: server error")

	// ErrEmptyResponse reports a successful answer that lacked the value
	// the call returns, such as a ForgotPassword answer with no hash.
	ErrEmptyResponse = errors.New("meshydb: empty response")

	// ErrResponseTooLarge reports a successful answer whose body exceeded
	// the SDK's size cap; it was not decoded.
	ErrResponseTooLarge = errors.New("meshydb: response body too large")
)

// APIError is the error for every non-2xx answer. It keeps all the detail
// the server gave, but never the request body, so no password, hash or
// verification code can leak through it.
//
// Use [errors.As] to reach it and [errors.Is] with the sentinel errors to
// classify it:
//
//	var apiErr *meshydb.APIError
//	if errors.As(err, &apiErr) {
//		log.Println(apiErr.StatusCode, apiErr.Message)
//	}
//	if errors.Is(err, meshydb.ErrNotFound) { ... }
type APIError struct {
	// StatusCode is the HTTP status code of the answer, e.g. 404.
	StatusCode int

	// Message is the server's human-readable reason, taken from whichever
	// error-body shape it used; the status text when it gave none.
	Message string

	// Code is the machine-readable error code when the server gave one,
	// e.g. the OAuth2 error "invalid_grant".
	Code string

	// FieldErrors holds per-field validation messages from an ASP.NET
	// problem-details body, e.g. {"Username": ["Username is required."]}.
	FieldErrors map[string][]string

	// RetryAfter is the wait the server asked for in a Retry-After header,
	// zero when it sent none.
	RetryAfter time.Duration

	// Attempts is how many times the request was sent, retries included.
	Attempts int

	// Method and URL identify the request that failed.
	Method string
	URL    string

	// Body is the raw response body, capped at 64 KiB.
	Body []byte
}

// maxErrorBody caps how much of an error body an APIError keeps.
const maxErrorBody = 64 << 10

// Error returns "meshydb: METHOD URL: STATUS: message", plus any field
// errors.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("meshydb: ")
	if e.Method != "" {
		b.WriteString(e.Method)
		b.WriteByte(' ')
		b.WriteString(e.URL)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" && e.Message != http.StatusText(e.StatusCode) {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	for _, field := range slices.Sorted(maps.Keys(e.FieldErrors)) {
		fmt.Fprintf(&b, "; %s: %s", field, strings.Join(e.FieldErrors[field], " "))
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	return b.String()
}

// Is reports whether target is the sentinel error for e's status code.
func (e *APIError) Is(target error) bool {
	return target != nil && target == sentinelFor(e.StatusCode)
}

// sentinelFor maps a status code to its sentinel error, or nil.
func sentinelFor(status int) error {
	switch {
	case status == http.StatusBadRequest:
		return ErrBadRequest
	case status == http.StatusUnauthorized:
		return ErrUnauthorized
	case status == http.StatusForbidden:
		return ErrForbidden
	case status == http.StatusNotFound:
		return ErrNotFound
	case status == http.StatusTooManyRequests:
		return ErrRateLimited
	case status >= 500 && status <= 599:
		return ErrServer
	}
	return nil
}

// invalidArgument returns an error wrapping ErrInvalidArgument that names
// the field at fault. The reason must never contain the field's value when
// that value may be a secret.
func invalidArgument(field, reason string) error {
	return fmt.Errorf("%w: %s %s", ErrInvalidArgument, field, reason)
}
