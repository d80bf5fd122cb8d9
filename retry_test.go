package meshydb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// retryTestPolicy has round numbers, so that the expected bounds are easy
// to read.
var retryTestPolicy = RetryPolicy{
	MaxAttempts:   4,
	BaseBackoff:   10 * time.Millisecond,
	MaxBackoff:    time.Second,
	MaxRetryAfter: 30 * time.Second,
}

// retryTestBound is min(MaxBackoff, BaseBackoff << (n-1)), computed with
// big integers so that it cannot overflow whatever n is.
func retryTestBound(p RetryPolicy, n int) time.Duration {
	if p.BaseBackoff <= 0 || p.MaxBackoff <= 0 {
		return 0
	}
	bound := new(big.Int).Lsh(big.NewInt(int64(p.BaseBackoff)), uint(max(n-1, 0)))
	if bound.Cmp(big.NewInt(int64(p.MaxBackoff))) > 0 {
		return p.MaxBackoff
	}
	return time.Duration(bound.Int64())
}

// retryTestBackoff calls p.backoff(n), turning a panic into a test failure
// so that one bad row does not end the whole test binary.
func retryTestBackoff(t *testing.T, p RetryPolicy, n int) (d time.Duration, ok bool) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("backoff(%d) with %+v panicked: %v", n, p, r)
			ok = false
		}
	}()
	return p.backoff(n), true
}

func retryTestAPIError(status int, retryAfter time.Duration) *APIError {
	return &APIError{StatusCode: status, Message: http.StatusText(status), RetryAfter: retryAfter}
}

func retryTestDialError() error {
	return &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
}

func retryTestDNSError() error {
	return &net.DNSError{Err: "no such host", Name: "api.meshydb.invalid", IsNotFound: true}
}

func retryTestURLError(method string, err error) error {
	return &url.Error{Op: method, URL: "https://api.meshydb.com/key/users/forgotpassword", Err: err}
}

func TestRetryWait(t *testing.T) {
	t.Parallel()

	const (
		get    = http.MethodGet
		put    = http.MethodPut
		del    = http.MethodDelete
		post   = http.MethodPost
		patch  = http.MethodPatch
		noWait = time.Duration(-1) // the wait must be a backoff for this attempt
	)
	p := retryTestPolicy
	allMethods := []string{get, put, del, post, patch}

	type row struct {
		name     string
		policy   RetryPolicy
		methods  []string
		attempt  int
		err      error
		retry    bool
		wantWait time.Duration // exact wait, or noWait for "any backoff for attempt"
	}
	rows := []row{
		// 429 and 503: every method.
		{"429 without Retry-After", p, allMethods, 1, retryTestAPIError(429, 0), true, noWait},
		{"503 without Retry-After", p, allMethods, 1, retryTestAPIError(503, 0), true, noWait},
		{"429 without Retry-After, third attempt", p, allMethods, 3, retryTestAPIError(429, 0), true, noWait},
		{"429 with Retry-After", p, allMethods, 1, retryTestAPIError(429, 2*time.Second), true, 2 * time.Second},
		{"503 with Retry-After", p, allMethods, 2, retryTestAPIError(503, 7*time.Second), true, 7 * time.Second},
		{"429 with Retry-After equal to MaxRetryAfter", p, allMethods, 1, retryTestAPIError(429, 30*time.Second), true, 30 * time.Second},
		{"429 with Retry-After above MaxRetryAfter", p, allMethods, 1, retryTestAPIError(429, 30*time.Second+1), false, 0},
		{"503 with Retry-After far above MaxRetryAfter", p, allMethods, 1, retryTestAPIError(503, time.Hour), false, 0},
		{"wrapped 429", p, allMethods, 1, fmt.Errorf("fetching: %w", retryTestAPIError(429, time.Second)), true, time.Second},

		// 502 and 504: idempotent methods only.
		{"502 idempotent", p, []string{get, put, del}, 1, retryTestAPIError(502, 0), true, noWait},
		{"504 idempotent", p, []string{get, put, del}, 2, retryTestAPIError(504, 0), true, noWait},
		{"502 POST/PATCH", p, []string{post, patch}, 1, retryTestAPIError(502, 0), false, 0},
		{"504 POST/PATCH", p, []string{post, patch}, 1, retryTestAPIError(504, 0), false, 0},
		{"502 with Retry-After POST", p, []string{post}, 1, retryTestAPIError(502, time.Second), false, 0},

		// Every other status: never.
		{"400", p, allMethods, 1, retryTestAPIError(400, 0), false, 0},
		{"401", p, allMethods, 1, retryTestAPIError(401, 0), false, 0},
		{"403", p, allMethods, 1, retryTestAPIError(403, 0), false, 0},
		{"404", p, allMethods, 1, retryTestAPIError(404, 0), false, 0},
		{"409", p, allMethods, 1, retryTestAPIError(409, 0), false, 0},
		{"408", p, allMethods, 1, retryTestAPIError(408, 0), false, 0},
		{"500", p, allMethods, 1, retryTestAPIError(500, 0), false, 0},
		{"501", p, allMethods, 1, retryTestAPIError(501, 0), false, 0},
		{"505", p, allMethods, 1, retryTestAPIError(505, 0), false, 0},
		{"500 with Retry-After", p, allMethods, 1, retryTestAPIError(500, time.Second), false, 0},
		{"400 with Retry-After", p, allMethods, 1, retryTestAPIError(400, time.Second), false, 0},

		// Transport errors: idempotent methods always, POST only when the
		// request never left (dial, DNS).
		{"generic transport error, idempotent", p, []string{get, put, del}, 1, errors.New("connection reset"), true, noWait},
		{"unexpected EOF, idempotent", p, []string{get, put, del}, 1, retryTestURLError(get, io.ErrUnexpectedEOF), true, noWait},
		{"generic transport error, POST/PATCH", p, []string{post, patch}, 1, errors.New("connection reset"), false, 0},
		{"unexpected EOF, POST", p, []string{post}, 1, retryTestURLError(post, io.ErrUnexpectedEOF), false, 0},
		{"read OpError, POST", p, []string{post}, 1, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, false, 0},
		{"write OpError in url.Error, POST", p, []string{post}, 1, retryTestURLError(post, &net.OpError{Op: "write", Net: "tcp", Err: syscall.EPIPE}), false, 0},
		{"dial OpError, any method", p, allMethods, 1, retryTestDialError(), true, noWait},
		{"dial OpError in url.Error, any method", p, allMethods, 2, retryTestURLError(post, retryTestDialError()), true, noWait},
		{"DNSError, any method", p, allMethods, 1, retryTestDNSError(), true, noWait},
		{"DNSError in url.Error, any method", p, allMethods, 1, retryTestURLError(post, retryTestDNSError()), true, noWait},
		{"DNSError in dial OpError in url.Error", p, allMethods, 1, retryTestURLError(post, &net.OpError{Op: "dial", Net: "tcp", Err: retryTestDNSError()}), true, noWait},

		// The caller's context ended: never.
		{"context.Canceled", p, allMethods, 1, context.Canceled, false, 0},
		{"context.DeadlineExceeded", p, allMethods, 1, context.DeadlineExceeded, false, 0},
		{"context.Canceled in url.Error", p, allMethods, 1, retryTestURLError(get, context.Canceled), false, 0},
		{"context.DeadlineExceeded in url.Error", p, allMethods, 1, retryTestURLError(get, context.DeadlineExceeded), false, 0},
		{"context.Canceled in dial OpError", p, allMethods, 1, retryTestURLError(post, &net.OpError{Op: "dial", Net: "tcp", Err: context.Canceled}), false, 0},

		// Out of attempts: never, whatever the error.
		{"429 on the last attempt", p, allMethods, 4, retryTestAPIError(429, 0), false, 0},
		{"503 with Retry-After on the last attempt", p, allMethods, 4, retryTestAPIError(503, time.Second), false, 0},
		{"502 on the last attempt", p, []string{get}, 4, retryTestAPIError(502, 0), false, 0},
		{"dial error past the last attempt", p, allMethods, 5, retryTestDialError(), false, 0},
		{"transport error past the last attempt", p, []string{get}, 100, errors.New("reset"), false, 0},
	}
	// Retries off: MaxAttempts 0, 1 or negative never retries.
	for _, maxAttempts := range []int{-1, 0, 1} {
		off := p
		off.MaxAttempts = maxAttempts
		for _, e := range []struct {
			name string
			err  error
		}{
			{"429", retryTestAPIError(429, 0)},
			{"503 with Retry-After", retryTestAPIError(503, time.Second)},
			{"502", retryTestAPIError(502, 0)},
			{"dial error", retryTestDialError()},
			{"DNS error", retryTestDNSError()},
			{"transport error", errors.New("reset")},
		} {
			rows = append(rows, row{
				fmt.Sprintf("MaxAttempts %d, %s", maxAttempts, e.name), off, allMethods, 1, e.err, false, 0,
			})
		}
	}
	// MaxAttempts 2 allows exactly one retry.
	two := p
	two.MaxAttempts = 2
	rows = append(rows,
		row{"MaxAttempts 2, first attempt", two, allMethods, 1, retryTestAPIError(503, 0), true, noWait},
		row{"MaxAttempts 2, second attempt", two, allMethods, 2, retryTestAPIError(503, 0), false, 0},
	)
	// MaxRetryAfter 0 refuses any Retry-After, but still backs off without one.
	noRA := p
	noRA.MaxRetryAfter = 0
	rows = append(rows,
		row{"MaxRetryAfter 0, 429 with Retry-After", noRA, allMethods, 1, retryTestAPIError(429, time.Second), false, 0},
		row{"MaxRetryAfter 0, 429 without Retry-After", noRA, allMethods, 1, retryTestAPIError(429, 0), true, noWait},
	)

	for _, tt := range rows {
		for _, method := range tt.methods {
			t.Run(tt.name+"/"+method, func(t *testing.T) {
				t.Parallel()
				wait, retry := tt.policy.retryWait(method, tt.attempt, tt.err)
				require.Equal(t, tt.retry, retry, "retryWait(%s, %d, %v)", method, tt.attempt, tt.err)
				switch {
				case !retry:
					// The wait is meaningless when there is no retry.
				case tt.wantWait == noWait:
					bound := retryTestBound(tt.policy, tt.attempt)
					assert.GreaterOrEqual(t, wait, time.Duration(0))
					assert.LessOrEqual(t, wait, bound, "backoff for attempt %d", tt.attempt)
				default:
					assert.Equal(t, tt.wantWait, wait, "the wait is the server's Retry-After")
				}
			})
		}
	}
}

// TestRetryWait_BackoffGrowsWithAttempt checks that the wait after a 503
// without Retry-After uses the bound of its own attempt: after many samples
// at attempt 3 some wait must exceed the bound of attempt 1.
func TestRetryWait_BackoffGrowsWithAttempt(t *testing.T) {
	t.Parallel()

	p := retryTestPolicy
	p.MaxAttempts = 10
	first := retryTestBound(p, 1)
	third := retryTestBound(p, 3)
	require.Greater(t, third, 2*first)

	var longest time.Duration
	for range 1000 {
		wait, retry := p.retryWait(http.MethodPost, 3, retryTestAPIError(503, 0))
		require.True(t, retry)
		require.GreaterOrEqual(t, wait, time.Duration(0))
		require.LessOrEqual(t, wait, third)
		longest = max(longest, wait)
	}
	assert.Greater(t, longest, first, "attempt 3 should back off beyond the attempt-1 bound")
}

func TestBackoff_WithinFullJitterBound(t *testing.T) {
	t.Parallel()

	policies := []RetryPolicy{
		DefaultRetryPolicy,
		retryTestPolicy,
		{BaseBackoff: time.Millisecond, MaxBackoff: time.Second},
		{BaseBackoff: 3 * time.Millisecond, MaxBackoff: 10 * time.Millisecond}, // cap not a power of two of the base
		{BaseBackoff: 5 * time.Second, MaxBackoff: time.Second},                // base above the cap
		{BaseBackoff: 1, MaxBackoff: 1},                                        // the smallest non-zero bound
		{BaseBackoff: time.Second, MaxBackoff: 24 * time.Hour},
	}
	for _, p := range policies {
		for _, n := range []int{1, 2, 3, 4, 5, 8, 12, 20, 63, 64, 100} {
			t.Run(fmt.Sprintf("%v-%v/n=%d", p.BaseBackoff, p.MaxBackoff, n), func(t *testing.T) {
				t.Parallel()
				retryTestAssertJitter(t, p, n)
			})
		}
	}
}

// retryTestAssertJitter draws 1000 backoffs and checks that all lie in
// [0, bound] and that they are spread over the range: with full jitter, the
// chance of all 1000 falling in one half is 2^-1000.
func retryTestAssertJitter(t *testing.T, p RetryPolicy, n int) {
	t.Helper()
	bound := retryTestBound(p, n)
	require.Positive(t, bound)
	var above, atOrBelow int
	for range 1000 {
		d, ok := retryTestBackoff(t, p, n)
		if !ok {
			return
		}
		if d < 0 || d > bound {
			t.Fatalf("backoff(%d) = %v with %+v, want within [0, %v]", n, d, p, bound)
		}
		if d > bound/2 {
			above++
		} else {
			atOrBelow++
		}
	}
	assert.Positive(t, above, "backoff(%d) never exceeded half the bound %v", n, bound)
	assert.Positive(t, atOrBelow, "backoff(%d) never fell to half the bound %v: no jitter", n, bound)
}

func TestBackoff_ZeroBaseIsZero(t *testing.T) {
	t.Parallel()

	for _, p := range []RetryPolicy{
		{MaxAttempts: 5},
		{MaxAttempts: 5, MaxBackoff: time.Second},
		{MaxAttempts: 5, MaxBackoff: time.Duration(math.MaxInt64)},
	} {
		for _, n := range []int{1, 2, 10, 64, 100} {
			d, ok := retryTestBackoff(t, p, n)
			if ok {
				assert.Zero(t, d, "backoff(%d) with %+v", n, p)
			}
		}
		// And retryWait passes the zero wait on.
		wait, retry := p.retryWait(http.MethodGet, 1, retryTestAPIError(503, 0))
		assert.True(t, retry)
		assert.Zero(t, wait)
	}
}

// TestBackoff_NoOverflow checks that doubling the bound never overflows
// time.Duration: for late retries and huge caps the bound saturates at
// MaxBackoff instead of wrapping to a negative or zero wait, and drawing
// from it does not panic.
func TestBackoff_NoOverflow(t *testing.T) {
	t.Parallel()

	const forever = time.Duration(math.MaxInt64)
	for _, tt := range []struct {
		name string
		p    RetryPolicy
		n    int
	}{
		{"default policy, n=100", DefaultRetryPolicy, 100},
		{"default policy, n=MaxInt32", DefaultRetryPolicy, math.MaxInt32},
		{"1s base, 24h cap, n=100", RetryPolicy{BaseBackoff: time.Second, MaxBackoff: 24 * time.Hour}, 100},
		{"1s base, uncapped, n=100", RetryPolicy{BaseBackoff: time.Second, MaxBackoff: forever}, 100},
		{"huge base, uncapped, n=2", RetryPolicy{BaseBackoff: 1 << 62, MaxBackoff: forever}, 2},
		{"base and cap at the maximum, n=1", RetryPolicy{BaseBackoff: forever, MaxBackoff: forever}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bound := retryTestBound(tt.p, tt.n)
			var longest time.Duration
			for range 1000 {
				d, ok := retryTestBackoff(t, tt.p, tt.n)
				if !ok {
					return
				}
				require.GreaterOrEqual(t, d, time.Duration(0))
				require.LessOrEqual(t, d, bound)
				longest = max(longest, d)
			}
			assert.Greater(t, longest, bound/2, "backoff(%d) should reach beyond half of %v", tt.n, bound)
		})
	}
}

func TestIdempotent(t *testing.T) {
	t.Parallel()

	for method, want := range map[string]bool{
		http.MethodGet:     true,
		http.MethodHead:    true,
		http.MethodOptions: true,
		http.MethodPut:     true,
		http.MethodDelete:  true,
		http.MethodPost:    false,
		http.MethodPatch:   false,
		http.MethodConnect: false,
		"":                 false,
		"get":              false, // methods are case-sensitive
		"BREW":             false,
	} {
		assert.Equal(t, want, idempotent(method), "idempotent(%q)", method)
	}
}

func TestSleep(t *testing.T) {
	t.Parallel()

	t.Run("waits and returns nil", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		require.NoError(t, sleep(context.Background(), time.Millisecond))
		assert.GreaterOrEqual(t, time.Since(start), time.Millisecond)
	})

	t.Run("cancelled context ends a long wait at once", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		start := time.Now()
		err := sleep(ctx, time.Hour)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Less(t, time.Since(start), time.Second)
	})

	t.Run("cancellation during the wait ends it", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		timer := time.AfterFunc(10*time.Millisecond, cancel)
		defer timer.Stop()
		start := time.Now()
		err := sleep(ctx, time.Hour)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Less(t, time.Since(start), time.Second)
	})

	t.Run("deadline ends a long wait", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := sleep(ctx, time.Hour)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), time.Second)
	})

	t.Run("no wait returns the context's error", func(t *testing.T) {
		t.Parallel()
		cancelled, cancel := context.WithCancel(context.Background())
		cancel()
		for _, d := range []time.Duration{0, -1, -time.Hour, math.MinInt64} {
			assert.NoError(t, sleep(context.Background(), d), "sleep(live ctx, %v)", d)
			assert.ErrorIs(t, sleep(cancelled, d), context.Canceled, "sleep(cancelled ctx, %v)", d)
		}
	})
}

func TestWithRetry(t *testing.T) {
	t.Parallel()

	t.Run("rejects negative durations", func(t *testing.T) {
		t.Parallel()
		for name, p := range map[string]RetryPolicy{
			"BaseBackoff":   {MaxAttempts: 3, BaseBackoff: -1},
			"MaxBackoff":    {MaxAttempts: 3, MaxBackoff: -time.Second},
			"MaxRetryAfter": {MaxAttempts: 3, MaxRetryAfter: -time.Minute},
		} {
			cfg := defaultConfig()
			err := WithRetry(p).apply(&cfg)
			require.ErrorIs(t, err, ErrInvalidArgument, name)
			assert.Contains(t, err.Error(), "WithRetry", name)
			assert.Equal(t, DefaultRetryPolicy, cfg.retry, "%s: a rejected policy must not be stored", name)

			db, err := New("key", "tenant", "public", WithRetry(p))
			assert.ErrorIs(t, err, ErrInvalidArgument, name)
			assert.Nil(t, db, name)
		}
	})

	t.Run("stores a valid policy", func(t *testing.T) {
		t.Parallel()
		for _, p := range []RetryPolicy{{}, {MaxAttempts: 1}, {MaxAttempts: -3}, retryTestPolicy} {
			cfg := defaultConfig()
			require.NoError(t, WithRetry(p).apply(&cfg))
			assert.Equal(t, p, cfg.retry)
		}
		db, err := New("key", "tenant", "public", WithRetry(RetryPolicy{}))
		require.NoError(t, err)
		assert.NotNil(t, db)
	})

	t.Run("zero policy turns retries off", func(t *testing.T) {
		t.Parallel()
		cfg := defaultConfig()
		require.NoError(t, WithRetry(RetryPolicy{}).apply(&cfg))
		assert.Equal(t, 1, cfg.retry.attempts())
		_, retry := cfg.retry.retryWait(http.MethodGet, 1, retryTestAPIError(503, 0))
		assert.False(t, retry)
	})
}

func TestDefaultRetryPolicy(t *testing.T) {
	t.Parallel()

	assert.Equal(t, 3, DefaultRetryPolicy.attempts())
	assert.Equal(t, 100*time.Millisecond, DefaultRetryPolicy.BaseBackoff)
	assert.Equal(t, 2*time.Second, DefaultRetryPolicy.MaxBackoff)
	assert.Equal(t, 30*time.Second, DefaultRetryPolicy.MaxRetryAfter)
	assert.Equal(t, DefaultRetryPolicy, defaultConfig().retry)
}
