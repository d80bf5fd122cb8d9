package meshydb_test

// End-to-end tests of the SDK against the in-memory MeshyDB users server,
// meshydbtest. They fill in what meshydbtest/*_test.go does not already
// drive through the SDK (Resume, Token, TokenSource, CloseIdleConnections,
// ClientKey, Tenant; expired, tampered and stale verification hashes;
// every way a refresh token stops working; each permission, method by
// method; tenant isolation of user management and tokens), and end with
// TestE2ETour, one realistic flow that calls every exported method.

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net"
	"net/http"
	"reflect"
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
	"github.com/meshydb/meshydb-go/meshydbtest"
)

// --- helpers -------------------------------------------------------------------

// e2eT0 is when the server's clock starts in the tests that set it. It has
// no sub-second part, so that the server's seven-digit dates are exact.
var e2eT0 = time.Date(2031, 3, 14, 15, 9, 26, 0, time.UTC)

// e2eClock is a server clock the tests move by hand.
type e2eClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *e2eClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *e2eClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *e2eClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// e2eServer starts a meshydbtest server, closed when the test ends.
func e2eServer(t *testing.T, opts ...meshydbtest.Option) *meshydbtest.Server {
	t.Helper()
	srv := meshydbtest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}

// e2eClockServer starts a server and, with SetClock, puts its clock at
// e2eT0 under the test's control.
func e2eClockServer(t *testing.T, opts ...meshydbtest.Option) (*meshydbtest.Server, *e2eClock) {
	t.Helper()
	srv := e2eServer(t, opts...)
	clock := &e2eClock{now: e2eT0}
	srv.SetClock(clock.Now)
	return srv, clock
}

// e2eDB returns an SDK for the default account and the given tenant on srv.
// Its idle connections are closed when the test ends (before the server is).
func e2eDB(t *testing.T, srv *meshydbtest.Server, tenant string, opts ...meshydb.Option) *meshydb.MeshyDB {
	t.Helper()
	opts = append([]meshydb.Option{meshydb.WithAPIURL(srv.URL), meshydb.WithAuthURL(srv.URL)}, opts...)
	db, err := meshydb.New(meshydbtest.DefaultClientKey, tenant, meshydbtest.DefaultPublicKey, opts...)
	require.NoError(t, err)
	t.Cleanup(db.CloseIdleConnections)
	return db
}

// e2eSeed adds a verified, active user with an email address to the default
// account and returns its id.
func e2eSeed(srv *meshydbtest.Server, tenant, username, password string, roles ...string) string {
	return srv.AddUser(meshydbtest.DefaultClientKey, tenant, meshydbtest.SeedUser{
		Username:     username,
		Password:     password,
		EmailAddress: username + "@example.com",
		Roles:        roles,
	})
}

// e2eLogin signs username in, failing the test if it cannot.
func e2eLogin(t *testing.T, db *meshydb.MeshyDB, username, password string) *meshydb.Client {
	t.Helper()
	c, err := db.Login(t.Context(), username, password)
	require.NoError(t, err, "login %s", username)
	return c
}

// e2eAPIError checks that err matches sentinel and is an *APIError with
// status, and returns it.
func e2eAPIError(t *testing.T, err error, sentinel error, status int) *meshydb.APIError {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, sentinel)
	var apiErr *meshydb.APIError
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, status, apiErr.StatusCode, "error: %v", err)
	return apiErr
}

// e2eGrantError checks that err is the OAuth2 400 answer of connect/token
// with the given error code and description.
func e2eGrantError(t *testing.T, err error, code, message string) {
	t.Helper()
	apiErr := e2eAPIError(t, err, meshydb.ErrBadRequest, http.StatusBadRequest)
	assert.Equal(t, code, apiErr.Code)
	if message != "" {
		assert.Equal(t, message, apiErr.Message)
	}
	assert.Equal(t, http.MethodPost, apiErr.Method)
	assert.True(t, strings.HasSuffix(apiErr.URL, "/"+meshydbtest.DefaultClientKey+"/connect/token"), "URL %s", apiErr.URL)
}

// e2eMessages returns the outbox messages to username in tenant for
// purpose, oldest first.
func e2eMessages(srv *meshydbtest.Server, tenant, username, purpose string) []meshydbtest.Message {
	var out []meshydbtest.Message
	for _, m := range srv.Outbox() {
		if m.Tenant == tenant && m.Username == username && m.Purpose == purpose {
			out = append(out, m)
		}
	}
	return out
}

// e2eLastCode returns the newest code sent to username in tenant for
// purpose, failing the test if there is none.
func e2eLastCode(t *testing.T, srv *meshydbtest.Server, tenant, username, purpose string) string {
	t.Helper()
	msgs := e2eMessages(srv, tenant, username, purpose)
	require.NotEmpty(t, msgs, "no %s message to %s in tenant %q", purpose, username, tenant)
	return msgs[len(msgs)-1].Code
}

// e2eOtherCode returns a six-digit code that is not code.
func e2eOtherCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

// e2eFlipLast changes the last character of s.
func e2eFlipLast(s string) string {
	if strings.HasSuffix(s, "A") {
		return s[:len(s)-1] + "B"
	}
	return s[:len(s)-1] + "A"
}

// e2eExpired returns a copy of tok whose access token the SDK believes
// expired, so that its next use refreshes it.
func e2eExpired(tok *oauth2.Token) *oauth2.Token {
	expired := *tok
	expired.Expiry = time.Now().Add(-time.Minute)
	return &expired
}

func e2eUsernames(users []meshydb.User) []string {
	names := make([]string, len(users))
	for i, u := range users {
		names[i] = u.Username
	}
	return names
}

func e2eRoleNames(roles []meshydb.Role) []string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = r.Name
	}
	return names
}

func e2eQuestions(questions []meshydb.SecurityQuestion) []string {
	texts := make([]string, len(questions))
	for i, q := range questions {
		texts[i] = q.Question
	}
	return texts
}

// e2eCollect walks seq and returns the usernames it yields, how many
// values it yielded, and the error it ended with, if any.
func e2eCollect(seq iter.Seq2[*meshydb.User, error]) (names []string, yields int, err error) {
	for u, e := range seq {
		yields++
		if e != nil {
			return names, yields, e
		}
		names = append(names, u.Username)
	}
	return names, yields, nil
}

// e2eCountingTransport is an http.Transport that counts the connections it
// dials.
func e2eCountingTransport(t *testing.T) (*http.Transport, *atomic.Int64) {
	t.Helper()
	var dials atomic.Int64
	var dialer net.Dialer
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return dialer.DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return tr, &dials
}

// --- New, ClientKey, Tenant, CloseIdleConnections ---------------------------------

func TestE2ENewAndAccessors(t *testing.T) {
	t.Parallel()
	srv := e2eServer(t)
	e2eSeed(srv, "acme", "bob", "pw")

	// A trailing slash on the base is fine.
	db, err := meshydb.New(meshydbtest.DefaultClientKey, "acme", meshydbtest.DefaultPublicKey,
		meshydb.WithAPIURL(srv.URL+"/"), meshydb.WithAuthURL(srv.URL+"/"))
	require.NoError(t, err)
	t.Cleanup(db.CloseIdleConnections)
	assert.Equal(t, meshydbtest.DefaultClientKey, db.ClientKey())
	assert.Equal(t, "acme", db.Tenant())

	// The tenant given to New is the one the server sees, API and auth alike.
	exists, err := db.UsernameExists(t.Context(), "bob")
	require.NoError(t, err)
	assert.True(t, exists)
	me, err := e2eLogin(t, db, "bob", "pw").Users.Me(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "bob", me.Username)

	other := e2eDB(t, srv, "")
	assert.Empty(t, other.Tenant())
	exists, err = other.UsernameExists(t.Context(), "bob")
	require.NoError(t, err)
	assert.False(t, exists, "bob lives in tenant acme only")

	tests := []struct {
		name                         string
		clientKey, tenant, publicKey string
		opts                         []meshydb.Option
		field                        string
	}{
		{"blank clientKey", " ", "", meshydbtest.DefaultPublicKey, nil, "clientKey"},
		{"dot clientKey", "..", "", meshydbtest.DefaultPublicKey, nil, "clientKey"},
		{"blank publicKey", meshydbtest.DefaultClientKey, "", "", nil, "publicKey"},
		{"tenant with a newline", meshydbtest.DefaultClientKey, "acme\r\nX-Evil: 1", meshydbtest.DefaultPublicKey, nil, "tenant"},
		{"API URL not http", meshydbtest.DefaultClientKey, "", meshydbtest.DefaultPublicKey, []meshydb.Option{meshydb.WithAPIURL("ftp://" + strings.TrimPrefix(srv.URL, "http://"))}, "WithAPIURL"},
		{"auth URL with a query", meshydbtest.DefaultClientKey, "", meshydbtest.DefaultPublicKey, []meshydb.Option{meshydb.WithAuthURL(srv.URL + "?x=1")}, "WithAuthURL"},
	}
	before := srv.Requests()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := meshydb.New(tt.clientKey, tt.tenant, tt.publicKey, tt.opts...)
			assert.Nil(t, db)
			require.ErrorIs(t, err, meshydb.ErrInvalidArgument)
			assert.Contains(t, err.Error(), tt.field)
			var apiErr *meshydb.APIError
			assert.False(t, errors.As(err, &apiErr), "caught before anything is sent")
		})
	}
	assert.Equal(t, before, srv.Requests(), "New sends nothing")
}

func TestE2ECloseIdleConnections(t *testing.T) {
	t.Parallel()
	srv := e2eServer(t)
	e2eSeed(srv, "", "bob", "pw")
	tr, dials := e2eCountingTransport(t)
	db := e2eDB(t, srv, "", meshydb.WithHTTPClient(&http.Client{Transport: tr}))
	ctx := t.Context()

	c := e2eLogin(t, db, "bob", "pw")
	for range 3 {
		me, err := c.Users.Me(ctx)
		require.NoError(t, err)
		assert.Equal(t, "bob", me.Username)
		exists, err := db.UsernameExists(ctx, "bob")
		require.NoError(t, err)
		assert.True(t, exists)
	}
	assert.Equal(t, int64(1), dials.Load(), "API and auth calls share one kept-alive connection")

	db.CloseIdleConnections()
	me, err := c.Users.Me(ctx)
	require.NoError(t, err, "the session survives closing the idle connections")
	assert.Equal(t, "bob", me.Username)
	assert.Equal(t, int64(2), dials.Load(), "the idle connection was closed, so a new one was dialled")

	db.CloseIdleConnections()
	db.CloseIdleConnections() // nothing idle: a no-op
	_, err = db.UsernameExists(ctx, "bob")
	require.NoError(t, err)
	assert.Equal(t, int64(3), dials.Load())

	// The SDK's own shared client too.
	shared := e2eDB(t, srv, "")
	shared.CloseIdleConnections()
	exists, err := shared.UsernameExists(ctx, "bob")
	require.NoError(t, err)
	assert.True(t, exists)
	shared.CloseIdleConnections()
}

// --- Resume, Token, TokenSource ----------------------------------------------------

func TestE2EResume(t *testing.T) {
	t.Parallel()
	srv := e2eServer(t)
	bobID := e2eSeed(srv, "", "bob", "pw")
	db := e2eDB(t, srv, "")
	ctx := t.Context()

	c := e2eLogin(t, db, "bob", "pw")
	saved, err := c.Token(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, saved.RefreshToken)

	t.Run("whole token", func(t *testing.T) {
		before := srv.Requests()
		r, err := db.Resume(saved)
		require.NoError(t, err)
		assert.Equal(t, before, srv.Requests(), "Resume sends nothing")
		assert.Equal(t, saved.RefreshToken, r.RefreshToken())

		tokens := srv.RequestsTo(http.MethodPost, "connect/token")
		me, err := r.Users.Me(ctx)
		require.NoError(t, err)
		assert.Equal(t, bobID, me.ID)
		assert.Equal(t, tokens, srv.RequestsTo(http.MethodPost, "connect/token"), "the saved access token is used as it is")

		got, err := r.Token(ctx)
		require.NoError(t, err)
		assert.Equal(t, saved.AccessToken, got.AccessToken)
	})

	t.Run("Resume copies the token", func(t *testing.T) {
		tok := *saved
		r, err := db.Resume(&tok)
		require.NoError(t, err)
		tok.AccessToken, tok.RefreshToken = "garbage", "garbage"
		me, err := r.Users.Me(ctx)
		require.NoError(t, err)
		assert.Equal(t, "bob", me.Username)
		assert.Equal(t, saved.RefreshToken, r.RefreshToken())
	})

	t.Run("access token only", func(t *testing.T) {
		r, err := db.Resume(&oauth2.Token{AccessToken: saved.AccessToken, TokenType: "Bearer", Expiry: saved.Expiry})
		require.NoError(t, err)
		assert.Empty(t, r.RefreshToken())
		info, err := r.UserInfo(ctx)
		require.NoError(t, err)
		assert.Equal(t, bobID, info.Subject)
		assert.Equal(t, "bob", info.Login)

		// Logout has no refresh token to revoke: it revokes nothing and
		// still ends the session.
		revocations := srv.RequestsTo(http.MethodPost, "connect/revocation")
		require.NoError(t, r.Logout(ctx))
		assert.Equal(t, revocations, srv.RequestsTo(http.MethodPost, "connect/revocation"))
		_, err = r.Users.Me(ctx)
		assert.ErrorIs(t, err, meshydb.ErrLoggedOut)
		_, err = c.Users.Me(ctx)
		assert.NoError(t, err, "the original session is untouched")
	})

	t.Run("refresh token only", func(t *testing.T) {
		r, err := db.Resume(&oauth2.Token{RefreshToken: saved.RefreshToken})
		require.NoError(t, err)
		tokens := srv.RequestsTo(http.MethodPost, "connect/token")
		me, err := r.Users.Me(ctx)
		require.NoError(t, err)
		assert.Equal(t, bobID, me.ID)
		assert.Equal(t, tokens+1, srv.RequestsTo(http.MethodPost, "connect/token"), "one refresh first")
		assert.NotEmpty(t, r.RefreshToken())
		assert.NotEqual(t, saved.RefreshToken, r.RefreshToken(), "the refresh rotated the refresh token")

		_, err = db.LoginWithRefreshToken(ctx, saved.RefreshToken)
		e2eGrantError(t, err, "invalid_grant", "The refresh token is invalid.")
	})

	t.Run("invalid", func(t *testing.T) {
		before := srv.Requests()
		for name, tok := range map[string]*oauth2.Token{
			"nil":   nil,
			"empty": {TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)},
		} {
			r, err := db.Resume(tok)
			assert.Nil(t, r, name)
			assert.ErrorIs(t, err, meshydb.ErrInvalidArgument, name)
		}
		assert.Equal(t, before, srv.Requests())
	})
}

func TestE2EToken(t *testing.T) {
	t.Parallel()
	srv, clock := e2eClockServer(t)
	e2eSeed(srv, "", "bob", "pw")
	var (
		mu       sync.Mutex
		observed []string // access tokens, in the order the observer saw them
		clients  []*meshydb.Client
	)
	db := e2eDB(t, srv, "", meshydb.WithTokenObserver(func(c *meshydb.Client, tok *oauth2.Token) {
		mu.Lock()
		defer mu.Unlock()
		observed = append(observed, tok.AccessToken)
		clients = append(clients, c)
	}))
	lastObserved := func() (string, *meshydb.Client) {
		mu.Lock()
		defer mu.Unlock()
		if len(observed) == 0 {
			return "", nil
		}
		return observed[len(observed)-1], clients[len(clients)-1]
	}
	ctx := t.Context()

	c := e2eLogin(t, db, "bob", "pw")
	tok, err := c.Token(ctx)
	require.NoError(t, err)
	assert.NotEmpty(t, tok.AccessToken)
	assert.Equal(t, "Bearer", tok.Type())
	assert.Equal(t, c.RefreshToken(), tok.RefreshToken)
	assert.WithinDuration(t, time.Now().Add(time.Hour), tok.Expiry, time.Minute, "expires_in 3600")
	access, observer := lastObserved()
	assert.Equal(t, tok.AccessToken, access, "the observer saw the login")
	assert.Same(t, c, observer)
	assert.Equal(t, 1, srv.RequestsTo(http.MethodPost, "connect/token"))

	t.Run("a valid token is returned as a copy, without a request", func(t *testing.T) {
		first := tok.AccessToken
		tok.AccessToken = "changed by the caller"
		again, err := c.Token(ctx)
		require.NoError(t, err)
		assert.Equal(t, first, again.AccessToken)
		assert.Equal(t, 1, srv.RequestsTo(http.MethodPost, "connect/token"))
		tok.AccessToken = first
	})

	// A session whose access token the SDK believes expired refreshes it.
	r, err := db.Resume(e2eExpired(tok))
	require.NoError(t, err)

	t.Run("an expired token is refreshed", func(t *testing.T) {
		fresh, err := r.Token(ctx)
		require.NoError(t, err)
		assert.NotEqual(t, tok.AccessToken, fresh.AccessToken)
		assert.NotEmpty(t, fresh.RefreshToken)
		assert.NotEqual(t, tok.RefreshToken, fresh.RefreshToken, "rotated")
		assert.Equal(t, fresh.RefreshToken, r.RefreshToken())
		assert.True(t, fresh.Expiry.After(time.Now().Add(59*time.Minute)), "expiry %v", fresh.Expiry)
		assert.Equal(t, 2, srv.RequestsTo(http.MethodPost, "connect/token"))
		access, observer := lastObserved()
		assert.Equal(t, fresh.AccessToken, access, "the observer saw the refresh")
		assert.Same(t, r, observer)

		again, err := r.Token(ctx)
		require.NoError(t, err)
		assert.Equal(t, fresh.AccessToken, again.AccessToken, "refreshed once only")

		me, err := r.Users.Me(ctx)
		require.NoError(t, err)
		assert.Equal(t, "bob", me.Username)

		_, err = db.LoginWithRefreshToken(ctx, tok.RefreshToken)
		e2eGrantError(t, err, "invalid_grant", "The refresh token is invalid.")
	})

	t.Run("a token the server expired is refreshed after its 401", func(t *testing.T) {
		before, err := r.Token(ctx)
		require.NoError(t, err)
		clock.Advance(61 * time.Minute)

		same, err := r.Token(ctx)
		require.NoError(t, err)
		assert.Equal(t, before.AccessToken, same.AccessToken, "by the local clock it is still valid")

		me, err := r.Users.Me(ctx)
		require.NoError(t, err)
		assert.Equal(t, "bob", me.Username)
		after, err := r.Token(ctx)
		require.NoError(t, err)
		assert.NotEqual(t, before.AccessToken, after.AccessToken)
		assert.NotEqual(t, before.RefreshToken, after.RefreshToken)
	})

	t.Run("a revoked refresh token fails the refresh", func(t *testing.T) {
		current, err := r.Token(ctx)
		require.NoError(t, err)
		stale, err := db.Resume(e2eExpired(current))
		require.NoError(t, err)
		require.NoError(t, r.Logout(ctx))

		_, err = stale.Token(ctx)
		e2eGrantError(t, err, "invalid_grant", "The refresh token is invalid.")
		_, err = stale.Users.Me(ctx)
		assert.ErrorIs(t, err, meshydb.ErrBadRequest)

		before := srv.Requests()
		_, err = r.Token(ctx)
		assert.ErrorIs(t, err, meshydb.ErrLoggedOut)
		assert.Equal(t, before, srv.Requests(), "nothing is sent after Logout")
	})
}

func TestE2ETokenSource(t *testing.T) {
	t.Parallel()
	srv := e2eServer(t)
	bobID := e2eSeed(srv, "acme", "bob", "pw")
	db := e2eDB(t, srv, "acme")
	ctx := t.Context()
	c := e2eLogin(t, db, "bob", "pw")

	ts := c.TokenSource()
	tok, err := ts.Token()
	require.NoError(t, err)
	want, err := c.Token(ctx)
	require.NoError(t, err)
	assert.Equal(t, want.AccessToken, tok.AccessToken)
	assert.Equal(t, want.RefreshToken, tok.RefreshToken)

	// A library that takes an oauth2.TokenSource reaches the API with it.
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: &oauth2.Transport{Source: ts, Base: tr}}
	get := func(route string) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/"+meshydbtest.DefaultClientKey+"/"+route, nil)
		require.NoError(t, err)
		req.Header.Set("tenant", "acme")
		return hc.Do(req)
	}
	resp, err := get("users/me")
	require.NoError(t, err)
	var me meshydb.User
	require.NoError(t, e2eDecode(resp, &me))
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, bobID, me.ID)
	assert.Equal(t, "bob", me.Username)

	// The source refreshes an expired token like Token does.
	r, err := db.Resume(e2eExpired(want))
	require.NoError(t, err)
	tokens := srv.RequestsTo(http.MethodPost, "connect/token")
	fresh, err := r.TokenSource().Token()
	require.NoError(t, err)
	assert.NotEqual(t, want.AccessToken, fresh.AccessToken)
	assert.Equal(t, tokens+1, srv.RequestsTo(http.MethodPost, "connect/token"))

	// After Logout the source fails, and so does the library's request.
	require.NoError(t, c.Logout(ctx))
	_, err = ts.Token()
	assert.ErrorIs(t, err, meshydb.ErrLoggedOut)
	resp, err = get("users/me")
	if err == nil {
		resp.Body.Close()
	}
	assert.ErrorIs(t, err, meshydb.ErrLoggedOut)
}

// e2eDecode reads resp's JSON body into v and closes it.
func e2eDecode(resp *http.Response, v any) error {
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

// --- hashes: expired, tampered, stale -----------------------------------------------

func TestE2EExpiredResetHash(t *testing.T) {
	t.Parallel()
	srv, clock := e2eClockServer(t)
	e2eSeed(srv, "", "bob", "old-pass")
	db := e2eDB(t, srv, "")
	ctx := t.Context()

	hash, err := db.ForgotPassword(ctx, "bob")
	require.NoError(t, err)
	assert.True(t, hash.Expires.Equal(e2eT0.Add(time.Hour)), "expires %v", hash.Expires)
	hash.VerificationCode = e2eLastCode(t, srv, "", "bob", meshydbtest.PurposeReset)

	clock.Set(e2eT0.Add(time.Hour - time.Second))
	valid, err := db.CheckHash(ctx, hash)
	require.NoError(t, err)
	assert.True(t, valid, "valid a second before it expires")

	clock.Set(e2eT0.Add(time.Hour + time.Second))
	valid, err = db.CheckHash(ctx, hash)
	require.NoError(t, err)
	assert.False(t, valid, "expired a second after")
	err = db.ResetPassword(ctx, hash, "new-pass")
	apiErr := e2eAPIError(t, err, meshydb.ErrBadRequest, http.StatusBadRequest)
	assert.Equal(t, "The hash has expired.", apiErr.Message)
	assert.Equal(t, http.MethodPost, apiErr.Method)
	assert.True(t, strings.HasSuffix(apiErr.URL, "/users/resetpassword"), "URL %s", apiErr.URL)
	assert.NotContains(t, err.Error(), hash.Hash, "the hash never appears in an error")
	assert.NotContains(t, err.Error(), "new-pass")

	_, err = db.Login(ctx, "bob", "new-pass")
	e2eGrantError(t, err, "invalid_grant", "Invalid username or password.")
	e2eLogin(t, db, "bob", "old-pass")

	// A new request gets a new hash, good for another hour.
	again, err := db.ForgotPassword(ctx, "bob")
	require.NoError(t, err)
	assert.True(t, again.Expires.Equal(e2eT0.Add(2*time.Hour+time.Second)), "expires %v", again.Expires)
	again.VerificationCode = e2eLastCode(t, srv, "", "bob", meshydbtest.PurposeReset)
	require.NoError(t, db.ResetPassword(ctx, again, "new-pass"))
	e2eLogin(t, db, "bob", "new-pass")
}

func TestE2EExpiredVerificationHash(t *testing.T) {
	t.Parallel()
	srv, clock := e2eClockServer(t)
	db := e2eDB(t, srv, "")
	ctx := t.Context()

	hash, err := db.Register(ctx, &meshydb.RegisterUser{Username: "ann", NewPassword: "pw", EmailAddress: "ann@example.com"})
	require.NoError(t, err)
	require.NotNil(t, hash)
	assert.True(t, hash.Expires.Equal(e2eT0.Add(time.Hour)), "expires %v", hash.Expires)
	hash.VerificationCode = e2eLastCode(t, srv, "", "ann", meshydbtest.PurposeVerify)

	clock.Set(e2eT0.Add(time.Hour - time.Second))
	valid, err := db.CheckVerificationHash(ctx, hash)
	require.NoError(t, err)
	assert.True(t, valid)

	clock.Set(e2eT0.Add(time.Hour))
	valid, err = db.CheckVerificationHash(ctx, hash)
	require.NoError(t, err)
	assert.False(t, valid, "expired an hour after it was issued")
	err = db.Verify(ctx, hash)
	apiErr := e2eAPIError(t, err, meshydb.ErrBadRequest, http.StatusBadRequest)
	assert.Equal(t, "The hash has expired.", apiErr.Message)
	assert.True(t, strings.HasSuffix(apiErr.URL, "/users/verify"), "URL %s", apiErr.URL)

	_, err = db.Login(ctx, "ann", "pw")
	e2eGrantError(t, err, "invalid_grant", "The user is not verified.")
}

func TestE2ETamperedVerificationHash(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		tamper  func(h *meshydb.VerificationHash, bobCode string)
		message string
	}{
		{"hash", func(h *meshydb.VerificationHash, _ string) { h.Hash = e2eFlipLast(h.Hash) }, "The hash is invalid."},
		{"expires later", func(h *meshydb.VerificationHash, _ string) { h.Expires = h.Expires.Add(24 * time.Hour) }, "The hash is invalid."},
		{"expires earlier", func(h *meshydb.VerificationHash, _ string) { h.Expires = h.Expires.Add(-time.Second) }, "The hash is invalid."},
		{"attempt", func(h *meshydb.VerificationHash, _ string) { h.Attempt = 2 }, "The hash is invalid."},
		{"hint", func(h *meshydb.VerificationHash, _ string) { h.Hint = "First pet?" }, "The hash is invalid."},
		{"username of another new user", func(h *meshydb.VerificationHash, _ string) { h.Username = "bob" }, "The hash is invalid."},
		{"username in another case", func(h *meshydb.VerificationHash, _ string) { h.Username = "ANN" }, "The hash is invalid."},
		{"wrong code", func(h *meshydb.VerificationHash, _ string) { h.VerificationCode = e2eOtherCode(h.VerificationCode) }, "The verification code is invalid."},
		{"code of another registration", func(h *meshydb.VerificationHash, bobCode string) { h.VerificationCode = bobCode }, "The verification code is invalid."},
		{"blank code", func(h *meshydb.VerificationHash, _ string) { h.VerificationCode = " " }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := e2eClockServer(t)
			db := e2eDB(t, srv, "")
			ctx := t.Context()

			hash, err := db.Register(ctx, &meshydb.RegisterUser{Username: "ann", NewPassword: "ann-pass", EmailAddress: "ann@example.com"})
			require.NoError(t, err)
			_, err = db.Register(ctx, &meshydb.RegisterUser{Username: "bob", NewPassword: "bob-pass", EmailAddress: "bob@example.com"})
			require.NoError(t, err)
			annCode := e2eLastCode(t, srv, "", "ann", meshydbtest.PurposeVerify)
			bobCode := e2eLastCode(t, srv, "", "bob", meshydbtest.PurposeVerify)
			require.NotEqual(t, annCode, bobCode)

			good := *hash
			good.VerificationCode = annCode
			tampered := good
			tt.tamper(&tampered, bobCode)

			before := srv.Requests()
			valid, err := db.CheckVerificationHash(ctx, &tampered)
			err2 := db.Verify(ctx, &tampered)
			if tt.message == "" {
				// A blank code is caught before anything is sent.
				assert.ErrorIs(t, err, meshydb.ErrInvalidArgument)
				assert.ErrorIs(t, err2, meshydb.ErrInvalidArgument)
				assert.Equal(t, before, srv.Requests())
			} else {
				require.NoError(t, err)
				assert.False(t, valid)
				apiErr := e2eAPIError(t, err2, meshydb.ErrBadRequest, http.StatusBadRequest)
				assert.Equal(t, tt.message, apiErr.Message)
			}

			// Nobody was verified, and the genuine hash still works.
			for _, who := range [][2]string{{"ann", "ann-pass"}, {"bob", "bob-pass"}} {
				_, err = db.Login(ctx, who[0], who[1])
				e2eGrantError(t, err, "invalid_grant", "The user is not verified.")
			}
			require.NoError(t, db.Verify(ctx, &good))
			e2eLogin(t, db, "ann", "ann-pass")
		})
	}

	t.Run("one purpose's hash does not serve the other", func(t *testing.T) {
		t.Parallel()
		srv, _ := e2eClockServer(t)
		db := e2eDB(t, srv, "")
		ctx := t.Context()

		verification, err := db.Register(ctx, &meshydb.RegisterUser{Username: "ann", NewPassword: "ann-pass", EmailAddress: "ann@example.com"})
		require.NoError(t, err)
		verification.VerificationCode = e2eLastCode(t, srv, "", "ann", meshydbtest.PurposeVerify)
		reset, err := db.ForgotPassword(ctx, "ann")
		require.NoError(t, err)
		reset.VerificationCode = e2eLastCode(t, srv, "", "ann", meshydbtest.PurposeReset)

		asVerification := meshydb.VerificationHash(*reset)
		err = db.Verify(ctx, &asVerification)
		assert.Equal(t, "The hash is invalid.", e2eAPIError(t, err, meshydb.ErrBadRequest, http.StatusBadRequest).Message)

		asReset := meshydb.PasswordResetHash(*verification)
		err = db.ResetPassword(ctx, &asReset, "hacked")
		assert.Equal(t, "The hash is invalid.", e2eAPIError(t, err, meshydb.ErrBadRequest, http.StatusBadRequest).Message)

		require.NoError(t, db.Verify(ctx, verification))
		_, err = db.Login(ctx, "ann", "hacked")
		e2eGrantError(t, err, "invalid_grant", "Invalid username or password.")
		e2eLogin(t, db, "ann", "ann-pass")
	})
}

func TestE2EStaleResetHash(t *testing.T) {
	t.Parallel()

	t.Run("after the password is changed", func(t *testing.T) {
		t.Parallel()
		srv := e2eServer(t)
		e2eSeed(srv, "", "bob", "old-pass")
		db := e2eDB(t, srv, "")
		ctx := t.Context()

		hash, err := db.ForgotPassword(ctx, "bob")
		require.NoError(t, err)
		hash.VerificationCode = e2eLastCode(t, srv, "", "bob", meshydbtest.PurposeReset)
		c := e2eLogin(t, db, "bob", "old-pass")
		require.NoError(t, c.Users.ChangePassword(ctx, "old-pass", "changed"))

		valid, err := db.CheckHash(ctx, hash)
		require.NoError(t, err)
		assert.False(t, valid)
		err = db.ResetPassword(ctx, hash, "hacked")
		assert.Equal(t, "The hash is invalid.", e2eAPIError(t, err, meshydb.ErrBadRequest, http.StatusBadRequest).Message)
		e2eLogin(t, db, "bob", "changed")
	})

	t.Run("after another hash reset the password", func(t *testing.T) {
		t.Parallel()
		srv := e2eServer(t)
		e2eSeed(srv, "", "bob", "old-pass")
		db := e2eDB(t, srv, "")
		ctx := t.Context()

		first, err := db.ForgotPassword(ctx, "bob")
		require.NoError(t, err)
		first.VerificationCode = e2eLastCode(t, srv, "", "bob", meshydbtest.PurposeReset)
		second, err := db.ForgotPasswordAttempt(ctx, "bob", 2)
		require.NoError(t, err)
		assert.Equal(t, 2, second.Attempt)
		second.VerificationCode = e2eLastCode(t, srv, "", "bob", meshydbtest.PurposeReset)

		valid, err := db.CheckHash(ctx, first)
		require.NoError(t, err)
		assert.True(t, valid, "both hashes are valid until one is used")
		require.NoError(t, db.ResetPassword(ctx, second, "new-pass"))

		valid, err = db.CheckHash(ctx, first)
		require.NoError(t, err)
		assert.False(t, valid)
		err = db.ResetPassword(ctx, first, "hacked")
		assert.Equal(t, "The hash is invalid.", e2eAPIError(t, err, meshydb.ErrBadRequest, http.StatusBadRequest).Message)
		e2eLogin(t, db, "bob", "new-pass")
	})
}

// --- wrong password, revoked refresh tokens ------------------------------------

func TestE2EWrongPassword(t *testing.T) {
	t.Parallel()
	srv := e2eServer(t)
	e2eSeed(srv, "", "bob", "right-secret")
	db := e2eDB(t, srv, "")
	ctx := t.Context()

	for _, username := range []string{"bob", "nobody"} {
		c, err := db.Login(ctx, username, "wrong-secret")
		assert.Nil(t, c)
		// The same answer for an unknown user: nothing tells them apart.
		e2eGrantError(t, err, "invalid_grant", "Invalid username or password.")
		assert.NotContains(t, err.Error(), "wrong-secret", "the password never appears in an error")
	}

	c := e2eLogin(t, db, "BOB", "right-secret") // usernames match ignoring case
	err := c.Users.ChangePassword(ctx, "wrong-secret", "new-secret")
	apiErr := e2eAPIError(t, err, meshydb.ErrBadRequest, http.StatusBadRequest)
	assert.Equal(t, "The previous password does not match.", apiErr.Message)
	assert.Equal(t, http.MethodPost, apiErr.Method)
	assert.True(t, strings.HasSuffix(apiErr.URL, "/users/me/password"), "URL %s", apiErr.URL)
	assert.NotContains(t, err.Error(), "wrong-secret")
	assert.NotContains(t, err.Error(), "new-secret")
	assert.NotContains(t, string(apiErr.Body), "secret", "the request body is never kept")

	_, err = db.Login(ctx, "bob", "new-secret")
	e2eGrantError(t, err, "invalid_grant", "Invalid username or password.")
	e2eLogin(t, db, "bob", "right-secret")
}

func TestE2ERevokedRefreshToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		revoke  func(t *testing.T, db *meshydb.MeshyDB, srv *meshydbtest.Server, bob, admin *meshydb.Client, bobID string)
		message string // of the first refresh that fails
	}{
		{"logout", func(t *testing.T, _ *meshydb.MeshyDB, _ *meshydbtest.Server, bob, _ *meshydb.Client, _ string) {
			require.NoError(t, bob.Logout(t.Context()))
		}, "The refresh token is invalid."},
		{"used by another refresh", func(t *testing.T, db *meshydb.MeshyDB, _ *meshydbtest.Server, bob, _ *meshydb.Client, _ string) {
			_, err := db.LoginWithRefreshToken(t.Context(), bob.RefreshToken())
			require.NoError(t, err)
		}, "The refresh token is invalid."},
		{"password reset", func(t *testing.T, db *meshydb.MeshyDB, srv *meshydbtest.Server, _, _ *meshydb.Client, _ string) {
			hash, err := db.ForgotPassword(t.Context(), "bob")
			require.NoError(t, err)
			hash.VerificationCode = e2eLastCode(t, srv, "", "bob", meshydbtest.PurposeReset)
			require.NoError(t, db.ResetPassword(t.Context(), hash, "new-pass"))
		}, "The refresh token is invalid."},
		{"user deleted", func(t *testing.T, _ *meshydb.MeshyDB, _ *meshydbtest.Server, _, admin *meshydb.Client, bobID string) {
			require.NoError(t, admin.Users.Delete(t.Context(), bobID))
		}, "The refresh token is invalid."},
		{"user deactivated", func(t *testing.T, _ *meshydb.MeshyDB, _ *meshydbtest.Server, _, admin *meshydb.Client, bobID string) {
			u, err := admin.Users.Update(t.Context(), bobID, &meshydb.UserUpdate{IsActive: new(false)})
			require.NoError(t, err)
			require.False(t, u.IsActive)
		}, "The user is inactive."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := e2eServer(t)
			bobID := e2eSeed(srv, "", "bob", "pw")
			e2eSeed(srv, "", "root", "pw", meshydbtest.AdminRole)
			db := e2eDB(t, srv, "")
			ctx := t.Context()
			bob := e2eLogin(t, db, "bob", "pw")
			admin := e2eLogin(t, db, "root", "pw")
			saved, err := bob.Token(ctx)
			require.NoError(t, err)

			tt.revoke(t, db, srv, bob, admin, bobID)

			// A session restored from the saved token cannot refresh...
			restored, err := db.Resume(e2eExpired(saved))
			require.NoError(t, err)
			_, err = restored.Token(ctx)
			e2eGrantError(t, err, "invalid_grant", tt.message)
			// ...and the saved refresh token cannot start a new one.
			c, err := db.LoginWithRefreshToken(ctx, saved.RefreshToken)
			assert.Nil(t, c)
			e2eGrantError(t, err, "invalid_grant", "")
		})
	}

	t.Run("a password change keeps sessions", func(t *testing.T) {
		t.Parallel()
		srv := e2eServer(t)
		e2eSeed(srv, "", "bob", "pw")
		db := e2eDB(t, srv, "")
		ctx := t.Context()
		bob := e2eLogin(t, db, "bob", "pw")
		rt := bob.RefreshToken()
		require.NoError(t, bob.Users.ChangePassword(ctx, "pw", "new-pw"))
		c, err := db.LoginWithRefreshToken(ctx, rt)
		require.NoError(t, err)
		me, err := c.Users.Me(ctx)
		require.NoError(t, err)
		assert.Equal(t, "bob", me.Username)
	})
}

// --- permissions -----------------------------------------------------------------

func TestE2EMissingPermission(t *testing.T) {
	t.Parallel()
	all := []meshydbtest.Permission{
		meshydbtest.PermissionCreate, meshydbtest.PermissionRead, meshydbtest.PermissionUpdate, meshydbtest.PermissionDelete,
	}
	questions := []meshydb.SecurityAnswer{{Question: "Town?", Answer: "Springfield"}}
	tests := []struct {
		name   string
		perm   meshydbtest.Permission
		method string
		route  string // the end of the failed request's URL; {id} is the target's id
		call   func(t *testing.T, c *meshydb.Client, id string) error
		// check verifies, as the admin, that the call took effect (done)
		// or left everything as it was.
		check func(t *testing.T, db *meshydb.MeshyDB, admin *meshydb.Client, id string, done bool)
	}{
		{
			"Create", meshydbtest.PermissionCreate, http.MethodPost, "/users",
			func(t *testing.T, c *meshydb.Client, _ string) error {
				u, err := c.Users.Create(t.Context(), &meshydb.NewUser{Username: "made", NewPassword: "pw"})
				if err == nil {
					assert.Equal(t, "made", u.Username)
				}
				return err
			},
			func(t *testing.T, db *meshydb.MeshyDB, _ *meshydb.Client, _ string, done bool) {
				exists, err := db.UsernameExists(t.Context(), "made")
				require.NoError(t, err)
				assert.Equal(t, done, exists)
			},
		},
		{
			"Get", meshydbtest.PermissionRead, http.MethodGet, "/users/{id}",
			func(t *testing.T, c *meshydb.Client, id string) error {
				u, err := c.Users.Get(t.Context(), id)
				if err == nil {
					assert.Equal(t, "target", u.Username)
					assert.Equal(t, "Tina", u.FirstName)
				}
				return err
			},
			nil,
		},
		{
			"Search", meshydbtest.PermissionRead, http.MethodGet, "/users", // the query is left out of errors
			func(t *testing.T, c *meshydb.Client, _ string) error {
				page, err := c.Users.Search(t.Context(), &meshydb.UserSearch{Name: "tar"})
				if err == nil {
					assert.Equal(t, []string{"target"}, e2eUsernames(page.Results))
					assert.Equal(t, 1, page.TotalRecords)
				}
				return err
			},
			nil,
		},
		{
			"All", meshydbtest.PermissionRead, http.MethodGet, "/users",
			func(t *testing.T, c *meshydb.Client, _ string) error {
				names, yields, err := e2eCollect(c.Users.All(t.Context(), &meshydb.UserSearch{OrderBy: `{"username":1}`, PageSize: 2}))
				if err != nil {
					assert.Empty(t, names)
					assert.Equal(t, 1, yields, "the error is the only and last value")
					return err
				}
				assert.Equal(t, []string{"has", "lacks", "root", "target"}, names)
				return nil
			},
			nil,
		},
		{
			"Update", meshydbtest.PermissionUpdate, http.MethodPut, "/users/{id}",
			func(t *testing.T, c *meshydb.Client, id string) error {
				u, err := c.Users.Update(t.Context(), id, &meshydb.UserUpdate{FirstName: new("Tanya")})
				if err == nil {
					assert.Equal(t, "Tanya", u.FirstName)
					assert.Equal(t, "Target", u.LastName)
				}
				return err
			},
			func(t *testing.T, _ *meshydb.MeshyDB, admin *meshydb.Client, id string, done bool) {
				u, err := admin.Users.Get(t.Context(), id)
				require.NoError(t, err)
				assert.Equal(t, map[bool]string{true: "Tanya", false: "Tina"}[done], u.FirstName)
			},
		},
		{
			"UpdateSecurityQuestions", meshydbtest.PermissionUpdate, http.MethodPost, "/users/{id}/questions",
			func(t *testing.T, c *meshydb.Client, id string) error {
				return c.Users.UpdateSecurityQuestions(t.Context(), id, questions)
			},
			func(t *testing.T, _ *meshydb.MeshyDB, admin *meshydb.Client, id string, done bool) {
				u, err := admin.Users.Get(t.Context(), id)
				require.NoError(t, err)
				want := []string{}
				if done {
					want = []string{"Town?"}
				}
				assert.Equal(t, want, e2eQuestions(u.SecurityQuestions))
			},
		},
		{
			"Delete", meshydbtest.PermissionDelete, http.MethodDelete, "/users/{id}",
			func(t *testing.T, c *meshydb.Client, id string) error {
				return c.Users.Delete(t.Context(), id)
			},
			func(t *testing.T, _ *meshydb.MeshyDB, admin *meshydb.Client, id string, done bool) {
				u, err := admin.Users.Get(t.Context(), id)
				if done {
					e2eAPIError(t, err, meshydb.ErrNotFound, http.StatusNotFound)
					return
				}
				require.NoError(t, err)
				assert.Equal(t, "target", u.Username)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := e2eServer(t)
			e2eSeed(srv, "", "root", "pw", meshydbtest.AdminRole)
			id := srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{
				Username: "target", Password: "pw", FirstName: "Tina", LastName: "Target",
			})
			// "lacks" has every permission but the one the call needs;
			// "has" has that one only.
			var others []meshydbtest.Permission
			for _, p := range all {
				if p != tt.perm {
					others = append(others, p)
				}
			}
			srv.SetRolePermissions(meshydbtest.DefaultClientKey, "all-but-"+string(tt.perm), others...)
			srv.SetRolePermissions(meshydbtest.DefaultClientKey, "only-"+string(tt.perm), tt.perm)
			e2eSeed(srv, "", "lacks", "pw", "all-but-"+string(tt.perm))
			e2eSeed(srv, "", "has", "pw", "only-"+string(tt.perm))
			db := e2eDB(t, srv, "")
			admin := e2eLogin(t, db, "root", "pw")
			check := func(done bool) {
				if tt.check != nil {
					tt.check(t, db, admin, id, done)
				}
			}

			err := tt.call(t, e2eLogin(t, db, "lacks", "pw"), id)
			apiErr := e2eAPIError(t, err, meshydb.ErrForbidden, http.StatusForbidden)
			assert.Equal(t, "The user does not have permission to "+string(tt.perm)+" users.", apiErr.Message)
			assert.Equal(t, tt.method, apiErr.Method)
			wantURL := srv.URL + "/" + meshydbtest.DefaultClientKey + strings.ReplaceAll(tt.route, "{id}", id)
			assert.Equal(t, wantURL, apiErr.URL)
			assert.Equal(t, 1, apiErr.Attempts, "a 403 is not retried")
			check(false)

			require.NoError(t, tt.call(t, e2eLogin(t, db, "has", "pw"), id))
			check(true)
		})
	}

	t.Run("no role, no permission; users/me needs none", func(t *testing.T) {
		t.Parallel()
		srv := e2eServer(t)
		adminID := e2eSeed(srv, "", "root", "pw", meshydbtest.AdminRole)
		e2eSeed(srv, "", "plain", "pw")
		db := e2eDB(t, srv, "")
		plain := e2eLogin(t, db, "plain", "pw")
		ctx := t.Context()

		_, yields, err := e2eCollect(plain.Users.All(ctx, nil))
		e2eAPIError(t, err, meshydb.ErrForbidden, http.StatusForbidden)
		assert.Equal(t, 1, yields)
		err = plain.Users.UpdateSecurityQuestions(ctx, adminID, questions)
		e2eAPIError(t, err, meshydb.ErrForbidden, http.StatusForbidden)

		me, err := plain.Users.Me(ctx)
		require.NoError(t, err)
		assert.Equal(t, "plain", me.Username)
		me, err = plain.Users.UpdateMe(ctx, &meshydb.UserUpdate{LastName: new("Jane")})
		require.NoError(t, err)
		assert.Equal(t, "Jane", me.LastName)
		require.NoError(t, plain.Users.UpdateMySecurityQuestions(ctx, questions))

		// Taking every permission from admin leaves it as plain as anyone.
		srv.SetRolePermissions(meshydbtest.DefaultClientKey, meshydbtest.AdminRole)
		admin := e2eLogin(t, db, "root", "pw")
		_, err = admin.Users.Get(ctx, adminID)
		e2eAPIError(t, err, meshydb.ErrForbidden, http.StatusForbidden)
	})
}

// --- tenants -----------------------------------------------------------------------

func TestE2ETenantIsolation(t *testing.T) {
	t.Parallel()
	srv, _ := e2eClockServer(t)
	north, south := e2eDB(t, srv, "north"), e2eDB(t, srv, "south")
	e2eSeed(srv, "north", "root", "north-root-pw", meshydbtest.AdminRole)
	e2eSeed(srv, "south", "root", "south-root-pw", meshydbtest.AdminRole)
	ctx := t.Context()

	// The same username registers in both tenants, each with its own code.
	hashN, err := north.Register(ctx, &meshydb.RegisterUser{Username: "ann", NewPassword: "north-pw", FirstName: "Ann", EmailAddress: "ann@north.example"})
	require.NoError(t, err)
	hashS, err := south.Register(ctx, &meshydb.RegisterUser{Username: "ann", NewPassword: "south-pw", FirstName: "Anna", EmailAddress: "ann@south.example"})
	require.NoError(t, err)
	msgsN := e2eMessages(srv, "north", "ann", meshydbtest.PurposeVerify)
	msgsS := e2eMessages(srv, "south", "ann", meshydbtest.PurposeVerify)
	require.Len(t, msgsN, 1)
	require.Len(t, msgsS, 1)
	assert.Equal(t, "ann@north.example", msgsN[0].To)
	assert.Equal(t, "ann@south.example", msgsS[0].To)
	hashN.VerificationCode, hashS.VerificationCode = msgsN[0].Code, msgsS[0].Code

	t.Run("a hash is good only in its tenant", func(t *testing.T) {
		valid, err := south.CheckVerificationHash(ctx, hashN)
		require.NoError(t, err)
		assert.False(t, valid)
		err = south.Verify(ctx, hashN)
		assert.Equal(t, "The hash is invalid.", e2eAPIError(t, err, meshydb.ErrBadRequest, http.StatusBadRequest).Message)
		_, err = south.Login(ctx, "ann", "south-pw")
		e2eGrantError(t, err, "invalid_grant", "The user is not verified.")

		require.NoError(t, north.Verify(ctx, hashN))
		require.NoError(t, south.Verify(ctx, hashS))
	})

	annN, annS := e2eLogin(t, north, "ann", "north-pw"), e2eLogin(t, south, "ann", "south-pw")
	meN, err := annN.Users.Me(ctx)
	require.NoError(t, err)
	meS, err := annS.Users.Me(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, meN.ID, meS.ID)
	assert.Equal(t, "Ann", meN.FirstName)
	assert.Equal(t, "Anna", meS.FirstName)

	t.Run("passwords are per tenant", func(t *testing.T) {
		_, err := north.Login(ctx, "ann", "south-pw")
		e2eGrantError(t, err, "invalid_grant", "Invalid username or password.")
		_, err = south.Login(ctx, "root", "north-root-pw")
		e2eGrantError(t, err, "invalid_grant", "Invalid username or password.")
	})

	t.Run("an admin manages only its own tenant", func(t *testing.T) {
		adminN := e2eLogin(t, north, "root", "north-root-pw")
		_, err := adminN.Users.Get(ctx, meS.ID)
		assert.Equal(t, "User not found.", e2eAPIError(t, err, meshydb.ErrNotFound, http.StatusNotFound).Message)
		_, err = adminN.Users.Update(ctx, meS.ID, &meshydb.UserUpdate{FirstName: new("Hacked")})
		e2eAPIError(t, err, meshydb.ErrNotFound, http.StatusNotFound)
		err = adminN.Users.UpdateSecurityQuestions(ctx, meS.ID, []meshydb.SecurityAnswer{{Question: "q", Answer: "a"}})
		e2eAPIError(t, err, meshydb.ErrNotFound, http.StatusNotFound)
		err = adminN.Users.Delete(ctx, meS.ID)
		e2eAPIError(t, err, meshydb.ErrNotFound, http.StatusNotFound)

		page, err := adminN.Users.Search(ctx, &meshydb.UserSearch{OrderBy: `{"username": 1}`})
		require.NoError(t, err)
		assert.Equal(t, []string{"ann", "root"}, e2eUsernames(page.Results))
		assert.Equal(t, meN.ID, page.Results[0].ID)
		assert.Equal(t, 2, page.TotalRecords)

		adminS := e2eLogin(t, south, "root", "south-root-pw")
		names, _, err := e2eCollect(adminS.Users.All(ctx, &meshydb.UserSearch{OrderBy: `{"username": -1}`, PageSize: 1}))
		require.NoError(t, err)
		assert.Equal(t, []string{"root", "ann"}, names)
		got, err := adminS.Users.Get(ctx, meS.ID)
		require.NoError(t, err)
		assert.Equal(t, meS.FirstName, got.FirstName, "untouched by north's admin")
		assert.Empty(t, got.SecurityQuestions)
	})

	t.Run("an access token is good only in its tenant", func(t *testing.T) {
		tok, err := annN.Token(ctx)
		require.NoError(t, err)
		accessOnly := &oauth2.Token{AccessToken: tok.AccessToken, TokenType: "Bearer", Expiry: tok.Expiry}

		elsewhere, err := south.Resume(accessOnly)
		require.NoError(t, err)
		_, err = elsewhere.Users.Me(ctx)
		assert.ErrorIs(t, err, meshydb.ErrUnauthorized)
		_, err = elsewhere.UserInfo(ctx)
		assert.ErrorIs(t, err, meshydb.ErrUnauthorized)

		home, err := north.Resume(accessOnly)
		require.NoError(t, err)
		info, err := home.UserInfo(ctx)
		require.NoError(t, err)
		assert.Equal(t, meN.ID, info.Subject)
	})

	t.Run("a reset hash is good only in its tenant", func(t *testing.T) {
		hash, err := south.ForgotPassword(ctx, "ann")
		require.NoError(t, err)
		hash.VerificationCode = e2eLastCode(t, srv, "south", "ann", meshydbtest.PurposeReset)
		assert.Empty(t, e2eMessages(srv, "north", "ann", meshydbtest.PurposeReset))

		valid, err := north.CheckHash(ctx, hash)
		require.NoError(t, err)
		assert.False(t, valid)
		err = north.ResetPassword(ctx, hash, "hacked")
		assert.Equal(t, "The hash is invalid.", e2eAPIError(t, err, meshydb.ErrBadRequest, http.StatusBadRequest).Message)
		e2eLogin(t, north, "ann", "north-pw")

		require.NoError(t, south.ResetPassword(ctx, hash, "south-new"))
		e2eLogin(t, south, "ann", "south-new")
		e2eLogin(t, north, "ann", "north-pw")
	})
}

// --- concurrency and escaping ----------------------------------------------------

// Many goroutines that find the access token expired at once share one
// refresh: the server rotates the refresh token, so a second refresh with
// the old one would fail.
func TestE2EConcurrentRefresh(t *testing.T) {
	t.Parallel()
	srv, clock := e2eClockServer(t)
	e2eSeed(srv, "", "bob", "pw")
	db := e2eDB(t, srv, "")
	ctx := t.Context()

	const n = 16
	run := func(t *testing.T, call func() error) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Go(func() { errs <- call() })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			assert.NoError(t, err)
		}
	}

	t.Run("the SDK sees the token expired", func(t *testing.T) {
		c := e2eLogin(t, db, "bob", "pw")
		tok, err := c.Token(ctx)
		require.NoError(t, err)
		r, err := db.Resume(e2eExpired(tok))
		require.NoError(t, err)
		before := srv.RequestsTo(http.MethodPost, "connect/token")
		run(t, func() error {
			_, err := r.Token(ctx)
			return err
		})
		assert.Equal(t, before+1, srv.RequestsTo(http.MethodPost, "connect/token"), "one refresh for all")
	})

	t.Run("the server answers 401", func(t *testing.T) {
		c := e2eLogin(t, db, "bob", "pw")
		clock.Advance(61 * time.Minute)
		before := srv.RequestsTo(http.MethodPost, "connect/token")
		run(t, func() error {
			me, err := c.Users.Me(ctx)
			if err == nil && me.Username != "bob" {
				return errors.New("me: " + me.Username)
			}
			return err
		})
		assert.Equal(t, before+1, srv.RequestsTo(http.MethodPost, "connect/token"), "one refresh for all")
	})
}

// Usernames go into the URL path escaped as one segment, whatever they
// hold.
func TestE2EUsernamesInPaths(t *testing.T) {
	t.Parallel()
	srv := e2eServer(t)
	db := e2eDB(t, srv, "")
	ctx := t.Context()
	for _, name := range []string{"ann smith", "a/b", "../admin", "x?y#z", "100%", "a%2Fb", "ann+1@example.com", "名前"} {
		srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{Username: name, Password: "pw"})
		exists, err := db.UsernameExists(ctx, name)
		require.NoError(t, err, name)
		assert.True(t, exists, name)

		guest := "guest " + name
		c, err := db.LoginAnonymously(ctx, guest)
		require.NoError(t, err, guest)
		me, err := c.Users.Me(ctx)
		require.NoError(t, err)
		assert.Equal(t, guest, me.Username)
		assert.True(t, me.Anonymous)
	}
	for _, name := range []string{"a", "b", "admin", "x", "a/", "100"} {
		exists, err := db.UsernameExists(ctx, name)
		require.NoError(t, err, name)
		assert.False(t, exists, name)
	}
	before := srv.Requests()
	for _, name := range []string{".", ".."} {
		_, err := db.UsernameExists(ctx, name)
		assert.ErrorIs(t, err, meshydb.ErrInvalidArgument, name)
	}
	assert.Equal(t, before, srv.Requests(), "dot segments are refused before sending")
}

// --- the tour ------------------------------------------------------------------------

// e2eTour is the state the tour's steps share.
type e2eTour struct {
	srv   *meshydbtest.Server
	clock *e2eClock
	db    *meshydb.MeshyDB

	mu       sync.Mutex
	observed []*oauth2.Token // every token the observer saw

	hash     *meshydb.VerificationHash
	ann      *meshydb.Client
	annID    string
	password string
	root     *meshydb.Client
	rootID   string
	bob      *meshydb.User
	restored *meshydb.Client
	resumed  *meshydb.Client
}

func (st *e2eTour) lastObserved() *oauth2.Token {
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.observed) == 0 {
		return nil
	}
	return st.observed[len(st.observed)-1]
}

// e2eSDKMethods lists every exported function and method of the SDK's
// entry points, from the package itself, so that a method added later
// without a tour step fails the tour.
func e2eSDKMethods() []string {
	names := []string{"New"}
	for _, v := range []any{(*meshydb.MeshyDB)(nil), (*meshydb.Client)(nil), (*meshydb.UsersService)(nil)} {
		typ := reflect.TypeOf(v)
		for i := range typ.NumMethod() {
			names = append(names, typ.Elem().Name()+"."+typ.Method(i).Name)
		}
	}
	slices.Sort(names)
	return names
}

// TestE2ETour walks one user's life through the SDK, calling every exported
// method at least once: register, verify with the emailed code, log in,
// manage the profile, password and questions; an admin creates, reads,
// updates, searches and deletes a user; tokens are used, restored and
// revoked; the password is recovered; a guest signs in anonymously.
func TestE2ETour(t *testing.T) {
	t.Parallel()
	srv, clock := e2eClockServer(t)
	st := &e2eTour{srv: srv, clock: clock}
	st.rootID = srv.AddUser(meshydbtest.DefaultClientKey, "acme", meshydbtest.SeedUser{
		Username: "root", Password: "root-pw", FirstName: "Ruth", LastName: "Admin",
		EmailAddress: "root@example.com", Roles: []string{meshydbtest.AdminRole},
	})
	t.Cleanup(func() {
		if st.db != nil {
			st.db.CloseIdleConnections()
		}
	})

	steps := []struct {
		name  string
		calls []string
		run   func(t *testing.T, st *e2eTour)
	}{
		{"connect", []string{"New", "MeshyDB.ClientKey", "MeshyDB.Tenant"}, func(t *testing.T, st *e2eTour) {
			db, err := meshydb.New(meshydbtest.DefaultClientKey, "acme", meshydbtest.DefaultPublicKey,
				meshydb.WithAPIURL(st.srv.URL), meshydb.WithAuthURL(st.srv.URL),
				meshydb.WithUserAgent("e2e-tour/1.0"),
				meshydb.WithTokenObserver(func(_ *meshydb.Client, tok *oauth2.Token) {
					st.mu.Lock()
					defer st.mu.Unlock()
					st.observed = append(st.observed, tok)
				}))
			require.NoError(t, err)
			st.db = db
			assert.Equal(t, meshydbtest.DefaultClientKey, db.ClientKey())
			assert.Equal(t, "acme", db.Tenant())
			assert.Zero(t, st.srv.Requests(), "New sends nothing")
		}},
		{"the username is free", []string{"MeshyDB.UsernameExists"}, func(t *testing.T, st *e2eTour) {
			exists, err := st.db.UsernameExists(t.Context(), "ann")
			require.NoError(t, err)
			assert.False(t, exists)
			exists, err = st.db.UsernameExists(t.Context(), "ROOT")
			require.NoError(t, err)
			assert.True(t, exists, "usernames match ignoring case")
		}},
		{"register", []string{"MeshyDB.Register"}, func(t *testing.T, st *e2eTour) {
			hash, err := st.db.Register(t.Context(), &meshydb.RegisterUser{
				Username: "ann", NewPassword: "ann-pw-1", FirstName: "Ann", LastName: "Lee",
				EmailAddress:      "ann@example.com",
				SecurityQuestions: []meshydb.SecurityAnswer{{Question: "First pet?", Answer: "Rex"}},
			})
			require.NoError(t, err)
			require.NotNil(t, hash)
			assert.Equal(t, "ann", hash.Username)
			assert.NotEmpty(t, hash.Hash)
			assert.True(t, hash.Expires.Equal(e2eT0.Add(time.Hour)), "expires %v", hash.Expires)
			assert.Equal(t, 1, hash.Attempt)
			assert.Empty(t, hash.Hint)
			assert.Empty(t, hash.VerificationCode)

			msgs := e2eMessages(st.srv, "acme", "ann", meshydbtest.PurposeVerify)
			require.Len(t, msgs, 1)
			assert.Regexp(t, `^[0-9]{6}$`, msgs[0].Code)
			assert.Equal(t, meshydbtest.Message{
				ClientKey: meshydbtest.DefaultClientKey, Tenant: "acme", Username: "ann",
				Channel: meshydbtest.ChannelEmail, To: "ann@example.com", Code: msgs[0].Code,
				Purpose: meshydbtest.PurposeVerify,
			}, msgs[0])
			st.hash = hash

			_, err = st.db.Register(t.Context(), &meshydb.RegisterUser{Username: "ANN", NewPassword: "x", EmailAddress: "x@example.com"})
			assert.Equal(t, "The username must be unique.", e2eAPIError(t, err, meshydb.ErrBadRequest, http.StatusBadRequest).Message)
		}},
		{"an unverified user cannot log in", []string{"MeshyDB.Login"}, func(t *testing.T, st *e2eTour) {
			c, err := st.db.Login(t.Context(), "ann", "ann-pw-1")
			assert.Nil(t, c)
			e2eGrantError(t, err, "invalid_grant", "The user is not verified.")
		}},
		{"check the code", []string{"MeshyDB.CheckVerificationHash"}, func(t *testing.T, st *e2eTour) {
			code := e2eLastCode(t, st.srv, "acme", "ann", meshydbtest.PurposeVerify)
			st.hash.VerificationCode = e2eOtherCode(code)
			valid, err := st.db.CheckVerificationHash(t.Context(), st.hash)
			require.NoError(t, err)
			assert.False(t, valid, "wrong code")

			st.hash.VerificationCode = code
			valid, err = st.db.CheckVerificationHash(t.Context(), st.hash)
			require.NoError(t, err)
			assert.True(t, valid)
		}},
		{"verify", []string{"MeshyDB.Verify"}, func(t *testing.T, st *e2eTour) {
			// An app keeps the hash between requests as JSON; the
			// round trip must keep every field byte for byte.
			data, err := json.Marshal(st.hash)
			require.NoError(t, err)
			assert.Contains(t, string(data), `"expires":"2031-03-14T16:09:26.0000000+00:00"`, "the server's text, verbatim")
			var stored meshydb.VerificationHash
			require.NoError(t, json.Unmarshal(data, &stored))
			st.hash = &stored

			require.NoError(t, st.db.Verify(t.Context(), st.hash))
			err = st.db.Verify(t.Context(), st.hash)
			assert.Equal(t, "The user is already verified.", e2eAPIError(t, err, meshydb.ErrBadRequest, http.StatusBadRequest).Message)
			exists, err := st.db.UsernameExists(t.Context(), "ann")
			require.NoError(t, err)
			assert.True(t, exists)
		}},
		{"log in", []string{"MeshyDB.Login", "Client.RefreshToken"}, func(t *testing.T, st *e2eTour) {
			st.ann = e2eLogin(t, st.db, "ann", "ann-pw-1")
			st.password = "ann-pw-1"
			assert.NotEmpty(t, st.ann.RefreshToken())
			observed := st.lastObserved()
			require.NotNil(t, observed)
			assert.Equal(t, st.ann.RefreshToken(), observed.RefreshToken, "the observer saw the login")
		}},
		{"me", []string{"UsersService.Me"}, func(t *testing.T, st *e2eTour) {
			me, err := st.ann.Users.Me(t.Context())
			require.NoError(t, err)
			assert.NotEmpty(t, me.ID)
			assert.NotEqual(t, st.rootID, me.ID)
			st.annID = me.ID
			assert.Equal(t, "ann", me.Username)
			assert.Equal(t, "Ann", me.FirstName)
			assert.Equal(t, "Lee", me.LastName)
			assert.Equal(t, "ann@example.com", me.EmailAddress)
			assert.Empty(t, me.PhoneNumber)
			assert.True(t, me.Verified)
			assert.True(t, me.IsActive)
			assert.False(t, me.Anonymous)
			assert.Empty(t, me.Roles)
			assert.Equal(t, []string{"First pet?"}, e2eQuestions(me.SecurityQuestions))
			assert.NotEmpty(t, me.SecurityQuestions[0].AnswerHash)
			assert.NotContains(t, me.SecurityQuestions[0].AnswerHash, "Rex")
			assert.True(t, me.LastAccessed.Equal(e2eT0), "last accessed %v", me.LastAccessed)
		}},
		{"update me", []string{"UsersService.UpdateMe"}, func(t *testing.T, st *e2eTour) {
			updated, err := st.ann.Users.UpdateMe(t.Context(), &meshydb.UserUpdate{
				FirstName: new("Annie"), PhoneNumber: new("+15550100200"),
			})
			require.NoError(t, err)
			assert.Equal(t, st.annID, updated.ID)
			assert.Equal(t, "Annie", updated.FirstName)
			assert.Equal(t, "+15550100200", updated.PhoneNumber)
			assert.Equal(t, "Lee", updated.LastName, "fields not sent are kept")
			assert.Equal(t, "ann@example.com", updated.EmailAddress)
			assert.Equal(t, []string{"First pet?"}, e2eQuestions(updated.SecurityQuestions))

			me, err := st.ann.Users.Me(t.Context())
			require.NoError(t, err)
			assert.Equal(t, updated, me, "the change is stored")

			_, err = st.ann.Users.UpdateMe(t.Context(), &meshydb.UserUpdate{Roles: &[]string{meshydbtest.AdminRole}})
			assert.Equal(t, "Roles cannot be changed via users/me.", e2eAPIError(t, err, meshydb.ErrBadRequest, http.StatusBadRequest).Message)
		}},
		{"user info", []string{"Client.UserInfo"}, func(t *testing.T, st *e2eTour) {
			info, err := st.ann.UserInfo(t.Context())
			require.NoError(t, err)
			assert.Equal(t, &meshydb.UserInfo{
				Subject: st.annID, Name: "Annie Lee", GivenName: "Annie", FamilyName: "Lee",
				Login: "ann", RateLimit: 10,
			}, info)
		}},
		{"change password", []string{"UsersService.ChangePassword"}, func(t *testing.T, st *e2eTour) {
			err := st.ann.Users.ChangePassword(t.Context(), "not-my-password", "ann-pw-2")
			assert.Equal(t, "The previous password does not match.", e2eAPIError(t, err, meshydb.ErrBadRequest, http.StatusBadRequest).Message)

			require.NoError(t, st.ann.Users.ChangePassword(t.Context(), st.password, "ann-pw-2"))
			_, err = st.db.Login(t.Context(), "ann", st.password)
			e2eGrantError(t, err, "invalid_grant", "Invalid username or password.")
			st.password = "ann-pw-2"
			e2eLogin(t, st.db, "ann", st.password)
			_, err = st.ann.Users.Me(t.Context())
			assert.NoError(t, err, "the session outlives the password change")
		}},
		{"security questions", []string{"UsersService.UpdateMySecurityQuestions"}, func(t *testing.T, st *e2eTour) {
			require.NoError(t, st.ann.Users.UpdateMySecurityQuestions(t.Context(), []meshydb.SecurityAnswer{
				{Question: "First car?", Answer: "Mini"}, {Question: "Home town?", Answer: "Springfield"},
			}))
			me, err := st.ann.Users.Me(t.Context())
			require.NoError(t, err)
			assert.Equal(t, []string{"First car?", "Home town?"}, e2eQuestions(me.SecurityQuestions), "replaced, in order")
			for _, q := range me.SecurityQuestions {
				assert.NotEmpty(t, q.AnswerHash)
				assert.NotContains(t, q.AnswerHash, "Mini")
				assert.NotContains(t, q.AnswerHash, "Springfield")
			}

			before := st.srv.Requests()
			err = st.ann.Users.UpdateMySecurityQuestions(t.Context(), nil)
			assert.ErrorIs(t, err, meshydb.ErrInvalidArgument)
			assert.Equal(t, before, st.srv.Requests(), "caught before anything is sent")
		}},
		{"a member cannot manage users", []string{"UsersService.Search", "UsersService.Create"}, func(t *testing.T, st *e2eTour) {
			_, err := st.ann.Users.Search(t.Context(), nil)
			assert.Equal(t, "The user does not have permission to read users.", e2eAPIError(t, err, meshydb.ErrForbidden, http.StatusForbidden).Message)
			_, err = st.ann.Users.Create(t.Context(), &meshydb.NewUser{Username: "sneaky", NewPassword: "pw"})
			assert.Equal(t, "The user does not have permission to create users.", e2eAPIError(t, err, meshydb.ErrForbidden, http.StatusForbidden).Message)
		}},
		{"admin creates a user", []string{"MeshyDB.Login", "UsersService.Create"}, func(t *testing.T, st *e2eTour) {
			st.root = e2eLogin(t, st.db, "root", "root-pw")
			created, err := st.root.Users.Create(t.Context(), &meshydb.NewUser{
				Username: "bob", NewPassword: "bob-pw", FirstName: "Bob", LastName: "Brown",
				EmailAddress: "bob@example.com", Roles: []string{"editor"},
				SecurityQuestions: []meshydb.SecurityAnswer{{Question: "Pet?", Answer: "Rex"}},
			})
			require.NoError(t, err)
			assert.NotEmpty(t, created.ID)
			assert.Equal(t, "bob", created.Username)
			assert.Equal(t, "Bob", created.FirstName)
			assert.Equal(t, "Brown", created.LastName)
			assert.Equal(t, "bob@example.com", created.EmailAddress)
			assert.True(t, created.Verified, "verified unless the request says otherwise")
			assert.True(t, created.IsActive)
			assert.False(t, created.Anonymous)
			assert.Equal(t, []string{"editor"}, e2eRoleNames(created.Roles))
			assert.True(t, created.Roles[0].AddedDate.Equal(e2eT0), "added %v", created.Roles[0].AddedDate)
			assert.Equal(t, []string{"Pet?"}, e2eQuestions(created.SecurityQuestions))
			assert.True(t, created.LastAccessed.IsZero(), "never accessed")
			st.bob = created

			_, err = st.root.Users.Create(t.Context(), &meshydb.NewUser{Username: "BOB", NewPassword: "x"})
			assert.Equal(t, "The username must be unique.", e2eAPIError(t, err, meshydb.ErrBadRequest, http.StatusBadRequest).Message)
		}},
		{"admin gets the user", []string{"UsersService.Get"}, func(t *testing.T, st *e2eTour) {
			got, err := st.root.Users.Get(t.Context(), st.bob.ID)
			require.NoError(t, err)
			assert.Equal(t, st.bob, got)

			_, err = st.root.Users.Get(t.Context(), "no-such-id")
			assert.Equal(t, "User not found.", e2eAPIError(t, err, meshydb.ErrNotFound, http.StatusNotFound).Message)

			me, err := e2eLogin(t, st.db, "bob", "bob-pw").Users.Me(t.Context())
			require.NoError(t, err)
			assert.Equal(t, st.bob.ID, me.ID, "the created user can log in")
		}},
		{"admin updates the user", []string{"UsersService.Update"}, func(t *testing.T, st *e2eTour) {
			st.clock.Advance(time.Minute)
			updated, err := st.root.Users.Update(t.Context(), st.bob.ID, &meshydb.UserUpdate{
				LastName: new("Stone"), Roles: &[]string{"editor", "reviewer"},
			})
			require.NoError(t, err)
			assert.Equal(t, st.bob.ID, updated.ID)
			assert.Equal(t, "Bob", updated.FirstName, "fields not sent are kept")
			assert.Equal(t, "Stone", updated.LastName)
			assert.Equal(t, "bob@example.com", updated.EmailAddress)
			require.Equal(t, []string{"editor", "reviewer"}, e2eRoleNames(updated.Roles))
			assert.True(t, updated.Roles[0].AddedDate.Equal(e2eT0), "a kept role keeps its date")
			assert.True(t, updated.Roles[1].AddedDate.Equal(e2eT0.Add(time.Minute)), "a new role is dated now")
			st.bob = updated
		}},
		{"admin sets the user's questions", []string{"UsersService.UpdateSecurityQuestions"}, func(t *testing.T, st *e2eTour) {
			require.NoError(t, st.root.Users.UpdateSecurityQuestions(t.Context(), st.bob.ID, []meshydb.SecurityAnswer{
				{Question: "Town?", Answer: "Springfield"}, {Question: "Car?", Answer: "Mini"},
			}))
			got, err := st.root.Users.Get(t.Context(), st.bob.ID)
			require.NoError(t, err)
			assert.Equal(t, []string{"Town?", "Car?"}, e2eQuestions(got.SecurityQuestions))
			assert.Equal(t, "Stone", got.LastName)
			st.bob = got
		}},
		{"admin searches", []string{"UsersService.Search"}, func(t *testing.T, st *e2eTour) {
			tests := []struct {
				search *meshydb.UserSearch
				want   []string
				page   meshydb.UserPage // Page, PageSize and TotalRecords
			}{
				{nil, []string{"root", "ann", "bob"}, meshydb.UserPage{Page: 1, PageSize: 25, TotalRecords: 3}},
				{&meshydb.UserSearch{Name: "B"}, []string{"bob"}, meshydb.UserPage{Page: 1, PageSize: 25, TotalRecords: 1}},
				{&meshydb.UserSearch{Name: "lee"}, []string{"ann"}, meshydb.UserPage{Page: 1, PageSize: 25, TotalRecords: 1}},
				{&meshydb.UserSearch{RoleID: "reviewer"}, []string{"bob"}, meshydb.UserPage{Page: 1, PageSize: 25, TotalRecords: 1}},
				{&meshydb.UserSearch{OrderBy: `{"username": 1}`, PageSize: 2}, []string{"ann", "bob"}, meshydb.UserPage{Page: 1, PageSize: 2, TotalRecords: 3}},
				{&meshydb.UserSearch{OrderBy: `{"username": 1}`, PageSize: 2, Page: 2}, []string{"root"}, meshydb.UserPage{Page: 2, PageSize: 2, TotalRecords: 3}},
				{&meshydb.UserSearch{Name: "nobody"}, []string{}, meshydb.UserPage{Page: 1, PageSize: 25, TotalRecords: 0}},
			}
			for _, tt := range tests {
				page, err := st.root.Users.Search(t.Context(), tt.search)
				require.NoError(t, err, "%+v", tt.search)
				assert.Equal(t, tt.want, e2eUsernames(page.Results), "%+v", tt.search)
				assert.Equal(t, tt.page.Page, page.Page, "%+v", tt.search)
				assert.Equal(t, tt.page.PageSize, page.PageSize, "%+v", tt.search)
				assert.Equal(t, tt.page.TotalRecords, page.TotalRecords, "%+v", tt.search)
			}
			page, err := st.root.Users.Search(t.Context(), &meshydb.UserSearch{Name: "bob"})
			require.NoError(t, err)
			require.Len(t, page.Results, 1)
			assert.Equal(t, *st.bob, page.Results[0], "a search result is the whole user")
		}},
		{"admin walks all users", []string{"UsersService.All"}, func(t *testing.T, st *e2eTour) {
			before := st.srv.RequestsTo(http.MethodGet, "users")
			names, _, err := e2eCollect(st.root.Users.All(t.Context(), &meshydb.UserSearch{OrderBy: `{"username": -1}`, PageSize: 2}))
			require.NoError(t, err)
			assert.Equal(t, []string{"root", "bob", "ann"}, names)
			assert.Equal(t, before+2, st.srv.RequestsTo(http.MethodGet, "users"), "two pages of two")

			// Breaking out early fetches no further page.
			before = st.srv.RequestsTo(http.MethodGet, "users")
			for u, err := range st.root.Users.All(t.Context(), &meshydb.UserSearch{OrderBy: `{"username": 1}`, PageSize: 1}) {
				require.NoError(t, err)
				assert.Equal(t, "ann", u.Username)
				break
			}
			assert.Equal(t, before+1, st.srv.RequestsTo(http.MethodGet, "users"))
		}},
		{"admin deletes the user", []string{"UsersService.Delete"}, func(t *testing.T, st *e2eTour) {
			require.NoError(t, st.root.Users.Delete(t.Context(), st.bob.ID))
			_, err := st.root.Users.Get(t.Context(), st.bob.ID)
			e2eAPIError(t, err, meshydb.ErrNotFound, http.StatusNotFound)
			err = st.root.Users.Delete(t.Context(), st.bob.ID)
			e2eAPIError(t, err, meshydb.ErrNotFound, http.StatusNotFound)
			_, err = st.db.Login(t.Context(), "bob", "bob-pw")
			e2eGrantError(t, err, "invalid_grant", "Invalid username or password.")
			exists, err := st.db.UsernameExists(t.Context(), "bob")
			require.NoError(t, err)
			assert.False(t, exists)

			err = st.root.Users.Delete(t.Context(), st.rootID)
			assert.Equal(t, "A user cannot delete itself.", e2eAPIError(t, err, meshydb.ErrBadRequest, http.StatusBadRequest).Message)
		}},
		{"token", []string{"Client.Token", "Client.RefreshToken"}, func(t *testing.T, st *e2eTour) {
			tokens := st.srv.RequestsTo(http.MethodPost, "connect/token")
			tok, err := st.ann.Token(t.Context())
			require.NoError(t, err)
			assert.NotEmpty(t, tok.AccessToken)
			assert.Equal(t, "Bearer", tok.Type())
			assert.Equal(t, st.ann.RefreshToken(), tok.RefreshToken)
			assert.True(t, tok.Expiry.After(time.Now()), "expiry %v", tok.Expiry)
			assert.Equal(t, tokens, st.srv.RequestsTo(http.MethodPost, "connect/token"), "no refresh needed")
		}},
		{"token source", []string{"Client.TokenSource"}, func(t *testing.T, st *e2eTour) {
			want, err := st.ann.Token(t.Context())
			require.NoError(t, err)
			tok, err := st.ann.TokenSource().Token()
			require.NoError(t, err)
			assert.Equal(t, want.AccessToken, tok.AccessToken)

			tr := &http.Transport{}
			t.Cleanup(tr.CloseIdleConnections)
			hc := &http.Client{Transport: &oauth2.Transport{Source: st.ann.TokenSource(), Base: tr}}
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, st.srv.URL+"/"+meshydbtest.DefaultClientKey+"/connect/userinfo", nil)
			require.NoError(t, err)
			req.Header.Set("tenant", "acme")
			resp, err := hc.Do(req)
			require.NoError(t, err)
			var claims map[string]any
			require.NoError(t, e2eDecode(resp, &claims))
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, st.annID, claims["sub"])
			assert.Equal(t, "ann", claims["id"])
		}},
		{"restore a session from the refresh token", []string{"Client.RefreshToken", "MeshyDB.LoginWithRefreshToken"}, func(t *testing.T, st *e2eTour) {
			saved := st.ann.RefreshToken()
			restored, err := st.db.LoginWithRefreshToken(t.Context(), saved)
			require.NoError(t, err)
			assert.NotEmpty(t, restored.RefreshToken())
			assert.NotEqual(t, saved, restored.RefreshToken(), "rotated")
			assert.Equal(t, restored.RefreshToken(), st.lastObserved().RefreshToken, "the observer saw the new refresh token")
			me, err := restored.Users.Me(t.Context())
			require.NoError(t, err)
			assert.Equal(t, st.annID, me.ID)
			st.restored = restored

			_, err = st.db.LoginWithRefreshToken(t.Context(), saved)
			e2eGrantError(t, err, "invalid_grant", "The refresh token is invalid.")
		}},
		{"resume a saved token", []string{"Client.Token", "MeshyDB.Resume"}, func(t *testing.T, st *e2eTour) {
			tok, err := st.restored.Token(t.Context())
			require.NoError(t, err)
			before := st.srv.Requests()
			resumed, err := st.db.Resume(tok)
			require.NoError(t, err)
			assert.Equal(t, before, st.srv.Requests(), "Resume sends nothing")
			assert.Equal(t, tok.RefreshToken, resumed.RefreshToken())
			info, err := resumed.UserInfo(t.Context())
			require.NoError(t, err)
			assert.Equal(t, st.annID, info.Subject)
			st.resumed = resumed
		}},
		{"log out", []string{"Client.Logout"}, func(t *testing.T, st *e2eTour) {
			saved := st.resumed.RefreshToken()
			require.NoError(t, st.resumed.Logout(t.Context()))
			assert.Empty(t, st.resumed.RefreshToken())

			before := st.srv.Requests()
			_, err := st.resumed.Users.Me(t.Context())
			assert.ErrorIs(t, err, meshydb.ErrLoggedOut)
			_, err = st.resumed.UserInfo(t.Context())
			assert.ErrorIs(t, err, meshydb.ErrLoggedOut)
			_, err = st.resumed.TokenSource().Token()
			assert.ErrorIs(t, err, meshydb.ErrLoggedOut)
			assert.NoError(t, st.resumed.Logout(t.Context()), "logging out twice is fine")
			assert.Equal(t, before, st.srv.Requests(), "nothing is sent after Logout")

			// The saved refresh token was revoked: it restores nothing.
			c, err := st.db.LoginWithRefreshToken(t.Context(), saved)
			assert.Nil(t, c)
			e2eGrantError(t, err, "invalid_grant", "The refresh token is invalid.")
		}},
		{"recover the password", []string{"MeshyDB.ForgotPassword", "MeshyDB.ForgotPasswordAttempt", "MeshyDB.CheckHash", "MeshyDB.ResetPassword"}, func(t *testing.T, st *e2eTour) {
			ctx := t.Context()
			phone := e2eLogin(t, st.db, "ann", st.password) // another device, signed in

			first, err := st.db.ForgotPassword(ctx, "ann")
			require.NoError(t, err)
			assert.Equal(t, "ann", first.Username)
			assert.Equal(t, 1, first.Attempt)
			assert.Empty(t, first.Hint)
			assert.True(t, first.Expires.Equal(st.clock.Now().Add(time.Hour)), "expires %v", first.Expires)
			second, err := st.db.ForgotPasswordAttempt(ctx, "ann", 2)
			require.NoError(t, err)
			assert.Equal(t, 2, second.Attempt)
			assert.NotEqual(t, first.Hash, second.Hash)

			msgs := e2eMessages(st.srv, "acme", "ann", meshydbtest.PurposeReset)
			require.Len(t, msgs, 2)
			for _, m := range msgs {
				assert.Equal(t, "ann@example.com", m.To)
				assert.Equal(t, meshydbtest.ChannelEmail, m.Channel)
			}
			first.VerificationCode, second.VerificationCode = msgs[0].Code, msgs[1].Code

			wrong := *second
			wrong.VerificationCode = e2eOtherCode(second.VerificationCode)
			valid, err := st.db.CheckHash(ctx, &wrong)
			require.NoError(t, err)
			assert.False(t, valid, "wrong code")
			valid, err = st.db.CheckHash(ctx, second)
			require.NoError(t, err)
			assert.True(t, valid)

			data, err := json.Marshal(second) // kept between requests
			require.NoError(t, err)
			var stored meshydb.PasswordResetHash
			require.NoError(t, json.Unmarshal(data, &stored))
			assert.Equal(t, second.Hash, stored.Hash)
			assert.Equal(t, 2, stored.Attempt)
			require.NoError(t, st.db.ResetPassword(ctx, &stored, "ann-pw-3"))
			_, err = st.db.Login(ctx, "ann", st.password)
			e2eGrantError(t, err, "invalid_grant", "Invalid username or password.")
			st.password = "ann-pw-3"
			e2eLogin(t, st.db, "ann", st.password)

			valid, err = st.db.CheckHash(ctx, first)
			require.NoError(t, err)
			assert.False(t, valid, "the reset spent every earlier hash")
			_, err = st.db.LoginWithRefreshToken(ctx, phone.RefreshToken())
			e2eGrantError(t, err, "invalid_grant", "The refresh token is invalid.")
		}},
		{"a guest signs in anonymously", []string{"MeshyDB.RegisterAnonymous", "MeshyDB.LoginAnonymously"}, func(t *testing.T, st *e2eTour) {
			ctx := t.Context()
			guest, err := st.db.RegisterAnonymous(ctx, "guest-1")
			require.NoError(t, err)
			assert.NotEmpty(t, guest.ID)
			assert.Equal(t, "guest-1", guest.Username)
			assert.True(t, guest.Anonymous)
			assert.True(t, guest.IsActive)

			c, err := st.db.LoginAnonymously(ctx, "guest-1")
			require.NoError(t, err)
			me, err := c.Users.Me(ctx)
			require.NoError(t, err)
			assert.Equal(t, guest.ID, me.ID)
			assert.True(t, me.Anonymous)
			assert.Equal(t, 1, st.srv.RequestsTo(http.MethodPost, "users/register/anonymous"), "an existing guest is not registered again")

			c2, err := st.db.LoginAnonymously(ctx, "guest-2")
			require.NoError(t, err)
			me, err = c2.Users.Me(ctx)
			require.NoError(t, err)
			assert.Equal(t, "guest-2", me.Username)
			assert.True(t, me.Anonymous)
			assert.Equal(t, 2, st.srv.RequestsTo(http.MethodPost, "users/register/anonymous"))

			_, err = st.db.RegisterAnonymous(ctx, "GUEST-2")
			assert.Equal(t, "The username must be unique.", e2eAPIError(t, err, meshydb.ErrBadRequest, http.StatusBadRequest).Message)
			_, err = st.db.ForgotPassword(ctx, "guest-1")
			assert.Equal(t, "Anonymous users cannot recover a password.", e2eAPIError(t, err, meshydb.ErrBadRequest, http.StatusBadRequest).Message)
			err = c.Users.ChangePassword(ctx, "nopassword", "mine")
			assert.Equal(t, "Anonymous users cannot change their password.", e2eAPIError(t, err, meshydb.ErrBadRequest, http.StatusBadRequest).Message)
		}},
		{"close idle connections", []string{"MeshyDB.CloseIdleConnections"}, func(t *testing.T, st *e2eTour) {
			st.db.CloseIdleConnections()
			exists, err := st.db.UsernameExists(t.Context(), "guest-2")
			require.NoError(t, err, "the SDK dials again")
			assert.True(t, exists)
		}},
	}

	called := map[string]bool{}
	for _, step := range steps {
		if !t.Run(step.name, func(t *testing.T) { step.run(t, st) }) {
			t.Fatalf("step %q failed; the later steps depend on it", step.name)
		}
		for _, name := range step.calls {
			called[name] = true
		}
	}

	var missing []string
	for _, name := range e2eSDKMethods() {
		if !called[name] {
			missing = append(missing, name)
		}
		delete(called, name)
	}
	assert.Empty(t, missing, "exported SDK methods the tour never calls")
	assert.Empty(t, called, "tour steps name methods the SDK does not have")
}
