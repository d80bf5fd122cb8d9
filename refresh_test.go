package meshydb_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/meshydb/meshydb-go"
)

// Tests of the signed-in session's token handling: refresh before expiry,
// single-flight refresh under concurrency, refresh-token rotation, the
// refresh and retry after a 401, contexts during a refresh, refresh
// failures, Logout, and redirects with a bearer token.

const (
	refrClientKey = "refr-key"
	refrTenant    = "refr-tenant"
	refrPublicKey = "refr-pub"

	refrTokenPath    = "/" + refrClientKey + "/connect/token"
	refrUserInfoPath = "/" + refrClientKey + "/connect/userinfo"
	refrRevokePath   = "/" + refrClientKey + "/connect/revocation"

	refrClaims = `{"sub":"u-1","id":"bob","role":"admin"}`

	// refrBound bounds every wait in these tests, so a broken SDK fails a
	// test instead of hanging the run.
	refrBound = 5 * time.Second
)

// refrHandler answers one route; n counts that route's requests from 1.
type refrHandler func(w http.ResponseWriter, r *http.Request, n int64)

// refrHandlers are the routes of a refrServer; a nil one gets a default:
// the token route answers at-n/rt-n valid for an hour, userinfo answers
// refrClaims, revocation answers 200.
type refrHandlers struct {
	token, userinfo, revoke refrHandler
}

// refrServer is a loopback auth host that counts and logs every request.
type refrServer struct {
	*httptest.Server
	tokenCalls, userinfoCalls, revokeCalls atomic.Int64

	mu      sync.Mutex
	events  []string      // "token rt-0", "userinfo Bearer at-0", "revoke rt-0", in arrival order
	forms   []url.Values  // the token requests' forms
	headers []http.Header // the token requests' headers
}

func refrNewServer(t *testing.T, h refrHandlers) *refrServer {
	t.Helper()
	if h.token == nil {
		h.token = func(w http.ResponseWriter, _ *http.Request, n int64) {
			refrWriteToken(w, fmt.Sprintf("at-%d", n), fmt.Sprintf("rt-%d", n), 3600)
		}
	}
	if h.userinfo == nil {
		h.userinfo = func(w http.ResponseWriter, _ *http.Request, _ int64) {
			refrWriteJSON(w, http.StatusOK, refrClaims)
		}
	}
	if h.revoke == nil {
		h.revoke = func(w http.ResponseWriter, _ *http.Request, _ int64) { w.WriteHeader(http.StatusOK) }
	}
	s := &refrServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case refrTokenPath:
			assert.Equal(t, http.MethodPost, r.Method)
			assert.NoError(t, r.ParseForm())
			s.mu.Lock()
			n := s.tokenCalls.Add(1)
			s.events = append(s.events, "token "+r.PostForm.Get("refresh_token"))
			s.forms = append(s.forms, r.PostForm)
			s.headers = append(s.headers, r.Header.Clone())
			s.mu.Unlock()
			h.token(w, r, n)
		case refrUserInfoPath:
			assert.Equal(t, http.MethodGet, r.Method)
			s.mu.Lock()
			n := s.userinfoCalls.Add(1)
			s.events = append(s.events, "userinfo "+r.Header.Get("Authorization"))
			s.mu.Unlock()
			h.userinfo(w, r, n)
		case refrRevokePath:
			assert.Equal(t, http.MethodPost, r.Method)
			assert.NoError(t, r.ParseForm())
			s.mu.Lock()
			n := s.revokeCalls.Add(1)
			s.events = append(s.events, "revoke "+r.PostForm.Get("token"))
			s.forms = append(s.forms, r.PostForm)
			s.mu.Unlock()
			h.revoke(w, r, n)
		default:
			t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// log returns the requests seen so far, in arrival order.
func (s *refrServer) log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events)
}

// form returns the form of the i-th token or revocation request.
func (s *refrServer) form(i int) url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i >= len(s.forms) {
		return nil
	}
	return s.forms[i]
}

func (s *refrServer) tokenHeader(i int) http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i >= len(s.headers) {
		return nil
	}
	return s.headers[i]
}

func refrWriteJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// refrWriteToken answers a grant; expiresIn 0 leaves expires_in out.
func refrWriteToken(w http.ResponseWriter, access, refresh string, expiresIn int) {
	body := fmt.Sprintf(`{"access_token":%q,"token_type":"Bearer"`, access)
	if refresh != "" {
		body += fmt.Sprintf(`,"refresh_token":%q`, refresh)
	}
	if expiresIn != 0 {
		body += fmt.Sprintf(`,"expires_in":%d`, expiresIn)
	}
	refrWriteJSON(w, http.StatusOK, body+"}")
}

func refrNewDB(t *testing.T, s *refrServer, opts ...meshydb.Option) *meshydb.MeshyDB {
	t.Helper()
	all := append([]meshydb.Option{
		meshydb.WithHTTPClient(s.Client()),
		meshydb.WithAPIURL(s.URL),
		meshydb.WithAuthURL(s.URL),
	}, opts...)
	db, err := meshydb.New(refrClientKey, refrTenant, refrPublicKey, all...)
	require.NoError(t, err)
	return db
}

// refrResume starts a session from a saved token without a request. A zero
// expiresIn leaves Expiry zero.
func refrResume(t *testing.T, db *meshydb.MeshyDB, access, refresh string, expiresIn time.Duration) *meshydb.Client {
	t.Helper()
	tok := &oauth2.Token{AccessToken: access, RefreshToken: refresh, TokenType: "Bearer"}
	if expiresIn != 0 {
		tok.Expiry = time.Now().Add(expiresIn)
	}
	c, err := db.Resume(tok)
	require.NoError(t, err)
	return c
}

// refrWait waits for ch to be closed or to deliver, failing the test after
// refrBound.
func refrWait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(refrBound):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}

// refrCtx is a context that reports the first time someone asks for its
// Done channel: a caller waiting on a refresh in flight does so before it
// blocks, and a caller sending a request does so before the request leaves.
type refrCtx struct {
	context.Context
	once    sync.Once
	arrived func()
}

func (c *refrCtx) Done() <-chan struct{} {
	c.once.Do(c.arrived)
	return c.Context.Done()
}

// refrGate holds a handler until n callers have arrived at a wait on their
// context (see refrCtx), so that they truly overlap, or until a bound
// passes.
type refrGate struct {
	n     int64
	count atomic.Int64
	all   chan struct{}
}

func refrNewGate(n int) *refrGate {
	return &refrGate{n: int64(n), all: make(chan struct{})}
}

func (g *refrGate) ctx(parent context.Context) context.Context {
	return &refrCtx{Context: parent, arrived: func() {
		if g.count.Add(1) == g.n {
			close(g.all)
		}
	}}
}

func (g *refrGate) wait(r *http.Request) {
	timer := time.NewTimer(2 * time.Second)
	defer timer.Stop()
	select {
	case <-g.all:
	case <-timer.C:
	case <-r.Context().Done():
	}
}

// 1. Refresh before expiry.

func TestRefreshBeforeExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		expiresIn time.Duration // 0: no expiry
		refreshes int64
	}{
		{"expired a minute ago", -time.Minute, 1},
		{"expires in 10s, inside the 30s early window", 10 * time.Second, 1},
		{"expires in 29s", 29 * time.Second, 1},
		{"expires in 45s", 45 * time.Second, 0},
		{"expires in 1h", time.Hour, 0},
		{"no expiry", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := refrNewServer(t, refrHandlers{})
			c := refrResume(t, refrNewDB(t, srv), "at-0", "rt-0", tt.expiresIn)

			tok, err := c.Token(t.Context())
			require.NoError(t, err)
			assert.Equal(t, tt.refreshes, srv.tokenCalls.Load(), "refresh requests")
			if tt.refreshes == 0 {
				assert.Equal(t, "at-0", tok.AccessToken)
				assert.Equal(t, "rt-0", c.RefreshToken())
				return
			}
			assert.Equal(t, "at-1", tok.AccessToken)
			assert.WithinDuration(t, time.Now().Add(time.Hour), tok.Expiry, time.Minute)
			assert.Equal(t, "rt-1", c.RefreshToken())

			// The whole refresh request, as x/oauth2 sent it over the SDK's path.
			assert.Equal(t, url.Values{
				"grant_type":    {"refresh_token"},
				"refresh_token": {"rt-0"},
				"client_id":     {refrPublicKey},
			}, srv.form(0))
			h := srv.tokenHeader(0)
			assert.Equal(t, "application/x-www-form-urlencoded", h.Get("Content-Type"))
			assert.Equal(t, refrTenant, h.Get("Tenant"))
			assert.True(t, strings.HasPrefix(h.Get("User-Agent"), "meshydb-go/"), h.Get("User-Agent"))
			assert.Empty(t, h.Get("Authorization"), "a refresh sends no bearer")

			// The refreshed token is good for an hour: no second refresh.
			tok, err = c.Token(t.Context())
			require.NoError(t, err)
			assert.Equal(t, "at-1", tok.AccessToken)
			assert.Equal(t, int64(1), srv.tokenCalls.Load())
		})
	}
}

func TestRefreshTokenWithoutExpiryIsNeverRefreshed(t *testing.T) {
	t.Parallel()
	// The server may leave expires_in out: such a token is used until a
	// server refuses it.
	srv := refrNewServer(t, refrHandlers{token: func(w http.ResponseWriter, _ *http.Request, n int64) {
		refrWriteToken(w, fmt.Sprintf("at-%d", n), fmt.Sprintf("rt-%d", n), 0)
	}})
	c := refrResume(t, refrNewDB(t, srv), "", "rt-0", 0) // only a refresh token
	for range 5 {
		tok, err := c.Token(t.Context())
		require.NoError(t, err)
		assert.Equal(t, "at-1", tok.AccessToken)
		assert.True(t, tok.Expiry.IsZero())
	}
	assert.Equal(t, int64(1), srv.tokenCalls.Load(), "only the missing access token is fetched")
}

// 2. Single flight.

func TestRefreshConcurrentTokenCallsShareOneRefresh(t *testing.T) {
	t.Parallel()
	for _, n := range []int{100, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			gate := refrNewGate(n)
			srv := refrNewServer(t, refrHandlers{token: func(w http.ResponseWriter, r *http.Request, k int64) {
				gate.wait(r) // until every goroutine waits on this refresh
				time.Sleep(20 * time.Millisecond)
				refrWriteToken(w, fmt.Sprintf("at-%d", k), fmt.Sprintf("rt-%d", k), 3600)
			}})
			c := refrResume(t, refrNewDB(t, srv), "at-0", "rt-0", -time.Minute)

			start := make(chan struct{})
			got := make([]string, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					<-start
					tok, err := c.Token(gate.ctx(t.Context()))
					errs[i] = err
					if err == nil {
						got[i] = tok.AccessToken
					}
				})
			}
			close(start)
			wg.Wait()

			assert.Equal(t, int64(1), srv.tokenCalls.Load(), "refresh requests")
			for i := range n {
				if !assert.NoError(t, errs[i], "goroutine %d", i) || !assert.Equal(t, "at-1", got[i], "goroutine %d", i) {
					break
				}
			}
			assert.Equal(t, "rt-1", c.RefreshToken())
		})
	}
}

func TestRefreshConcurrentUserInfoCallsShareOneRefresh(t *testing.T) {
	t.Parallel()
	const n = 100
	gate := refrNewGate(n)
	srv := refrNewServer(t, refrHandlers{
		token: func(w http.ResponseWriter, r *http.Request, n int64) {
			gate.wait(r)
			time.Sleep(20 * time.Millisecond)
			refrWriteToken(w, fmt.Sprintf("at-%d", n), fmt.Sprintf("rt-%d", n), 3600)
		},
		userinfo: func(w http.ResponseWriter, r *http.Request, _ int64) {
			if r.Header.Get("Authorization") != "Bearer at-1" {
				refrWriteJSON(w, http.StatusUnauthorized, `{"error":"invalid_token"}`)
				return
			}
			refrWriteJSON(w, http.StatusOK, refrClaims)
		},
	})
	c := refrResume(t, refrNewDB(t, srv), "at-0", "rt-0", -time.Minute)

	start := make(chan struct{})
	errs := make([]error, n)
	subjects := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			info, err := c.UserInfo(gate.ctx(t.Context()))
			errs[i] = err
			if err == nil {
				subjects[i] = info.Subject
			}
		})
	}
	close(start)
	wg.Wait()

	assert.Equal(t, int64(1), srv.tokenCalls.Load(), "refresh requests")
	assert.Equal(t, int64(n), srv.userinfoCalls.Load(), "userinfo requests")
	for i := range n {
		if !assert.NoError(t, errs[i], "goroutine %d", i) || !assert.Equal(t, "u-1", subjects[i]) {
			break
		}
	}
	log := srv.log()
	require.NotEmpty(t, log)
	assert.Equal(t, "token rt-0", log[0], "the refresh comes before any userinfo request")
	for _, e := range log[1:] {
		assert.Equal(t, "userinfo Bearer at-1", e, "every userinfo request carries the new bearer")
	}
}

// 3. Rotation.

func TestRefreshRotatesRefreshToken(t *testing.T) {
	t.Parallel()
	// Each answer expires in 10s, inside the early window, so every Token
	// call refreshes; each rotates the refresh token.
	srv := refrNewServer(t, refrHandlers{token: func(w http.ResponseWriter, _ *http.Request, n int64) {
		refrWriteToken(w, fmt.Sprintf("at-%d", n), fmt.Sprintf("rt-%d", n), 10)
	}})
	var (
		mu   sync.Mutex
		seen []string
	)
	db := refrNewDB(t, srv, meshydb.WithTokenObserver(func(_ *meshydb.Client, tok *oauth2.Token) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, tok.AccessToken+"/"+tok.RefreshToken)
	}))
	c := refrResume(t, db, "at-0", "rt-0", -time.Minute)

	for i := 1; i <= 3; i++ {
		tok, err := c.Token(t.Context())
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf("at-%d", i), tok.AccessToken)
		assert.Equal(t, fmt.Sprintf("rt-%d", i), tok.RefreshToken)
		assert.Equal(t, fmt.Sprintf("rt-%d", i), c.RefreshToken(), "RefreshToken returns the newest")
	}

	assert.Equal(t, []string{"token rt-0", "token rt-1", "token rt-2"}, srv.log(),
		"each refresh sends the refresh token the previous one returned")
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"at-1/rt-1", "at-2/rt-2", "at-3/rt-3"}, seen, "the observer sees every new token in order")
}

func TestRefreshKeepsRefreshTokenWhenNotRotated(t *testing.T) {
	t.Parallel()
	srv := refrNewServer(t, refrHandlers{token: func(w http.ResponseWriter, _ *http.Request, n int64) {
		refrWriteToken(w, fmt.Sprintf("at-%d", n), "", 10)
	}})
	var observed atomic.Value
	db := refrNewDB(t, srv, meshydb.WithTokenObserver(func(_ *meshydb.Client, tok *oauth2.Token) {
		observed.Store(tok.RefreshToken)
	}))
	c := refrResume(t, db, "at-0", "rt-0", -time.Minute)
	for range 2 {
		_, err := c.Token(t.Context())
		require.NoError(t, err)
	}
	assert.Equal(t, "rt-0", c.RefreshToken())
	assert.Equal(t, "rt-0", observed.Load())
	assert.Equal(t, []string{"token rt-0", "token rt-0"}, srv.log())
}

// 4 and 5. A 401 on a token the Client believed valid.

// refrRejectOld answers 401 to every bearer but want.
func refrRejectOld(want string) refrHandler {
	return func(w http.ResponseWriter, r *http.Request, _ int64) {
		if r.Header.Get("Authorization") != "Bearer "+want {
			refrWriteJSON(w, http.StatusUnauthorized, `{"error":"invalid_token"}`)
			return
		}
		refrWriteJSON(w, http.StatusOK, refrClaims)
	}
}

func TestRefreshAfter401ThenRetryOnce(t *testing.T) {
	t.Parallel()
	srv := refrNewServer(t, refrHandlers{userinfo: refrRejectOld("at-1")})
	c := refrResume(t, refrNewDB(t, srv), "at-0", "rt-0", time.Hour)

	info, err := c.UserInfo(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "u-1", info.Subject)
	assert.Equal(t, []string{
		"userinfo Bearer at-0",
		"token rt-0",
		"userinfo Bearer at-1",
	}, srv.log())
	assert.Equal(t, "rt-1", c.RefreshToken())

	// The new token is now used directly.
	_, err = c.UserInfo(t.Context())
	require.NoError(t, err)
	assert.Equal(t, int64(1), srv.tokenCalls.Load())
	assert.Equal(t, int64(3), srv.userinfoCalls.Load())
}

func TestRefreshAfter401SharedByConcurrentCalls(t *testing.T) {
	t.Parallel()
	const n = 50
	srv := refrNewServer(t, refrHandlers{
		token: func(w http.ResponseWriter, _ *http.Request, n int64) {
			time.Sleep(30 * time.Millisecond)
			refrWriteToken(w, fmt.Sprintf("at-%d", n), fmt.Sprintf("rt-%d", n), 3600)
		},
		userinfo: refrRejectOld("at-1"),
	})
	c := refrResume(t, refrNewDB(t, srv), "at-0", "rt-0", time.Hour)

	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, errs[i] = c.UserInfo(t.Context()) })
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i], "goroutine %d", i)
	}
	assert.Equal(t, int64(1), srv.tokenCalls.Load(), "one refresh for every 401 on the same token")
	var rejected, accepted int
	for _, e := range srv.log() {
		switch e {
		case "userinfo Bearer at-0":
			rejected++
		case "userinfo Bearer at-1":
			accepted++
		}
	}
	assert.Equal(t, n, accepted)
	assert.LessOrEqual(t, rejected, n)
}

func TestRefresh401AfterRefreshIsReturned(t *testing.T) {
	t.Parallel()
	srv := refrNewServer(t, refrHandlers{userinfo: func(w http.ResponseWriter, _ *http.Request, _ int64) {
		refrWriteJSON(w, http.StatusUnauthorized, `{"error":"invalid_token","error_description":"the token is not valid"}`)
	}})
	c := refrResume(t, refrNewDB(t, srv), "at-0", "rt-0", time.Hour)

	_, err := c.UserInfo(t.Context())
	require.Error(t, err)
	assert.ErrorIs(t, err, meshydb.ErrUnauthorized)
	var apiErr *meshydb.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusUnauthorized, apiErr.StatusCode)
	assert.Equal(t, []string{
		"userinfo Bearer at-0",
		"token rt-0",
		"userinfo Bearer at-1",
	}, srv.log(), "one refresh and one retry, no loop")
	assert.Equal(t, int64(2), srv.userinfoCalls.Load())
	assert.Equal(t, int64(1), srv.tokenCalls.Load())
}

func TestRefresh401WithoutRefreshToken(t *testing.T) {
	t.Parallel()
	srv := refrNewServer(t, refrHandlers{userinfo: refrRejectOld("never")})
	c := refrResume(t, refrNewDB(t, srv), "at-0", "", time.Hour)

	_, err := c.UserInfo(t.Context())
	assert.ErrorIs(t, err, meshydb.ErrUnauthorized)
	assert.Equal(t, []string{"userinfo Bearer at-0"}, srv.log())
}

// 6. A refresh honours its context.

func TestRefreshHonoursContext(t *testing.T) {
	t.Parallel()
	var block atomic.Bool
	block.Store(true)
	release := make(chan struct{})
	inFlight := make(chan struct{}, 4) // a blocked refresh reached the server
	srv := refrNewServer(t, refrHandlers{token: func(w http.ResponseWriter, r *http.Request, n int64) {
		if block.Load() {
			select {
			case inFlight <- struct{}{}:
			default:
			}
			select {
			case <-r.Context().Done():
			case <-release:
			case <-time.After(2 * time.Second): // a broken SDK fails, never hangs
			}
			return
		}
		refrWriteToken(w, fmt.Sprintf("at-%d", n), fmt.Sprintf("rt-%d", n), 3600)
	}})
	t.Cleanup(func() { close(release) }) // runs before the server closes
	c := refrResume(t, refrNewDB(t, srv), "at-0", "rt-0", -time.Minute)

	// Cancelled 20ms after the refresh reached the server.
	ctx, cancel := context.WithCancel(t.Context())
	var cancelledAt atomic.Int64
	go func() {
		select {
		case <-inFlight:
		case <-time.After(refrBound):
		}
		time.Sleep(20 * time.Millisecond)
		cancelledAt.Store(time.Now().UnixNano())
		cancel()
	}()
	_, err := c.Token(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(time.Unix(0, cancelledAt.Load())), time.Second,
		"Token returns promptly once ctx is cancelled")
	assert.Equal(t, int64(1), srv.tokenCalls.Load())

	// A deadline, most likely reached in flight.
	ctx, cancelTimeout := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancelTimeout()
	start := time.Now()
	_, err = c.Token(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), time.Second)

	// Already cancelled: nothing is sent.
	sent := srv.tokenCalls.Load()
	ctx, cancel = context.WithCancel(t.Context())
	cancel()
	_, err = c.Token(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	_, err = c.UserInfo(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, sent, srv.tokenCalls.Load(), "no refresh request with a cancelled context")
	assert.Zero(t, srv.userinfoCalls.Load())

	// The failed refreshes did not poison the Client.
	block.Store(false)
	tok, err := c.Token(t.Context())
	require.NoError(t, err)
	n := srv.tokenCalls.Load()
	assert.Equal(t, fmt.Sprintf("at-%d", n), tok.AccessToken)
	assert.Equal(t, fmt.Sprintf("rt-%d", n), c.RefreshToken())
	for _, e := range srv.log() {
		assert.Equal(t, "token rt-0", e, "failed refreshes keep the refresh token")
	}
}

// 7. Waiters and the leader's context.

func TestRefreshWaiterSurvivesLeaderCancellation(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	release := make(chan struct{})
	srv := refrNewServer(t, refrHandlers{token: func(w http.ResponseWriter, r *http.Request, n int64) {
		if n == 1 {
			close(started)
			select {
			case <-r.Context().Done():
			case <-release:
			case <-time.After(2 * time.Second): // a broken SDK fails, never hangs
			}
			return
		}
		refrWriteToken(w, fmt.Sprintf("at-%d", n), fmt.Sprintf("rt-%d", n), 3600)
	}})
	t.Cleanup(func() { close(release) })
	c := refrResume(t, refrNewDB(t, srv), "at-0", "rt-0", -time.Minute)

	// A leads the refresh with a context that will be cancelled.
	ctxA, cancelA := context.WithCancel(t.Context())
	defer cancelA()
	errA := make(chan error, 1)
	go func() {
		_, err := c.Token(ctxA)
		errA <- err
	}()
	refrWait(t, started, "A's refresh to reach the server")

	// B waits on A's refresh with a live context.
	waiting := make(chan struct{})
	ctxB := &refrCtx{Context: t.Context(), arrived: func() { close(waiting) }}
	type result struct {
		tok *oauth2.Token
		err error
	}
	resB := make(chan result, 1)
	go func() {
		tok, err := c.Token(ctxB)
		resB <- result{tok, err}
	}()
	refrWait(t, waiting, "B to wait on the refresh")

	cancelA()
	assert.ErrorIs(t, refrWait(t, errA, "A"), context.Canceled)
	b := refrWait(t, resB, "B")
	require.NoError(t, b.err, "B must not fail with A's context error")
	assert.Equal(t, "at-2", b.tok.AccessToken)
	assert.Equal(t, int64(2), srv.tokenCalls.Load(), "B refreshed once itself")
	assert.Equal(t, "rt-2", c.RefreshToken())
}

func TestRefreshWaiterGivesUpWithItsOwnContext(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	release := make(chan struct{})
	srv := refrNewServer(t, refrHandlers{token: func(w http.ResponseWriter, r *http.Request, n int64) {
		if n == 1 {
			close(started)
			select {
			case <-r.Context().Done():
				return
			case <-release:
			case <-time.After(2 * time.Second): // a broken SDK fails, never hangs
			}
		}
		refrWriteToken(w, fmt.Sprintf("at-%d", n), fmt.Sprintf("rt-%d", n), 3600)
	}})
	var releaseOnce sync.Once
	releaseAll := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(releaseAll)
	c := refrResume(t, refrNewDB(t, srv), "at-0", "rt-0", -time.Minute)

	resA := make(chan error, 1)
	go func() {
		tok, err := c.Token(t.Context())
		if err == nil && tok.AccessToken != "at-1" {
			err = fmt.Errorf("leader got %q", tok.AccessToken)
		}
		resA <- err
	}()
	refrWait(t, started, "A's refresh to reach the server")

	waiting := make(chan struct{})
	inner, cancelB := context.WithCancel(t.Context())
	defer cancelB()
	ctxB := &refrCtx{Context: inner, arrived: func() { close(waiting) }}
	errB := make(chan error, 1)
	go func() {
		_, err := c.Token(ctxB)
		errB <- err
	}()
	refrWait(t, waiting, "B to wait on the refresh")
	cancelB()
	assert.ErrorIs(t, refrWait(t, errB, "B"), context.Canceled, "a waiter leaves when its own context ends")

	releaseAll()
	assert.NoError(t, refrWait(t, resA, "A"), "the leader is not disturbed by a waiter leaving")
	assert.Equal(t, int64(1), srv.tokenCalls.Load())
}

// 8. Refresh failures.

func TestRefreshInvalidGrant(t *testing.T) {
	t.Parallel()
	srv := refrNewServer(t, refrHandlers{token: func(w http.ResponseWriter, _ *http.Request, _ int64) {
		refrWriteJSON(w, http.StatusBadRequest, `{"error":"invalid_grant","error_description":"The refresh token is invalid."}`)
	}})
	c := refrResume(t, refrNewDB(t, srv), "at-0", "rt-secret", -time.Minute)

	_, err := c.Token(t.Context())
	require.Error(t, err)
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)
	var apiErr *meshydb.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
	assert.Equal(t, "invalid_grant", apiErr.Code)
	assert.NotContains(t, err.Error(), "rt-secret", "the refresh token never appears in an error")

	_, err = c.UserInfo(t.Context())
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)
	assert.Equal(t, int64(2), srv.tokenCalls.Load())
	assert.Zero(t, srv.userinfoCalls.Load(), "no API call without a token")
}

func TestRefreshWithoutRefreshToken(t *testing.T) {
	t.Parallel()
	srv := refrNewServer(t, refrHandlers{})
	c := refrResume(t, refrNewDB(t, srv), "at-0", "", -time.Minute)

	_, err := c.Token(t.Context())
	assert.ErrorIs(t, err, meshydb.ErrUnauthorized)
	_, err = c.UserInfo(t.Context())
	assert.ErrorIs(t, err, meshydb.ErrUnauthorized)
	assert.Empty(t, srv.log(), "nothing is sent")
}

// 9. Logout.

func TestRefreshLogout(t *testing.T) {
	t.Parallel()
	srv := refrNewServer(t, refrHandlers{})
	var observed atomic.Int64
	db := refrNewDB(t, srv, meshydb.WithTokenObserver(func(*meshydb.Client, *oauth2.Token) { observed.Add(1) }))
	// Expired: Logout revokes without refreshing first.
	c := refrResume(t, db, "at-0", "rt-0", -time.Minute)

	require.NoError(t, c.Logout(t.Context()))
	assert.Equal(t, []string{"revoke rt-0"}, srv.log())
	assert.Equal(t, url.Values{
		"token":           {"rt-0"},
		"token_type_hint": {"refresh_token"},
		"client_id":       {refrPublicKey},
	}, srv.form(0))

	_, err := c.Token(t.Context())
	assert.ErrorIs(t, err, meshydb.ErrLoggedOut)
	_, err = c.UserInfo(t.Context())
	assert.ErrorIs(t, err, meshydb.ErrLoggedOut)
	_, err = c.TokenSource().Token()
	assert.ErrorIs(t, err, meshydb.ErrLoggedOut)
	assert.Empty(t, c.RefreshToken())
	assert.NoError(t, c.Logout(t.Context()), "a second Logout is a no-op")

	assert.Equal(t, []string{"revoke rt-0"}, srv.log(), "nothing is sent after Logout")
	assert.Zero(t, observed.Load())
}

func TestRefreshLogoutFailureKeepsSession(t *testing.T) {
	t.Parallel()
	srv := refrNewServer(t, refrHandlers{revoke: func(w http.ResponseWriter, _ *http.Request, n int64) {
		if n == 1 {
			refrWriteJSON(w, http.StatusBadRequest, `{"error":"invalid_client"}`)
			return
		}
		w.WriteHeader(http.StatusOK)
	}})
	c := refrResume(t, refrNewDB(t, srv), "at-0", "rt-0", time.Hour)

	assert.ErrorIs(t, c.Logout(t.Context()), meshydb.ErrBadRequest)
	tok, err := c.Token(t.Context())
	require.NoError(t, err, "a failed Logout leaves the session usable")
	assert.Equal(t, "at-0", tok.AccessToken)
	require.NoError(t, c.Logout(t.Context()))
	_, err = c.Token(t.Context())
	assert.ErrorIs(t, err, meshydb.ErrLoggedOut)
	assert.Equal(t, []string{"revoke rt-0", "revoke rt-0"}, srv.log())
}

// TestRefreshLogoutDuringRefresh logs out while a refresh that rotates the
// refresh token is in flight. Whatever the timing, once Logout has returned
// no refresh token the server issued to the session may stay valid, and the
// token observer must not hand the app a live refresh token after Logout
// (an app that clears its saved token on Logout would save it again and
// restore a session the user ended).
func TestRefreshLogoutDuringRefresh(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	release := make(chan struct{})
	var (
		mu      sync.Mutex
		issued  []string // refresh tokens the server handed out
		revoked []string
	)
	srv := refrNewServer(t, refrHandlers{
		token: func(w http.ResponseWriter, r *http.Request, n int64) {
			if n == 1 {
				close(started)
			}
			select {
			case <-r.Context().Done():
				return
			case <-release:
			case <-time.After(2 * time.Second): // a broken SDK fails, never hangs
			}
			if r.Context().Err() != nil {
				return
			}
			rt := fmt.Sprintf("rt-%d", n)
			mu.Lock()
			issued = append(issued, rt)
			mu.Unlock()
			refrWriteToken(w, fmt.Sprintf("at-%d", n), rt, 3600)
		},
		revoke: func(w http.ResponseWriter, r *http.Request, _ int64) {
			mu.Lock()
			revoked = append(revoked, r.PostForm.Get("token"))
			mu.Unlock()
			w.WriteHeader(http.StatusOK)
		},
	})
	var releaseOnce sync.Once
	releaseAll := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(releaseAll)

	var loggedOut atomic.Bool
	var lateObserved atomic.Value
	db := refrNewDB(t, srv, meshydb.WithTokenObserver(func(_ *meshydb.Client, tok *oauth2.Token) {
		if loggedOut.Load() {
			lateObserved.Store(tok.RefreshToken)
		}
	}))
	c := refrResume(t, db, "at-0", "rt-0", -time.Minute)

	tokenDone := make(chan error, 1)
	go func() {
		_, err := c.Token(t.Context())
		tokenDone <- err
	}()
	refrWait(t, started, "the refresh to reach the server")

	logoutDone := make(chan error, 1)
	go func() {
		err := c.Logout(t.Context())
		if err == nil {
			loggedOut.Store(true)
		}
		logoutDone <- err
	}()
	// Let Logout finish if it does not wait for the refresh; an SDK that
	// waits for it gets the refresh released after a short while.
	var logoutErr error
	var logoutReturned bool
	select {
	case logoutErr = <-logoutDone:
		logoutReturned = true
	case <-time.After(200 * time.Millisecond):
	}
	releaseAll()
	if !logoutReturned {
		logoutErr = refrWait(t, logoutDone, "Logout")
	}
	tokenErr := refrWait(t, tokenDone, "the refreshing Token call")
	require.NoError(t, logoutErr)
	if tokenErr != nil {
		assert.ErrorIs(t, tokenErr, meshydb.ErrLoggedOut)
	}

	_, err := c.Token(t.Context())
	assert.ErrorIs(t, err, meshydb.ErrLoggedOut)
	assert.Empty(t, c.RefreshToken())

	mu.Lock()
	defer mu.Unlock()
	if len(issued) > 0 {
		newest := issued[len(issued)-1]
		assert.Contains(t, revoked, newest,
			"Logout must revoke the refresh token the in-flight refresh obtained (issued %v, revoked %v)", issued, revoked)
	}
	if late, ok := lateObserved.Load().(string); ok {
		assert.Contains(t, revoked, late, "the observer was handed a live refresh token after Logout returned")
	}
}

// 10. Redirects with a bearer, through the SDK's default client.

func TestRefreshRedirectKeepsTokenOnHost(t *testing.T) {
	// Not parallel: the SDK's default client uses http.DefaultTransport.
	_, ok := http.DefaultTransport.(*http.Transport)
	require.True(t, ok, "http.DefaultTransport was replaced (httpmock left active?)")
	t.Cleanup(func() {
		if tr, ok := http.DefaultTransport.(interface{ CloseIdleConnections() }); ok {
			tr.CloseIdleConnections()
		}
	})

	type seen struct {
		mu    sync.Mutex
		auths []string // Authorization of each request, "-" when absent
	}
	record := func(s *seen, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if v := r.Header.Values("Authorization"); len(v) > 0 {
			s.auths = append(s.auths, strings.Join(v, ","))
		} else {
			s.auths = append(s.auths, "-")
		}
	}
	get := func(s *seen) []string {
		s.mu.Lock()
		defer s.mu.Unlock()
		return slices.Clone(s.auths)
	}

	t.Run("to another host", func(t *testing.T) {
		var a, b seen
		srvB := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			record(&b, r)
			refrWriteJSON(w, http.StatusOK, refrClaims)
		}))
		t.Cleanup(srvB.Close)
		srvA := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			record(&a, r)
			http.Redirect(w, r, srvB.URL+refrUserInfoPath, http.StatusTemporaryRedirect)
		}))
		t.Cleanup(srvA.Close)
		require.NotEqual(t, srvA.Listener.Addr().String(), srvB.Listener.Addr().String())

		db, err := meshydb.New(refrClientKey, "", refrPublicKey, meshydb.WithAPIURL(srvA.URL), meshydb.WithAuthURL(srvA.URL))
		require.NoError(t, err)
		c := refrResume(t, db, "at-0", "rt-0", time.Hour)

		info, err := c.UserInfo(t.Context())
		require.NoError(t, err)
		assert.Equal(t, "u-1", info.Subject)
		assert.Equal(t, []string{"Bearer at-0"}, get(&a))
		assert.Equal(t, []string{"-"}, get(&b), "the bearer must not follow a redirect to another host")
	})

	t.Run("to the same host", func(t *testing.T) {
		var a seen
		const moved = "/" + refrClientKey + "/connect/userinfo-moved"
		srvA := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			record(&a, r)
			if r.URL.Path == moved {
				refrWriteJSON(w, http.StatusOK, refrClaims)
				return
			}
			http.Redirect(w, r, moved, http.StatusTemporaryRedirect)
		}))
		t.Cleanup(srvA.Close)

		db, err := meshydb.New(refrClientKey, "", refrPublicKey, meshydb.WithAPIURL(srvA.URL), meshydb.WithAuthURL(srvA.URL))
		require.NoError(t, err)
		c := refrResume(t, db, "at-0", "rt-0", time.Hour)

		info, err := c.UserInfo(t.Context())
		require.NoError(t, err)
		assert.Equal(t, "u-1", info.Subject)
		assert.Equal(t, []string{"Bearer at-0", "Bearer at-0"}, get(&a), "the bearer follows a redirect on the same host")
	})
}
