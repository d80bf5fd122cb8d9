package meshydb

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"time"
)

// RetryPolicy says which failed requests the SDK tries again, and how long
// it waits in between. Whatever the policy, a request is never repeated when
// the server may already have acted on it and repeating is unsafe: a POST
// (such as ForgotPassword, which mails the user) is retried only after an
// answer that says it was not processed (429, 503) or a failure to connect.
//
// What is retried:
//   - 429 and 503, for every method, after the server's Retry-After when it
//     sends one (up to MaxRetryAfter), else after a backoff;
//   - 502, 504 and transport errors, for GET, PUT and DELETE only;
//   - a failure to connect (dial, DNS), for every method, since the
//     request never reached the server.
//
// The wait is exponential with full jitter: a random duration between zero
// and min(MaxBackoff, BaseBackoff × 2^(retry-1)), retries counted from 1.
// A zero BaseBackoff or MaxBackoff means no backoff wait at all; a
// Retry-After still applies. It ends at once when the
// context is done, with an error that matches the context's error and,
// with errors.As, the last failure. When the context's deadline would pass
// before the wait ends, the SDK does not wait: it returns the last failure
// at once.
type RetryPolicy struct {
	// MaxAttempts is the most times one call is sent, the first included.
	// 1 (or less) turns retries off.
	MaxAttempts int
	// BaseBackoff is the backoff bound before the first retry; it doubles
	// with each further retry.
	BaseBackoff time.Duration
	// MaxBackoff caps the backoff bound.
	MaxBackoff time.Duration
	// MaxRetryAfter is the longest Retry-After the SDK will wait for. When
	// the server asks for longer, the call fails at once with the 429 or
	// 503 error, whose RetryAfter says how long the server asked for.
	MaxRetryAfter time.Duration
}

// DefaultRetryPolicy is the policy used without [WithRetry]: up to 3
// attempts, backoff bounds from 100 ms to 2 s, and Retry-After honoured up
// to 30 s.
var DefaultRetryPolicy = RetryPolicy{
	MaxAttempts:   3,
	BaseBackoff:   100 * time.Millisecond,
	MaxBackoff:    2 * time.Second,
	MaxRetryAfter: 30 * time.Second,
}

// WithRetry replaces [DefaultRetryPolicy]. WithRetry(RetryPolicy{}) (or any
// policy with MaxAttempts 1) turns retries off.
func WithRetry(p RetryPolicy) Option {
	return optionFunc(func(cfg *config) error {
		if p.BaseBackoff < 0 || p.MaxBackoff < 0 || p.MaxRetryAfter < 0 {
			return invalidArgument("WithRetry", "durations must not be negative")
		}
		cfg.retry = p
		return nil
	})
}

// attempts returns how many times a call may be sent, at least once.
func (p RetryPolicy) attempts() int { return max(p.MaxAttempts, 1) }

// backoff returns the full-jitter wait before retry number n (1 for the
// first retry).
func (p RetryPolicy) backoff(n int) time.Duration {
	bound := p.BaseBackoff
	for i := 1; i < n && bound < p.MaxBackoff; i++ {
		if bound > math.MaxInt64/2 {
			bound = p.MaxBackoff // doubling would overflow: past any cap
			break
		}
		bound *= 2
	}
	bound = min(bound, p.MaxBackoff, math.MaxInt64-1) // rand.N takes bound+1
	if bound <= 0 {
		return 0
	}
	return rand.N(bound + 1)
}

// retryWait says whether an attempt that failed with err is tried again,
// and after how long. err is an *APIError or a transport error; attempt
// counts from 1.
func (p RetryPolicy) retryWait(method string, attempt int, err error) (time.Duration, bool) {
	if attempt >= p.attempts() {
		return 0, false
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		switch apiErr.StatusCode {
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
			if apiErr.RetryAfter > p.MaxRetryAfter {
				return 0, false
			}
			if apiErr.RetryAfter > 0 {
				return apiErr.RetryAfter, true
			}
			return p.backoff(attempt), true
		case http.StatusBadGateway, http.StatusGatewayTimeout:
			return p.backoff(attempt), idempotent(method)
		}
		return 0, false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return 0, false
	}
	return p.backoff(attempt), idempotent(method) || isConnectError(err)
}

// idempotent reports whether sending method twice has the effect of sending
// it once.
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// isConnectError reports whether err is a failure to reach the server at
// all (DNS lookup or dial), after which no byte of the request was sent.
func isConnectError(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

// sleep waits for d or until ctx is done, whichever comes first, and
// returns ctx's error in the second case.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
