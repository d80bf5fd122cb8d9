package meshydb_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshydb/meshydb-go"
)

// faultPolicy is the fast retry policy every fault row uses unless it sets
// its own: three attempts, millisecond backoffs, Retry-After up to 2 s.
var faultPolicy = meshydb.RetryPolicy{
	MaxAttempts:   3,
	BaseBackoff:   time.Millisecond,
	MaxBackoff:    5 * time.Millisecond,
	MaxRetryAfter: 2 * time.Second,
}

// faultHugeBackoff makes the first backoff practically certain to be far
// longer than any test: the full-jitter wait is uniform in [0, 1000 h], so
// the chance that it is under a second is below one in a million.
var faultHugeBackoff = meshydb.RetryPolicy{
	MaxAttempts:   3,
	BaseBackoff:   1000 * time.Hour,
	MaxBackoff:    1000 * time.Hour,
	MaxRetryAfter: 2 * time.Second,
}

const (
	faultClientKey = "acct"
	faultUsername  = "bob"
	faultPassword  = "n3w-Secr3t!"
	faultHashValue = "h4sh-secret"
	faultHashJSON  = `{"username":"bob","expires":"2030-01-02T03:04:05Z","hash":"h4sh-secret"}`
)

// faultCall is one SDK call a row makes, with the route it must hit and the
// JSON body it must send.
type faultCall struct {
	route string // below /{clientKey}/
	body  string // the exact JSON the SDK sends
	do    func(ctx context.Context, db *meshydb.MeshyDB) error
}

// faultHash is the hash CheckHash and ResetPassword send back.
func faultHash() *meshydb.PasswordResetHash {
	return &meshydb.PasswordResetHash{
		Username:         faultUsername,
		Expires:          time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
		Hash:             faultHashValue,
		VerificationCode: "123456",
	}
}

var (
	faultForgot = faultCall{
		route: "users/forgotpassword",
		body:  `{"username":"bob"}`,
		do: func(ctx context.Context, db *meshydb.MeshyDB) error {
			hash, err := db.ForgotPassword(ctx, faultUsername)
			if err == nil && (hash == nil || hash.Username != faultUsername || hash.Hash != faultHashValue) {
				return errors.New("ForgotPassword succeeded with the wrong hash")
			}
			return err
		},
	}
	faultCheck = faultCall{
		route: "users/checkhash",
		body:  `{"username":"bob","expires":"2030-01-02T03:04:05Z","hash":"h4sh-secret","verificationCode":"123456"}`,
		do: func(ctx context.Context, db *meshydb.MeshyDB) error {
			valid, err := db.CheckHash(ctx, faultHash())
			if err == nil && !valid {
				return errors.New("CheckHash succeeded with false")
			}
			return err
		},
	}
	faultReset = faultCall{
		route: "users/resetpassword",
		body:  `{"username":"bob","expires":"2030-01-02T03:04:05Z","hash":"h4sh-secret","verificationCode":"123456","newPassword":"n3w-Secr3t!"}`,
		do: func(ctx context.Context, db *meshydb.MeshyDB) error {
			return db.ResetPassword(ctx, faultHash(), faultPassword)
		},
	}
)

// faultRequest is one request a fault server read in full.
type faultRequest struct {
	method, path string
	body         []byte
	at           time.Time
}

// faultLog records what a fault server saw. It is safe for concurrent use.
type faultLog struct {
	mu    sync.Mutex
	conns int
	reqs  []faultRequest
}

func (l *faultLog) addConn() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.conns++
}

// addRequest records r, whose body has been read, and returns its number,
// counting from 1.
func (l *faultLog) addRequest(r *http.Request, body []byte) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, faultRequest{method: r.Method, path: r.URL.Path, body: body, at: time.Now()})
	return len(l.reqs)
}

func (l *faultLog) snapshot() (conns int, reqs []faultRequest) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.conns, append([]faultRequest(nil), l.reqs...)
}

// faultEnv is what a row's server side gets to act with.
type faultEnv struct {
	t       *testing.T
	log     *faultLog
	cancel  context.CancelFunc // cancels the call's context
	release <-chan struct{}    // closed when the test ends
}

// faultRow is one fault and what the SDK must make of it.
type faultRow struct {
	name string

	// The fault, one of: an HTTP handler, given the request number n
	// (from 1) after the request body has been read and recorded; a raw
	// TCP connection handler; or, with neither, a port nobody listens on.
	http func(e *faultEnv, n int, w http.ResponseWriter, r *http.Request)
	tcp  func(e *faultEnv, c *net.TCPConn)

	call    faultCall            // faultForgot when zero
	policy  *meshydb.RetryPolicy // faultPolicy when nil
	opts    []meshydb.Option
	timeout time.Duration // the call's context deadline; none when 0

	wantRequests int // requests the server read in full
	// wantConns is how many TCP connections the server accepted; checked
	// for tcp rows and closed ports only.
	wantConns int
	// wantAttempts is the attempt count the error reports: APIError.Attempts
	// (0 or 1 counting as 1) or "(after N attempts)" in its text. Ignored
	// when the call succeeds.
	wantAttempts int
	// racy marks a row whose connection and attempt counts depend on a
	// race the test cannot control; check asserts what holds either way.
	racy       bool
	wantOK     bool
	wantIs     []error // errors.Is must hold for each
	wantNotIs  []error // and must not for these
	wantStatus int     // errors.As to *APIError must give this status; 0: no *APIError at all
	maxElapsed time.Duration
	check      func(t *testing.T, res faultResult)
}

// faultResult is what a row's call returned and what its server saw.
type faultResult struct {
	err      error
	attempts int // what err reports; see faultRow.wantAttempts
	reqs     []faultRequest
	conns    int
	retries  []string // the reason of each retry the SDK logged
	elapsed  time.Duration
}

// faultSDKSentinels are all the SDK's sentinel errors, for rows that must
// match none of them but the ones they name.
var faultSDKSentinels = []error{
	meshydb.ErrInvalidArgument, meshydb.ErrBadRequest, meshydb.ErrUnauthorized,
	meshydb.ErrForbidden, meshydb.ErrNotFound, meshydb.ErrRateLimited,
	meshydb.ErrServer, meshydb.ErrResponseTooLarge,
}

// faultExcept returns faultSDKSentinels without keep.
func faultExcept(keep ...error) []error {
	var out []error
	for _, s := range faultSDKSentinels {
		kept := false
		for _, k := range keep {
			kept = kept || s == k
		}
		if !kept {
			out = append(out, s)
		}
	}
	return out
}

var faultAttemptsText = regexp.MustCompile(`\(after (\d+) attempts\)`)

// faultAttempts returns how many attempts err reports: APIError.Attempts
// when err holds an *APIError, else the N of "(after N attempts)" in its
// text, else 1.
func faultAttempts(t *testing.T, err error) int {
	t.Helper()
	var apiErr *meshydb.APIError
	if errors.As(err, &apiErr) {
		return max(apiErr.Attempts, 1)
	}
	m := faultAttemptsText.FindStringSubmatch(err.Error())
	if m == nil {
		return 1
	}
	n, convErr := strconv.Atoi(m[1])
	require.NoError(t, convErr)
	return n
}

// faultServeHTTP starts an httptest server on loopback that records every
// request and hands it to handle.
func faultServeHTTP(t *testing.T, e *faultEnv, handle func(e *faultEnv, n int, w http.ResponseWriter, r *http.Request)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if !assert.NoError(t, err, "server reading the request body") {
			return
		}
		handle(e, e.log.addRequest(r, body), w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// faultServeTCP starts a raw TCP listener on loopback that counts the
// connections it accepts and hands each to handle, with a 2 s deadline.
func faultServeTCP(t *testing.T, e *faultEnv, handle func(e *faultEnv, c *net.TCPConn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return // the listener was closed
			}
			e.log.addConn()
			wg.Go(func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(2 * time.Second))
				handle(e, c.(*net.TCPConn))
			})
		}
	})
	t.Cleanup(func() {
		_ = ln.Close()
		wg.Wait()
	})
	return "http://" + ln.Addr().String()
}

// faultClosedPort returns the URL of a loopback port that was just
// listened on and closed, so that connecting to it is refused.
func faultClosedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "http://" + addr
}

// faultReadRequest reads one whole HTTP request, headers and body, from c
// and records it.
func faultReadRequest(e *faultEnv, c net.Conn) {
	req, err := http.ReadRequest(bufio.NewReader(c))
	if !assert.NoError(e.t, err, "server reading the request") {
		return
	}
	body, err := io.ReadAll(req.Body)
	if !assert.NoError(e.t, err, "server reading the request body") {
		return
	}
	e.log.addRequest(req, body)
}

// faultResetConn closes c with SO_LINGER 0, so the peer gets a TCP RST
// instead of a FIN.
func faultResetConn(e *faultEnv, c *net.TCPConn) {
	assert.NoError(e.t, c.SetLinger(0))
	_ = c.Close()
}

// faultOK answers a request with a success body for its route.
func faultOK(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasSuffix(r.URL.Path, "/users/forgotpassword"):
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, faultHashJSON)
	case strings.HasSuffix(r.URL.Path, "/users/checkhash"):
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "true")
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// faultStatus answers with status, a JSON message and the given
// Retry-After ("" for none).
func faultStatus(w http.ResponseWriter, status int, retryAfter string) {
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `{"message":"try later"}`)
}

// faultThen answers the first n requests with status (and Retry-After),
// and the rest with success.
func faultThen(n, status int, retryAfter string) func(*faultEnv, int, http.ResponseWriter, *http.Request) {
	return func(_ *faultEnv, i int, w http.ResponseWriter, r *http.Request) {
		if i <= n {
			faultStatus(w, status, retryAfter)
			return
		}
		faultOK(w, r)
	}
}

// faultAlways answers every request with status (and Retry-After).
func faultAlways(status int, retryAfter string) func(*faultEnv, int, http.ResponseWriter, *http.Request) {
	return faultThen(1<<30, status, retryAfter)
}

// faultThenCancel answers with status (and Retry-After) and cancels the
// call's context 20 ms later, while the SDK waits to retry.
func faultThenCancel(status int, retryAfter string) func(*faultEnv, int, http.ResponseWriter, *http.Request) {
	return func(e *faultEnv, _ int, w http.ResponseWriter, _ *http.Request) {
		faultStatus(w, status, retryAfter)
		time.AfterFunc(20*time.Millisecond, e.cancel)
	}
}

// faultAssertBodiesResent checks that every attempt carried the call's
// whole JSON body, byte for byte the same.
func faultAssertBodiesResent(call faultCall) func(*testing.T, faultResult) {
	return func(t *testing.T, res faultResult) {
		for i, r := range res.reqs {
			assert.JSONEq(t, call.body, string(r.body), "request %d", i+1)
			assert.Equal(t, string(res.reqs[0].body), string(r.body), "request %d differs from the first", i+1)
		}
	}
}

// faultTransportErrs are the errors a peer that resets or drops a
// connection can surface as.
var faultTransportErrs = []error{syscall.ECONNRESET, syscall.EPIPE, io.EOF, io.ErrUnexpectedEOF}

// faultAssertConnDropped checks that the error comes from the connection
// being reset or closed, and is a transport error rather than a context
// error.
func faultAssertConnDropped(t *testing.T, res faultResult) {
	matched := false
	for _, target := range faultTransportErrs {
		matched = matched || errors.Is(res.err, target)
	}
	assert.True(t, matched, "want a reset/EOF transport error, got %v", res.err)
	assert.NotErrorIs(t, res.err, context.Canceled)
	assert.NotErrorIs(t, res.err, context.DeadlineExceeded)
}

// TestFaultMatrix sends password-recovery calls (all POSTs) into servers
// that fail in one way each, and checks how often the SDK tried, what the
// server saw, and the error the caller gets.
func TestFaultMatrix(t *testing.T) {
	noRetry := meshydb.RetryPolicy{MaxAttempts: 1}
	hourDate := func() string { return time.Now().Add(time.Hour).UTC().Format(http.TimeFormat) }
	htmlPage := `<html><head><title>502 Bad Gateway</title></head>` +
		`<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>`

	rows := []faultRow{
		// 1. Nothing listens: the POST is retried, since it never left.
		{
			name:         "connection refused/ForgotPassword retried",
			call:         faultForgot,
			wantAttempts: 3,
			wantIs:       []error{syscall.ECONNREFUSED},
			wantNotIs:    faultSDKSentinels,
			check: func(t *testing.T, res faultResult) {
				assert.Contains(t, res.err.Error(), "(after 3 attempts)")
				assert.Contains(t, res.err.Error(), "connection refused")
			},
		},
		{
			name:         "connection refused/CheckHash retried",
			call:         faultCheck,
			wantAttempts: 3,
			wantIs:       []error{syscall.ECONNREFUSED},
			wantNotIs:    faultSDKSentinels,
			check: func(t *testing.T, res faultResult) {
				assert.Contains(t, res.err.Error(), "(after 3 attempts)")
				assert.NotContains(t, res.err.Error(), faultHashValue)
			},
		},
		{
			name:         "connection refused/ResetPassword retried",
			call:         faultReset,
			wantAttempts: 3,
			wantIs:       []error{syscall.ECONNREFUSED},
			wantNotIs:    faultSDKSentinels,
			check: func(t *testing.T, res faultResult) {
				assert.Contains(t, res.err.Error(), "(after 3 attempts)")
				assert.NotContains(t, res.err.Error(), faultPassword)
			},
		},
		{
			name:         "connection refused/retries off",
			call:         faultForgot,
			policy:       &noRetry,
			wantAttempts: 1,
			wantIs:       []error{syscall.ECONNREFUSED},
			wantNotIs:    faultSDKSentinels,
		},

		// 2. Reset before the server read the request: it may have
		// been sent, so a POST is not repeated. The server waits for the
		// request's first byte, so that the client's connect has surely
		// finished; see the next row for why.
		{
			name: "reset before the request is read/POST not retried",
			tcp: func(e *faultEnv, c *net.TCPConn) {
				var first [1]byte
				_, err := io.ReadFull(c, first[:])
				assert.NoError(e.t, err, "server waiting for the request to start")
				faultResetConn(e, c)
			},
			call:         faultForgot,
			wantConns:    1,
			wantRequests: 0,
			wantAttempts: 1,
			wantNotIs:    faultSDKSentinels,
			check: func(t *testing.T, res faultResult) {
				faultAssertConnDropped(t, res)
				assert.Empty(t, res.retries)
			},
		},
		// Reset the moment the connection is accepted. The kernel
		// completes the handshake before accept, so the RST can reach the
		// client while its non-blocking connect is still being polled:
		// connect then reports ECONNRESET as a dial error, the request was
		// never written, and retrying it is safe and allowed. Which way
		// it goes is a race, so this row asserts what holds either way:
		// one connection per attempt, no request read, and a retry only
		// after a dial failure.
		{
			name:      "reset on accept/retried only after a dial failure",
			tcp:       faultResetConn,
			call:      faultForgot,
			racy:      true,
			wantNotIs: faultSDKSentinels,
			check: func(t *testing.T, res faultResult) {
				faultAssertConnDropped(t, res)
				assert.Equal(t, res.attempts, res.conns, "one connection per attempt")
				assert.Len(t, res.retries, res.attempts-1)
				for _, reason := range res.retries {
					assert.True(t, strings.HasPrefix(reason, "dial "), "retried after %q", reason)
				}
			},
		},

		// 3. Reset after the whole request arrived: it may have been
		// acted on, so a POST is not repeated.
		{
			name: "reset after the request is read/ForgotPassword not retried",
			tcp: func(e *faultEnv, c *net.TCPConn) {
				faultReadRequest(e, c)
				faultResetConn(e, c)
			},
			call:         faultForgot,
			wantConns:    1,
			wantRequests: 1,
			wantAttempts: 1,
			wantNotIs:    faultSDKSentinels,
			check:        faultAssertConnDropped,
		},
		{
			name: "reset after the request is read/ResetPassword not retried",
			tcp: func(e *faultEnv, c *net.TCPConn) {
				faultReadRequest(e, c)
				faultResetConn(e, c)
			},
			call:         faultReset,
			wantConns:    1,
			wantRequests: 1,
			wantAttempts: 1,
			wantNotIs:    faultSDKSentinels,
			check: func(t *testing.T, res faultResult) {
				faultAssertConnDropped(t, res)
				assert.NotContains(t, res.err.Error(), faultPassword)
			},
		},
		{
			name: "clean close after the request is read/POST not retried",
			tcp: func(e *faultEnv, c *net.TCPConn) {
				faultReadRequest(e, c)
			},
			call:         faultForgot,
			wantConns:    1,
			wantRequests: 1,
			wantAttempts: 1,
			wantNotIs:    faultSDKSentinels,
			check:        faultAssertConnDropped,
		},

		// 4. The server never answers: the context deadline ends the call.
		{
			name: "server hangs past the deadline",
			http: func(e *faultEnv, _ int, _ http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-e.release:
				}
			},
			timeout:      50 * time.Millisecond,
			wantRequests: 1,
			wantAttempts: 1,
			wantIs:       []error{context.DeadlineExceeded},
			wantNotIs:    faultSDKSentinels,
		},

		// 5. A success body cut short is a decoding error, not retried,
		// that does not quote the body.
		{
			name: "truncated JSON success body",
			http: func(_ *faultEnv, _ int, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"username":"bob","expi`)
			},
			wantRequests: 1,
			wantAttempts: 1,
			wantNotIs:    faultSDKSentinels,
			check: func(t *testing.T, res faultResult) {
				assert.Contains(t, res.err.Error(), "decoding response")
				assert.NotContains(t, res.err.Error(), `"username"`)
				assert.NotContains(t, res.err.Error(), "expi")
			},
		},

		// 6. A success body over the cap fails without being decoded.
		{
			name: "success body larger than WithMaxResponseBytes",
			http: func(_ *faultEnv, _ int, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"username":"bob","expires":"2030-01-02T03:04:05Z","hash":"`+
					strings.Repeat("a", 64<<10)+`"}`)
			},
			opts:         []meshydb.Option{meshydb.WithMaxResponseBytes(1024)},
			wantRequests: 1,
			wantAttempts: 1,
			wantIs:       []error{meshydb.ErrResponseTooLarge},
			wantNotIs:    faultExcept(meshydb.ErrResponseTooLarge),
			check: func(t *testing.T, res faultResult) {
				assert.Contains(t, res.err.Error(), "1024")
				assert.NotContains(t, res.err.Error(), "aaaa")
			},
		},

		// 7. A proxy's HTML 502 for a POST: not retried, message from
		// the page title.
		{
			name: "HTML 502 from a proxy/POST not retried",
			http: func(_ *faultEnv, _ int, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusBadGateway)
				_, _ = io.WriteString(w, htmlPage)
			},
			wantRequests: 1,
			wantAttempts: 1,
			wantStatus:   http.StatusBadGateway,
			wantIs:       []error{meshydb.ErrServer},
			wantNotIs:    faultExcept(meshydb.ErrServer),
			check: func(t *testing.T, res faultResult) {
				var apiErr *meshydb.APIError
				require.ErrorAs(t, res.err, &apiErr)
				assert.Equal(t, "502 Bad Gateway", apiErr.Message)
				assert.Equal(t, htmlPage, string(apiErr.Body))
			},
		},
		{
			name:         "JSON 504/POST not retried",
			http:         faultAlways(http.StatusGatewayTimeout, ""),
			wantRequests: 1,
			wantAttempts: 1,
			wantStatus:   http.StatusGatewayTimeout,
			wantIs:       []error{meshydb.ErrServer},
			wantNotIs:    faultExcept(meshydb.ErrServer),
		},
		{
			name:         "500/not retried",
			http:         faultAlways(http.StatusInternalServerError, ""),
			wantRequests: 1,
			wantAttempts: 1,
			wantStatus:   http.StatusInternalServerError,
			wantIs:       []error{meshydb.ErrServer},
			wantNotIs:    faultExcept(meshydb.ErrServer),
		},

		// 8. 503 then success: the POST is retried with its whole body.
		{
			name:         "503 then success/ForgotPassword resends the body",
			http:         faultThen(1, http.StatusServiceUnavailable, ""),
			call:         faultForgot,
			wantRequests: 2,
			wantOK:       true,
			check:        faultAssertBodiesResent(faultForgot),
		},
		{
			name:         "503 then success/CheckHash resends the body",
			http:         faultThen(1, http.StatusServiceUnavailable, ""),
			call:         faultCheck,
			wantRequests: 2,
			wantOK:       true,
			check:        faultAssertBodiesResent(faultCheck),
		},
		{
			name:         "503 twice then success/ResetPassword resends the body",
			http:         faultThen(2, http.StatusServiceUnavailable, ""),
			call:         faultReset,
			wantRequests: 3,
			wantOK:       true,
			check:        faultAssertBodiesResent(faultReset),
		},
		{
			name:         "503 forever",
			http:         faultAlways(http.StatusServiceUnavailable, ""),
			wantRequests: 3,
			wantAttempts: 3,
			wantStatus:   http.StatusServiceUnavailable,
			wantIs:       []error{meshydb.ErrServer},
			wantNotIs:    faultExcept(meshydb.ErrServer),
			check: func(t *testing.T, res faultResult) {
				assert.Contains(t, res.err.Error(), "(after 3 attempts)")
				faultAssertBodiesResent(faultForgot)(t, res)
			},
		},
		{
			name:         "503/retries off with MaxAttempts 1",
			http:         faultAlways(http.StatusServiceUnavailable, ""),
			policy:       &noRetry,
			wantRequests: 1,
			wantAttempts: 1,
			wantStatus:   http.StatusServiceUnavailable,
			wantIs:       []error{meshydb.ErrServer},
			wantNotIs:    faultExcept(meshydb.ErrServer),
		},
		{
			name:         "503/retries off with the zero RetryPolicy",
			http:         faultAlways(http.StatusServiceUnavailable, ""),
			policy:       &meshydb.RetryPolicy{},
			wantRequests: 1,
			wantAttempts: 1,
			wantStatus:   http.StatusServiceUnavailable,
			wantIs:       []error{meshydb.ErrServer},
			wantNotIs:    faultExcept(meshydb.ErrServer),
		},

		// 9. Retry-After in seconds is honoured. The only row that waits.
		{
			name:         "429 Retry-After 1 then success waits a second",
			http:         faultThen(1, http.StatusTooManyRequests, "1"),
			wantRequests: 2,
			wantOK:       true,
			maxElapsed:   2 * time.Second,
			check: func(t *testing.T, res faultResult) {
				require.Len(t, res.reqs, 2)
				gap := res.reqs[1].at.Sub(res.reqs[0].at)
				assert.GreaterOrEqual(t, gap, 900*time.Millisecond, "gap between attempts")
				faultAssertBodiesResent(faultForgot)(t, res)
			},
		},

		// 10. Retry-After beyond MaxRetryAfter: fail at once.
		{
			name: "429 Retry-After HTTP date beyond MaxRetryAfter fails at once",
			http: func(_ *faultEnv, _ int, w http.ResponseWriter, _ *http.Request) {
				faultStatus(w, http.StatusTooManyRequests, hourDate())
			},
			wantRequests: 1,
			wantAttempts: 1,
			wantStatus:   http.StatusTooManyRequests,
			wantIs:       []error{meshydb.ErrRateLimited},
			wantNotIs:    faultExcept(meshydb.ErrRateLimited),
			check: func(t *testing.T, res faultResult) {
				var apiErr *meshydb.APIError
				require.ErrorAs(t, res.err, &apiErr)
				assert.InDelta(t, float64(time.Hour), float64(apiErr.RetryAfter), float64(5*time.Second))
			},
		},
		{
			name:         "503 Retry-After seconds beyond MaxRetryAfter fails at once",
			http:         faultAlways(http.StatusServiceUnavailable, "3600"),
			wantRequests: 1,
			wantAttempts: 1,
			wantStatus:   http.StatusServiceUnavailable,
			wantIs:       []error{meshydb.ErrServer},
			wantNotIs:    faultExcept(meshydb.ErrServer),
			check: func(t *testing.T, res faultResult) {
				var apiErr *meshydb.APIError
				require.ErrorAs(t, res.err, &apiErr)
				assert.Equal(t, time.Hour, apiErr.RetryAfter)
			},
		},

		// 11. Rate limited on every attempt.
		{
			name:         "429 forever without Retry-After",
			http:         faultAlways(http.StatusTooManyRequests, ""),
			wantRequests: 3,
			wantAttempts: 3,
			wantStatus:   http.StatusTooManyRequests,
			wantIs:       []error{meshydb.ErrRateLimited},
			wantNotIs:    faultExcept(meshydb.ErrRateLimited),
			check: func(t *testing.T, res faultResult) {
				var apiErr *meshydb.APIError
				require.ErrorAs(t, res.err, &apiErr)
				assert.Equal(t, 3, apiErr.Attempts)
				assert.Zero(t, apiErr.RetryAfter)
				assert.Contains(t, res.err.Error(), "(after 3 attempts)")
			},
		},

		// 12. The context ends while the SDK waits to retry: the context
		// error, with the last failure still reachable.
		{
			name:         "cancelled during the backoff wait",
			http:         faultThenCancel(http.StatusServiceUnavailable, ""),
			policy:       &faultHugeBackoff,
			wantRequests: 1,
			wantAttempts: 1,
			wantStatus:   http.StatusServiceUnavailable,
			wantIs:       []error{context.Canceled, meshydb.ErrServer},
			wantNotIs:    append(faultExcept(meshydb.ErrServer), context.DeadlineExceeded),
			check: func(t *testing.T, res faultResult) {
				assert.Contains(t, res.err.Error(), "waiting to retry")
			},
		},
		{
			name:         "cancelled during the Retry-After wait",
			http:         faultThenCancel(http.StatusTooManyRequests, "1"),
			wantRequests: 1,
			wantAttempts: 1,
			wantStatus:   http.StatusTooManyRequests,
			wantIs:       []error{context.Canceled, meshydb.ErrRateLimited},
			wantNotIs:    append(faultExcept(meshydb.ErrRateLimited), context.DeadlineExceeded),
			maxElapsed:   500 * time.Millisecond,
			check: func(t *testing.T, res faultResult) {
				var apiErr *meshydb.APIError
				require.ErrorAs(t, res.err, &apiErr)
				assert.Equal(t, time.Second, apiErr.RetryAfter)
			},
		},
		{
			// A deadline that would pass during the wait ends the call at
			// once with the failure, rather than sleeping until it does.
			name:         "deadline shorter than the backoff fails at once",
			http:         faultAlways(http.StatusServiceUnavailable, ""),
			policy:       &faultHugeBackoff,
			timeout:      time.Second,
			wantRequests: 1,
			wantAttempts: 1,
			wantStatus:   http.StatusServiceUnavailable,
			wantIs:       []error{meshydb.ErrServer},
			wantNotIs:    faultExcept(meshydb.ErrServer),
			maxElapsed:   500 * time.Millisecond,
		},
	}

	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) { runFaultRow(t, row) })
	}
}

// faultSDKLog is an io.Writer for a slog.JSONHandler: it passes the SDK's
// log lines to t.Log, so a failing row shows every attempt, and records
// the reason of each retry.
type faultSDKLog struct {
	t       *testing.T
	mu      sync.Mutex
	retries []string
}

func (l *faultSDKLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSuffix(string(p), "\n"))
	var rec struct {
		Msg    string `json:"msg"`
		Reason string `json:"reason"`
	}
	if assert.NoError(l.t, json.Unmarshal(p, &rec), "SDK log line %q", p) && rec.Msg == "meshydb retrying" {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.retries = append(l.retries, rec.Reason)
	}
	return len(p), nil
}

func (l *faultSDKLog) retryReasons() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.retries...)
}

func runFaultRow(t *testing.T, row faultRow) {
	call := row.call
	if call.do == nil {
		call = faultForgot
	}
	policy := faultPolicy
	if row.policy != nil {
		policy = *row.policy
	}
	maxElapsed := row.maxElapsed
	if maxElapsed == 0 {
		maxElapsed = time.Second
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if row.timeout > 0 {
		var cancelTimeout context.CancelFunc
		ctx, cancelTimeout = context.WithTimeout(ctx, row.timeout)
		defer cancelTimeout()
	}

	log := &faultLog{}
	release := make(chan struct{})
	env := &faultEnv{t: t, log: log, cancel: cancel, release: release}
	var base string
	switch {
	case row.http != nil:
		base = faultServeHTTP(t, env, row.http)
	case row.tcp != nil:
		base = faultServeTCP(t, env, row.tcp)
	default:
		base = faultClosedPort(t)
	}
	t.Cleanup(func() { close(release) }) // runs before the server closes

	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	sdkLog := &faultSDKLog{t: t}
	opts := append([]meshydb.Option{
		meshydb.WithAPIURL(base),
		meshydb.WithHTTPClient(&http.Client{Transport: tr}),
		meshydb.WithRetry(policy),
		meshydb.WithLogger(slog.New(slog.NewJSONHandler(sdkLog, &slog.HandlerOptions{Level: slog.LevelDebug}))),
	}, row.opts...)
	db, err := meshydb.New(faultClientKey, "", "pk", opts...)
	require.NoError(t, err)

	// The call runs under a watchdog, so an SDK that sleeps through a
	// cancelled context fails the row instead of hanging the test binary.
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- call.do(ctx, db) }()
	select {
	case err = <-done:
	case <-time.After(maxElapsed + 2*time.Second):
		t.Fatalf("the call did not return within %v", maxElapsed+2*time.Second)
	}
	res := faultResult{err: err, elapsed: time.Since(start), retries: sdkLog.retryReasons()}
	res.conns, res.reqs = log.snapshot()

	assert.Len(t, res.reqs, row.wantRequests, "requests the server read")
	if !row.racy && row.http == nil {
		assert.Equal(t, row.wantConns, res.conns, "connections the server accepted")
	}
	for i, r := range res.reqs {
		assert.Equal(t, http.MethodPost, r.method, "request %d", i+1)
		assert.Equal(t, "/"+faultClientKey+"/"+call.route, r.path, "request %d", i+1)
	}
	assert.Less(t, res.elapsed, maxElapsed, "the call took too long")
	// Every call here is a POST: it may be repeated only after a failure
	// to connect or an answer saying it was not processed.
	for _, reason := range res.retries {
		assert.Regexp(t, `^(dial |429 |503 )`, reason, "a POST was retried after this")
	}

	if row.wantOK {
		require.NoError(t, err)
	} else {
		require.Error(t, err)
		t.Logf("error: %v", err)
		res.attempts = faultAttempts(t, err)
		for _, target := range row.wantIs {
			assert.ErrorIs(t, err, target)
		}
		for _, target := range row.wantNotIs {
			assert.NotErrorIs(t, err, target)
		}
		var apiErr *meshydb.APIError
		if row.wantStatus != 0 {
			if assert.ErrorAs(t, err, &apiErr) {
				assert.Equal(t, row.wantStatus, apiErr.StatusCode)
				assert.Equal(t, http.MethodPost, apiErr.Method)
				assert.Equal(t, base+"/"+faultClientKey+"/"+call.route, apiErr.URL)
			}
		} else {
			assert.False(t, errors.As(err, &apiErr), "want no *APIError, got %v", apiErr)
		}
		if !row.racy {
			assert.Equal(t, row.wantAttempts, res.attempts, "attempts the error reports")
			if row.wantAttempts < 2 {
				assert.NotContains(t, err.Error(), "attempts")
			}
		}
		assert.True(t, strings.HasPrefix(err.Error(), "meshydb: "), "error text %q lacks the meshydb: prefix", err)
	}
	if row.check != nil {
		row.check(t, res)
	}
}

func TestFaultOptions_RejectInvalid(t *testing.T) {
	tests := []struct {
		name   string
		opt    meshydb.Option
		naming string
	}{
		{"WithRetry negative BaseBackoff", meshydb.WithRetry(meshydb.RetryPolicy{MaxAttempts: 3, BaseBackoff: -time.Millisecond}), "WithRetry"},
		{"WithRetry negative MaxBackoff", meshydb.WithRetry(meshydb.RetryPolicy{MaxAttempts: 3, MaxBackoff: -time.Second}), "WithRetry"},
		{"WithRetry negative MaxRetryAfter", meshydb.WithRetry(meshydb.RetryPolicy{MaxAttempts: 3, MaxRetryAfter: -1}), "WithRetry"},
		{"WithMaxResponseBytes zero", meshydb.WithMaxResponseBytes(0), "WithMaxResponseBytes"},
		{"WithMaxResponseBytes negative", meshydb.WithMaxResponseBytes(-1), "WithMaxResponseBytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := meshydb.New(faultClientKey, "", "pk", tt.opt)
			require.Error(t, err)
			assert.Nil(t, db)
			assert.ErrorIs(t, err, meshydb.ErrInvalidArgument)
			assert.Contains(t, err.Error(), tt.naming)
		})
	}
}
