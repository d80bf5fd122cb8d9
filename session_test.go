package meshydb_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/meshydb/meshydb-go"
)

// Names used throughout the session tests. Helpers carry a "sess" prefix
// because other test files share the meshydb_test package.
const (
	sessClientKey = "clientkey"
	sessTenant    = "tenant-a"
	sessPublicKey = "publickey"

	sessAPI  = mockAPIURL
	sessAuth = mockAuthURL

	sessTokenURL        = sessAuth + "/" + sessClientKey + "/connect/token"
	sessRevokeURL       = sessAuth + "/" + sessClientKey + "/connect/revocation"
	sessUserInfoURL     = sessAuth + "/" + sessClientKey + "/connect/userinfo"
	sessRegisterAnonURL = sessAPI + "/" + sessClientKey + "/users/register/anonymous"

	sessUserAgent   = "meshydb-go/" + meshydb.Version
	sessFormType    = "application/x-www-form-urlencoded"
	sessJSONType    = "application/json"
	sessPassword    = "S3cr3t-P@ssw0rd!"
	sessAnonPass    = "nopassword"
	sessTokenAnswer = `{"access_token":"at","expires_in":3600,"token_type":"Bearer","refresh_token":"rt"}`

	// sessUserInfoRef is the example answer of connect/userinfo in the
	// reference.
	sessUserInfoRef = `{"sub":"5c990a772a8fc94ec4b3dc20","name":"","given_name":"","family_name":"","id":"login@email.com","rate_limit":"10","role":"admin"}`
)

// sessExistsURL is the exists call for an already escaped username.
func sessExistsURL(escaped string) string {
	return sessAPI + "/" + sessClientKey + "/users/" + escaped + "/exists"
}

// sessApp is the app of the session tests: on the fake API and auth hosts,
// with retries off so that requests can be counted after error answers.
var sessApp = mockApp{clientKey: sessClientKey, publicKey: sessPublicKey, opts: onMockHosts}

// sessLogin signs in "bob" against s, answering the grant with
// sessTokenAnswer.
func sessLogin(s *mockServer, db *meshydb.MeshyDB) *meshydb.Client {
	s.t.Helper()
	s.respond(http.MethodPost, sessTokenURL, http.StatusOK, sessTokenAnswer)
	c, err := db.Login(context.Background(), "bob", sessPassword)
	require.NoError(s.t, err)
	require.NotNil(s.t, c)
	return c
}

// sessAssertHeaders checks the headers every request carries: Accept,
// User-Agent, Tenant (absent for the default tenant), Content-Type
// (absent without a body) and Authorization (absent without a bearer).
func sessAssertHeaders(t *testing.T, r mockRequest, tenant, contentType, bearer string) {
	t.Helper()
	assert.Equal(t, []string{"application/json"}, r.Header.Values("Accept"), "Accept")
	assert.Equal(t, []string{sessUserAgent}, r.Header.Values("User-Agent"), "User-Agent")
	if tenant == "" {
		assert.Empty(t, r.Header.Values("Tenant"), "no Tenant header for the default tenant")
	} else {
		assert.Equal(t, []string{tenant}, r.Header.Values("Tenant"), "Tenant")
	}
	if contentType == "" {
		assert.Empty(t, r.Header.Values("Content-Type"), "no Content-Type without a body")
		assert.Empty(t, r.Body, "no body")
	} else {
		assert.Equal(t, []string{contentType}, r.Header.Values("Content-Type"), "Content-Type")
	}
	if bearer == "" {
		assert.Empty(t, r.Header.Values("Authorization"), "no Authorization header")
	} else {
		assert.Equal(t, []string{"Bearer " + bearer}, r.Header.Values("Authorization"), "Authorization")
	}
}

// sessAssertForm checks a form-encoded request: method POST, the exact URL,
// the common headers, and exactly the form fields want.
func sessAssertForm(t *testing.T, r mockRequest, wantURL, tenant string, want url.Values) {
	t.Helper()
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, wantURL, r.URL)
	sessAssertHeaders(t, r, tenant, sessFormType, "")
	got, err := url.ParseQuery(string(r.Body))
	require.NoError(t, err, "form body %q", r.Body)
	assert.Equal(t, want, got, "form fields")
}

// sessPasswordForm is the exact password grant form for username/password.
func sessPasswordForm(username, password string) url.Values {
	return url.Values{
		"grant_type": {"password"},
		"username":   {username},
		"password":   {password},
		"scope":      {"meshy.api offline_access"},
		"client_id":  {sessPublicKey},
	}
}

// sessRefreshForm is the exact refresh_token grant form.
func sessRefreshForm(refreshToken string) url.Values {
	return url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {refreshToken},
		"client_id":     {sessPublicKey},
	}
}

// sessRequireAPIError checks err is an *APIError with status and returns it.
func sessRequireAPIError(t *testing.T, err error, status int) *meshydb.APIError {
	t.Helper()
	require.Error(t, err)
	var apiErr *meshydb.APIError
	require.True(t, errors.As(err, &apiErr), "errors.As(%T) to *APIError: %v", err, err)
	assert.Equal(t, status, apiErr.StatusCode)
	return apiErr
}

// sessAssertNoSecret checks secret appears nowhere in err.
func sessAssertNoSecret(t *testing.T, err error, secret string) {
	t.Helper()
	for _, text := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%s", err)} {
		assert.NotContains(t, text, secret, "a secret leaked into the error text")
	}
	var apiErr *meshydb.APIError
	if errors.As(err, &apiErr) {
		for name, field := range map[string]string{"URL": apiErr.URL, "Message": apiErr.Message, "Code": apiErr.Code, "Method": apiErr.Method, "Body": string(apiErr.Body)} {
			assert.NotContains(t, field, secret, "a secret leaked into APIError.%s", name)
		}
		assert.NotContains(t, fmt.Sprintf("%+v", *apiErr), secret, "a secret leaked into the APIError fields")
	}
}

// --- Login -----------------------------------------------------------------

func TestSessLoginWireFormat(t *testing.T) {
	t.Parallel()
	for _, tenant := range []string{sessTenant, ""} {
		t.Run(fmt.Sprintf("tenant=%q", tenant), func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, sessApp)
			db := s.db(tenant)
			s.respond(http.MethodPost, sessTokenURL, http.StatusOK, sessTokenAnswer)

			c, err := db.Login(context.Background(), "bob", sessPassword)
			require.NoError(t, err)
			require.NotNil(t, c)

			reqs := s.requests()
			require.Len(t, reqs, 1, "Login makes exactly one request")
			r := reqs[0]
			sessAssertForm(t, r, sessTokenURL, tenant, sessPasswordForm("bob", sessPassword))
			got, _ := url.ParseQuery(string(r.Body))
			assert.NotContains(t, got, "client_secret", "a public client sends no client_secret")

			tok, err := c.Token(context.Background())
			require.NoError(t, err)
			assert.Equal(t, "at", tok.AccessToken)
			assert.Equal(t, "rt", tok.RefreshToken)
			assert.Equal(t, "Bearer", tok.Type())
			assert.WithinDuration(t, time.Now().Add(time.Hour), tok.Expiry, time.Minute, "expires_in 3600 is about an hour ahead")
			assert.Equal(t, "rt", c.RefreshToken())
			assert.Equal(t, 1, s.count(), "Token on a fresh token sends nothing")
		})
	}
}

func TestSessLoginValidation(t *testing.T) {
	t.Parallel()
	var nilCtx context.Context
	tests := []struct {
		name, field        string
		ctx                context.Context
		username, password string
	}{
		{"empty username", "username", context.Background(), "", sessPassword},
		{"blank username", "username", context.Background(), " \t ", sessPassword},
		{"empty password", "password", context.Background(), "bob", ""},
		{"nil ctx", "ctx", nilCtx, "bob", sessPassword},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, sessApp)
			db := s.db(sessTenant)
			c, err := db.Login(tt.ctx, tt.username, tt.password)
			assert.Nil(t, c)
			requireInvalid(t, err, tt.field)
			assert.Zero(t, s.count(), "nothing may be sent")
			if tt.password != "" {
				sessAssertNoSecret(t, err, tt.password)
			}
		})
	}
}

func TestSessLoginInvalidGrant(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, sessApp)
	db := s.db(sessTenant)
	s.respond(http.MethodPost, sessTokenURL, http.StatusBadRequest,
		`{"error":"invalid_grant","error_description":"Invalid username or password."}`)

	c, err := db.Login(context.Background(), "bob", sessPassword)
	assert.Nil(t, c)
	apiErr := sessRequireAPIError(t, err, http.StatusBadRequest)
	assert.Equal(t, "invalid_grant", apiErr.Code)
	assert.Equal(t, "Invalid username or password.", apiErr.Message)
	assert.Equal(t, http.MethodPost, apiErr.Method)
	assert.Equal(t, sessTokenURL, apiErr.URL)
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)
	assert.NotErrorIs(t, err, meshydb.ErrUnauthorized)
	assert.Contains(t, err.Error(), "Invalid username or password.")
	sessAssertNoSecret(t, err, sessPassword)

	reqs := s.requests()
	require.Len(t, reqs, 1, "a failed grant is sent once")
	sessAssertForm(t, reqs[0], sessTokenURL, sessTenant, sessPasswordForm("bob", sessPassword))
}

func TestSessLoginInvalidClient(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, sessApp)
	db := s.db(sessTenant)
	s.respond(http.MethodPost, sessTokenURL, http.StatusUnauthorized, `{"error":"invalid_client"}`)

	_, err := db.Login(context.Background(), "bob", sessPassword)
	apiErr := sessRequireAPIError(t, err, http.StatusUnauthorized)
	assert.Equal(t, "invalid_client", apiErr.Code)
	assert.ErrorIs(t, err, meshydb.ErrUnauthorized)
	assert.NotErrorIs(t, err, meshydb.ErrBadRequest)
	sessAssertNoSecret(t, err, sessPassword)
	assert.Equal(t, 1, s.count())
}

func TestSessLoginTransportError(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, sessApp)
	db := s.db(sessTenant)
	errDown := errors.New("sess: connection reset by mock")
	s.handle(http.MethodPost, sessTokenURL, func(*http.Request) (*http.Response, error) {
		return nil, errDown
	})

	c, err := db.Login(context.Background(), "bob", sessPassword)
	assert.Nil(t, c)
	require.Error(t, err)
	assert.ErrorIs(t, err, errDown, "the transport's error must stay unwrappable")
	var apiErr *meshydb.APIError
	assert.False(t, errors.As(err, &apiErr), "no answer, so no *APIError")
	assert.NotErrorIs(t, err, meshydb.ErrInvalidArgument)
	sessAssertNoSecret(t, err, sessPassword)
	assert.Equal(t, 1, s.count())
}

// --- LoginWithRefreshToken ---------------------------------------------------

func TestSessLoginWithRefreshTokenKeepsRefreshToken(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, sessApp)
	db := s.db(sessTenant)
	// No refresh_token in the answer: the one given is kept.
	s.respond(http.MethodPost, sessTokenURL, http.StatusOK, `{"access_token":"at2","expires_in":3600,"token_type":"Bearer"}`)

	c, err := db.LoginWithRefreshToken(context.Background(), "saved-rt")
	require.NoError(t, err)
	require.NotNil(t, c)

	reqs := s.requests()
	require.Len(t, reqs, 1)
	sessAssertForm(t, reqs[0], sessTokenURL, sessTenant, sessRefreshForm("saved-rt"))

	assert.Equal(t, "saved-rt", c.RefreshToken())
	tok, err := c.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "at2", tok.AccessToken)
	assert.Equal(t, "saved-rt", tok.RefreshToken)
	assert.WithinDuration(t, time.Now().Add(time.Hour), tok.Expiry, time.Minute)
	assert.Equal(t, 1, s.count())
}

func TestSessLoginWithRefreshTokenRotation(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, sessApp)
	db := s.db("")
	s.respond(http.MethodPost, sessTokenURL, http.StatusOK, `{"access_token":"at2","expires_in":3600,"token_type":"Bearer","refresh_token":"rt2"}`)

	c, err := db.LoginWithRefreshToken(context.Background(), "saved-rt")
	require.NoError(t, err)

	reqs := s.requests()
	require.Len(t, reqs, 1)
	sessAssertForm(t, reqs[0], sessTokenURL, "", sessRefreshForm("saved-rt"))
	assert.Equal(t, "rt2", c.RefreshToken(), "a rotated refresh token replaces the old one")
	tok, err := c.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "at2", tok.AccessToken)
	assert.Equal(t, "rt2", tok.RefreshToken)
}

func TestSessLoginWithRefreshTokenValidation(t *testing.T) {
	t.Parallel()
	var nilCtx context.Context
	tests := []struct {
		name, field string
		ctx         context.Context
		token       string
	}{
		{"empty", "refreshToken", context.Background(), ""},
		{"blank", "refreshToken", context.Background(), "   "},
		{"nil ctx", "ctx", nilCtx, "saved-rt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, sessApp)
			c, err := s.db(sessTenant).LoginWithRefreshToken(tt.ctx, tt.token)
			assert.Nil(t, c)
			requireInvalid(t, err, tt.field)
			assert.Zero(t, s.count(), "nothing may be sent")
		})
	}
}

func TestSessLoginWithRefreshTokenInvalid(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, sessApp)
	db := s.db(sessTenant)
	const secret = "secret-refresh-token-123"
	s.respond(http.MethodPost, sessTokenURL, http.StatusBadRequest, `{"error":"invalid_grant","error_description":"Refresh token expired."}`)

	c, err := db.LoginWithRefreshToken(context.Background(), secret)
	assert.Nil(t, c)
	apiErr := sessRequireAPIError(t, err, http.StatusBadRequest)
	assert.Equal(t, "invalid_grant", apiErr.Code)
	assert.Equal(t, "Refresh token expired.", apiErr.Message)
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)
	sessAssertNoSecret(t, err, secret)
	assert.Equal(t, 1, s.count())
}

// --- Resume and Token --------------------------------------------------------

func TestSessResumeSendsNothing(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, sessApp)
	db := s.db(sessTenant)
	tok := &oauth2.Token{AccessToken: "saved-at", RefreshToken: "saved-rt", TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}

	c, err := db.Resume(tok)
	require.NoError(t, err)
	require.NotNil(t, c)
	assert.Equal(t, "saved-rt", c.RefreshToken())
	got, err := c.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "saved-at", got.AccessToken)
	assert.Zero(t, s.count(), "Resume with a valid token makes no request")
}

func TestSessResumeValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		tok  *oauth2.Token
	}{
		{"nil", nil},
		{"empty", &oauth2.Token{}},
		{"type and expiry only", &oauth2.Token{TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, sessApp)
			c, err := s.db(sessTenant).Resume(tt.tok)
			assert.Nil(t, c)
			requireInvalid(t, err, "tok")
			assert.Zero(t, s.count())
		})
	}
}

func TestSessResumeUsesTokenAsBearer(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, sessApp)
	db := s.db(sessTenant)
	s.respond(http.MethodGet, sessUserInfoURL, http.StatusOK, sessUserInfoRef)
	tok := &oauth2.Token{AccessToken: "saved-at", RefreshToken: "saved-rt", Expiry: time.Now().Add(time.Hour)}

	c, err := db.Resume(tok)
	require.NoError(t, err)
	// The Client keeps its own copy of the token.
	tok.AccessToken = "changed-at"
	tok.RefreshToken = "changed-rt"
	tok.Expiry = time.Now().Add(-time.Hour)

	info, err := c.UserInfo(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "login@email.com", info.Login)

	reqs := s.requests()
	require.Len(t, reqs, 1, "a valid resumed token is used without a refresh")
	assert.Equal(t, http.MethodGet, reqs[0].Method)
	assert.Equal(t, sessUserInfoURL, reqs[0].URL)
	sessAssertHeaders(t, reqs[0], sessTenant, "", "saved-at")

	assert.Equal(t, "saved-rt", c.RefreshToken(), "mutating the token given to Resume must not change the Client")
	got, err := c.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "saved-at", got.AccessToken)
}

func TestSessTokenReturnsCopy(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, sessApp)
	c, err := s.db(sessTenant).Resume(&oauth2.Token{AccessToken: "saved-at", RefreshToken: "saved-rt", Expiry: time.Now().Add(time.Hour)})
	require.NoError(t, err)

	first, err := c.Token(context.Background())
	require.NoError(t, err)
	first.AccessToken = "mutated"
	first.RefreshToken = "mutated"
	first.Expiry = time.Now().Add(-time.Hour)

	second, err := c.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "saved-at", second.AccessToken)
	assert.Equal(t, "saved-rt", second.RefreshToken)
	assert.True(t, second.Expiry.After(time.Now()), "expiry unchanged")
	assert.Equal(t, "saved-rt", c.RefreshToken())

	viaSource, err := c.TokenSource().Token()
	require.NoError(t, err)
	assert.Equal(t, "saved-at", viaSource.AccessToken)
	assert.Zero(t, s.count())

	var nilCtx context.Context
	_, err = c.Token(nilCtx)
	requireInvalid(t, err, "ctx")
}

func TestSessTokenRefreshesExpiredToken(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, sessApp)
	var observed []string
	var mu sync.Mutex
	db := s.db(sessTenant, meshydb.WithTokenObserver(func(_ *meshydb.Client, tok *oauth2.Token) {
		mu.Lock()
		defer mu.Unlock()
		observed = append(observed, tok.AccessToken+"/"+tok.RefreshToken)
	}))
	s.respond(http.MethodPost, sessTokenURL, http.StatusOK, `{"access_token":"at2","expires_in":3600,"token_type":"Bearer","refresh_token":"rt2"}`)
	c, err := db.Resume(&oauth2.Token{AccessToken: "old-at", RefreshToken: "old-rt", Expiry: time.Now().Add(-time.Minute)})
	require.NoError(t, err)
	assert.Zero(t, s.count(), "Resume itself sends nothing, even for an expired token")

	// Many callers at once: one refresh, shared.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			tok, err := c.Token(context.Background())
			if assert.NoError(t, err) {
				assert.Equal(t, "at2", tok.AccessToken)
			}
		})
	}
	wg.Wait()

	reqs := s.requests()
	require.Len(t, reqs, 1, "one refresh for all callers")
	sessAssertForm(t, reqs[0], sessTokenURL, sessTenant, sessRefreshForm("old-rt"))
	assert.Equal(t, "rt2", c.RefreshToken())
	mu.Lock()
	assert.Equal(t, []string{"at2/rt2"}, observed, "the observer hears about the refresh once")
	mu.Unlock()
}

func TestSessTokenExpiredWithoutRefreshToken(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, sessApp)
	c, err := s.db(sessTenant).Resume(&oauth2.Token{AccessToken: "old-at", Expiry: time.Now().Add(-time.Minute)})
	require.NoError(t, err)
	_, err = c.Token(context.Background())
	require.Error(t, err)
	assert.ErrorIs(t, err, meshydb.ErrUnauthorized)
	_, err = c.UserInfo(context.Background())
	assert.ErrorIs(t, err, meshydb.ErrUnauthorized)
	assert.Zero(t, s.count(), "nothing can be refreshed, so nothing is sent")
}

func TestSessResumeRefreshTokenOnly(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, sessApp)
	db := s.db(sessTenant)
	s.respond(http.MethodPost, sessTokenURL, http.StatusOK, `{"access_token":"at2","expires_in":3600,"token_type":"Bearer"}`)
	s.respond(http.MethodGet, sessUserInfoURL, http.StatusOK, sessUserInfoRef)

	c, err := db.Resume(&oauth2.Token{RefreshToken: "saved-rt"})
	require.NoError(t, err)
	assert.Zero(t, s.count())

	_, err = c.UserInfo(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"POST " + sessTokenURL, "GET " + sessUserInfoURL}, s.calls())
	reqs := s.requests()
	sessAssertForm(t, reqs[0], sessTokenURL, sessTenant, sessRefreshForm("saved-rt"))
	sessAssertHeaders(t, reqs[1], sessTenant, "", "at2")
	assert.Equal(t, "saved-rt", c.RefreshToken(), "an unrotated refresh token is kept")
}

// --- 401 handling --------------------------------------------------------------

func TestSessUnauthorizedRefreshesOnce(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, sessApp)
	db := s.db(sessTenant)
	c := sessLogin(s, db)
	s.respond(http.MethodPost, sessTokenURL, http.StatusOK, `{"access_token":"at2","expires_in":3600,"token_type":"Bearer","refresh_token":"rt2"}`)
	var mu sync.Mutex
	userinfoCalls := 0
	s.handle(http.MethodGet, sessUserInfoURL, func(req *http.Request) (*http.Response, error) {
		mu.Lock()
		defer mu.Unlock()
		userinfoCalls++
		if userinfoCalls == 1 {
			return mockJSON(http.StatusUnauthorized, `{"message":"token revoked"}`)(req)
		}
		return mockJSON(http.StatusOK, sessUserInfoRef)(req)
	})

	info, err := c.UserInfo(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "5c990a772a8fc94ec4b3dc20", info.Subject)
	assert.Equal(t, []string{
		"POST " + sessTokenURL,
		"GET " + sessUserInfoURL,
		"POST " + sessTokenURL,
		"GET " + sessUserInfoURL,
	}, s.calls())
	reqs := s.requests()
	sessAssertHeaders(t, reqs[1], sessTenant, "", "at")
	sessAssertForm(t, reqs[2], sessTokenURL, sessTenant, sessRefreshForm("rt"))
	sessAssertHeaders(t, reqs[3], sessTenant, "", "at2")
	assert.Equal(t, "rt2", c.RefreshToken())
}

func TestSessUnauthorizedTwiceIsReturned(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, sessApp)
	db := s.db(sessTenant)
	c := sessLogin(s, db)
	s.respond(http.MethodPost, sessTokenURL, http.StatusOK, `{"access_token":"at2","expires_in":3600,"token_type":"Bearer"}`)
	s.respond(http.MethodGet, sessUserInfoURL, http.StatusUnauthorized, `{"message":"nope"}`)

	_, err := c.UserInfo(context.Background())
	sessRequireAPIError(t, err, http.StatusUnauthorized)
	assert.ErrorIs(t, err, meshydb.ErrUnauthorized)
	assert.Equal(t, []string{
		"POST " + sessTokenURL,
		"GET " + sessUserInfoURL,
		"POST " + sessTokenURL,
		"GET " + sessUserInfoURL,
	}, s.calls(), "one refresh and one retry, no more")
}

// --- LoginAnonymously, UsernameExists, RegisterAnonymous ---------------------

func TestSessLoginAnonymouslyRegistersNewUser(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, sessApp)
	db := s.db(sessTenant)
	s.respond(http.MethodGet, sessExistsURL("anon-1"), http.StatusOK, `{"exists":false}`)
	s.respond(http.MethodPost, sessRegisterAnonURL, http.StatusCreated,
		`{"id":"5c78cc81dd870827a8e7b6c4","username":"anon-1","anonymous":true,"isActive":true,"roles":[]}`)
	s.respond(http.MethodPost, sessTokenURL, http.StatusOK, sessTokenAnswer)

	c, err := db.LoginAnonymously(context.Background(), "anon-1")
	require.NoError(t, err)
	require.NotNil(t, c)
	assert.Equal(t, "rt", c.RefreshToken())

	assert.Equal(t, []string{
		"GET " + sessExistsURL("anon-1"),
		"POST " + sessRegisterAnonURL,
		"POST " + sessTokenURL,
	}, s.calls())
	reqs := s.requests()
	require.Len(t, reqs, 3)
	sessAssertHeaders(t, reqs[0], sessTenant, "", "")
	sessAssertHeaders(t, reqs[1], sessTenant, sessJSONType, "")
	assert.JSONEq(t, `{"username":"anon-1"}`, string(reqs[1].Body))
	assert.Equal(t, `{"username":"anon-1"}`, strings.TrimSpace(string(reqs[1].Body)), "exact body")
	sessAssertForm(t, reqs[2], sessTokenURL, sessTenant, sessPasswordForm("anon-1", sessAnonPass))
}

func TestSessLoginAnonymouslyExistingUser(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, sessApp)
	db := s.db("")
	s.respond(http.MethodGet, sessExistsURL("anon-1"), http.StatusOK, `{"exists":true}`)
	s.respond(http.MethodPost, sessTokenURL, http.StatusOK, sessTokenAnswer)

	c, err := db.LoginAnonymously(context.Background(), "anon-1")
	require.NoError(t, err)
	require.NotNil(t, c)

	assert.Equal(t, []string{
		"GET " + sessExistsURL("anon-1"),
		"POST " + sessTokenURL,
	}, s.calls(), "an existing user is not registered again")
	reqs := s.requests()
	require.Len(t, reqs, 2)
	sessAssertHeaders(t, reqs[0], "", "", "")
	sessAssertForm(t, reqs[1], sessTokenURL, "", sessPasswordForm("anon-1", sessAnonPass))
}

func TestSessLoginAnonymouslyRegistrationFails(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, sessApp)
	db := s.db(sessTenant)
	s.respond(http.MethodGet, sessExistsURL("anon-1"), http.StatusOK, `{"exists":false}`)
	s.respond(http.MethodPost, sessRegisterAnonURL, http.StatusBadRequest, `"Anonymous registration is not enabled."`)

	c, err := db.LoginAnonymously(context.Background(), "anon-1")
	assert.Nil(t, c)
	apiErr := sessRequireAPIError(t, err, http.StatusBadRequest)
	assert.Equal(t, "Anonymous registration is not enabled.", apiErr.Message)
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)
	assert.Equal(t, []string{
		"GET " + sessExistsURL("anon-1"),
		"POST " + sessRegisterAnonURL,
	}, s.calls(), "no grant after a failed registration")
}

func TestSessLoginAnonymouslyEscapesUsername(t *testing.T) {
	t.Parallel()
	tests := []struct{ username, escaped string }{
		{"a/b", "a%2Fb"},
		{"who?x=1", "who%3Fx=1"},
		{"jörg ü", "j%C3%B6rg%20%C3%BC"},
		{"../admin", "..%2Fadmin"},
		{"100%", "100%25"},
		{"a#b", "a%23b"},
		{"名前", "%E5%90%8D%E5%89%8D"},
	}
	for _, tt := range tests {
		t.Run(tt.username, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, sessApp)
			db := s.db(sessTenant)
			s.respond(http.MethodGet, `=~^https://api\.test/clientkey/users/[^/]+/exists\z`, http.StatusOK, `{"exists":true}`)
			s.respond(http.MethodPost, sessTokenURL, http.StatusOK, sessTokenAnswer)

			_, err := db.LoginAnonymously(context.Background(), tt.username)
			require.NoError(t, err)

			reqs := s.requests()
			require.Len(t, reqs, 2)
			exists := reqs[0]
			assert.Equal(t, http.MethodGet, exists.Method)
			assert.Equal(t, "/"+sessClientKey+"/users/"+tt.escaped+"/exists", exists.EscapedPath, "one escaped path segment")
			assert.Equal(t, "/"+sessClientKey+"/users/"+tt.username+"/exists", exists.Path, "decodes back to the username")
			assert.Equal(t, sessExistsURL(tt.escaped), exists.URL, "no query or fragment split off")
			sessAssertHeaders(t, exists, sessTenant, "", "")
			sessAssertForm(t, reqs[1], sessTokenURL, sessTenant, sessPasswordForm(tt.username, sessAnonPass))
		})
	}
}

func TestSessLoginAnonymouslyValidation(t *testing.T) {
	t.Parallel()
	for _, username := range []string{"..", ".", "", "  "} {
		t.Run(fmt.Sprintf("%q", username), func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, sessApp)
			db := s.db(sessTenant)
			c, err := db.LoginAnonymously(context.Background(), username)
			assert.Nil(t, c)
			requireInvalid(t, err, "username")
			_, err = db.UsernameExists(context.Background(), username)
			requireInvalid(t, err, "username")
			assert.Zero(t, s.count(), "nothing may be sent")
		})
	}
}

func TestSessUsernameExists(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		body   string
		want   bool
	}{
		{http.StatusOK, `{"exists":true}`, true},
		{http.StatusOK, `{"exists":false}`, false},
		{http.StatusCreated, `{"exists":false}`, false},
		{http.StatusCreated, `{"exists":true}`, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d %s", tt.status, tt.body), func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, sessApp)
			db := s.db(sessTenant)
			s.respond(http.MethodGet, sessExistsURL("bob"), tt.status, tt.body)

			got, err := db.UsernameExists(context.Background(), "bob")
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			reqs := s.requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, http.MethodGet, reqs[0].Method)
			assert.Equal(t, sessExistsURL("bob"), reqs[0].URL)
			sessAssertHeaders(t, reqs[0], sessTenant, "", "")
		})
	}
}

func TestSessUsernameExistsError(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, sessApp)
	db := s.db(sessTenant)
	s.respond(http.MethodGet, sessExistsURL("bob"), http.StatusBadRequest, `{"message":"Username is required."}`)
	_, err := db.UsernameExists(context.Background(), "bob")
	apiErr := sessRequireAPIError(t, err, http.StatusBadRequest)
	assert.Equal(t, "Username is required.", apiErr.Message)
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)
	assert.Equal(t, 1, s.count())
}

func TestSessRegisterAnonymous(t *testing.T) {
	t.Parallel()
	const userTmpl = `{
		"id": "5c78cc81dd870827a8e7b6c4",
		"username": "anon-1",
		"firstName": null, "lastName": null,
		"verified": false, "isActive": true,
		"phoneNumber": null, "emailAddress": null,
		"roles": %s,
		"securityQuestions": [],
		"anonymous": true,
		"lastAccessed": "2019-01-01T00:00:00.0000+00:00"
	}`
	jan1 := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		roles     string
		wantName  string
		wantAdded time.Time // zero for a role sent as a plain string
	}{
		{"roles as strings", `["admin"]`, "admin", time.Time{}},
		{"roles as objects", `[{"name":"admin","addedDate":"2019-01-01T00:00:00.0000000+00:00"}]`, "admin", jan1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, sessApp)
			db := s.db(sessTenant)
			s.respond(http.MethodPost, sessRegisterAnonURL, http.StatusCreated, fmt.Sprintf(userTmpl, tt.roles))

			u, err := db.RegisterAnonymous(context.Background(), "anon-1")
			require.NoError(t, err)
			require.NotNil(t, u)
			assert.Equal(t, "5c78cc81dd870827a8e7b6c4", u.ID)
			assert.Equal(t, "anon-1", u.Username)
			assert.True(t, u.Anonymous)
			assert.True(t, u.IsActive)
			assert.False(t, u.Verified)
			assert.Empty(t, u.FirstName)
			assert.True(t, u.LastAccessed.Equal(jan1), "lastAccessed %v", u.LastAccessed)
			require.Len(t, u.Roles, 1)
			assert.Equal(t, tt.wantName, u.Roles[0].Name)
			if tt.wantAdded.IsZero() {
				assert.True(t, u.Roles[0].AddedDate.IsZero(), "addedDate: want zero, got %v", u.Roles[0].AddedDate)
			} else {
				assert.True(t, u.Roles[0].AddedDate.Equal(tt.wantAdded), "addedDate: want %v, got %v", tt.wantAdded, u.Roles[0].AddedDate)
			}

			reqs := s.requests()
			require.Len(t, reqs, 1)
			r := reqs[0]
			assert.Equal(t, http.MethodPost, r.Method)
			assert.Equal(t, sessRegisterAnonURL, r.URL)
			sessAssertHeaders(t, r, sessTenant, sessJSONType, "")
			assert.Equal(t, `{"username":"anon-1"}`, strings.TrimSpace(string(r.Body)), "exact body")
		})
	}
}

func TestSessRegisterAnonymousValidation(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, sessApp)
	db := s.db(sessTenant)
	for _, username := range []string{"", "  "} {
		u, err := db.RegisterAnonymous(context.Background(), username)
		assert.Nil(t, u)
		requireInvalid(t, err, "username")
	}
	assert.Zero(t, s.count())
}

// --- UserInfo ----------------------------------------------------------------

func TestSessUserInfoWireFormat(t *testing.T) {
	t.Parallel()
	for _, tenant := range []string{sessTenant, ""} {
		t.Run(fmt.Sprintf("tenant=%q", tenant), func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, sessApp)
			db := s.db(tenant)
			c := sessLogin(s, db)
			s.respond(http.MethodGet, sessUserInfoURL, http.StatusOK, sessUserInfoRef)

			info, err := c.UserInfo(context.Background())
			require.NoError(t, err)
			require.NotNil(t, info)
			assert.Equal(t, "5c990a772a8fc94ec4b3dc20", info.Subject)
			assert.Equal(t, "login@email.com", info.Login)
			assert.Equal(t, 10, info.RateLimit)
			assert.Equal(t, []string{"admin"}, info.Roles)
			assert.Empty(t, info.Name)
			assert.Empty(t, info.GivenName)
			assert.Empty(t, info.FamilyName)
			assert.Empty(t, info.Extra, "every reference claim has a typed field")

			reqs := s.requests()
			require.Len(t, reqs, 2)
			r := reqs[1]
			assert.Equal(t, http.MethodGet, r.Method)
			assert.Equal(t, sessUserInfoURL, r.URL)
			sessAssertHeaders(t, r, tenant, "", "at")
		})
	}
}

func TestSessUserInfoDecoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		want       meshydb.UserInfo
	}{
		{
			name: "roles as an array",
			body: `{"sub":"5c990a772a8fc94ec4b3dc20","name":"Bob B","given_name":"Bob","family_name":"B","id":"login@email.com","rate_limit":"10","role":["admin","test"]}`,
			want: meshydb.UserInfo{Subject: "5c990a772a8fc94ec4b3dc20", Name: "Bob B", GivenName: "Bob", FamilyName: "B", Login: "login@email.com", RateLimit: 10, Roles: []string{"admin", "test"}},
		},
		{
			name: "unknown claims in Extra",
			body: `{"sub":"s1","id":"bob","rate_limit":"25","role":"admin","email_verified":true,"amr":["pwd"],"custom":"v","n":3}`,
			want: meshydb.UserInfo{Subject: "s1", Login: "bob", RateLimit: 25, Roles: []string{"admin"}, Extra: map[string]any{
				"email_verified": true,
				"amr":            []any{"pwd"},
				"custom":         "v",
				"n":              float64(3),
			}},
		},
		{
			name: "rate limit as a number",
			body: `{"sub":"s1","rate_limit":10}`,
			want: meshydb.UserInfo{Subject: "s1", RateLimit: 10},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, sessApp)
			c, err := s.db(sessTenant).Resume(&oauth2.Token{AccessToken: "at", Expiry: time.Now().Add(time.Hour)})
			require.NoError(t, err)
			s.respond(http.MethodGet, sessUserInfoURL, http.StatusOK, tt.body)

			info, err := c.UserInfo(context.Background())
			require.NoError(t, err)
			require.NotNil(t, info)
			if len(tt.want.Extra) == 0 {
				assert.Empty(t, info.Extra)
				info.Extra = nil
			}
			assert.Equal(t, tt.want, *info)
			require.Len(t, s.requests(), 1)
			sessAssertHeaders(t, s.requests()[0], sessTenant, "", "at")
		})
	}
}

// --- Logout ------------------------------------------------------------------

func TestSessLogout(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, sessApp)
	db := s.db(sessTenant)
	c := sessLogin(s, db)
	s.respond(http.MethodGet, sessUserInfoURL, http.StatusOK, sessUserInfoRef)
	s.handle(http.MethodPost, sessRevokeURL, httpmock.NewStringResponder(http.StatusOK, ""))

	require.NoError(t, c.Logout(context.Background()))
	reqs := s.requests()
	require.Len(t, reqs, 2)
	sessAssertForm(t, reqs[1], sessRevokeURL, sessTenant, url.Values{
		"token":           {"rt"},
		"token_type_hint": {"refresh_token"},
		"client_id":       {sessPublicKey},
	})

	_, err := c.UserInfo(context.Background())
	assert.ErrorIs(t, err, meshydb.ErrLoggedOut)
	_, err = c.Token(context.Background())
	assert.ErrorIs(t, err, meshydb.ErrLoggedOut)
	_, err = c.TokenSource().Token()
	assert.ErrorIs(t, err, meshydb.ErrLoggedOut)
	assert.NoError(t, c.Logout(context.Background()), "a second Logout is a no-op")
	assert.Equal(t, 2, s.count(), "nothing is sent after Logout")
}

func TestSessLogoutRevocationFails(t *testing.T) {
	t.Parallel()
	const secretRT = "secret-refresh-token-456"
	s := newMockServer(t, sessApp)
	db := s.db(sessTenant)
	s.respond(http.MethodPost, sessTokenURL, http.StatusOK, `{"access_token":"at","expires_in":3600,"token_type":"Bearer","refresh_token":"`+secretRT+`"}`)
	c, err := db.Login(context.Background(), "bob", sessPassword)
	require.NoError(t, err)
	s.respond(http.MethodGet, sessUserInfoURL, http.StatusOK, sessUserInfoRef)
	s.respond(http.MethodPost, sessRevokeURL, http.StatusBadRequest, `{"error":"invalid_client"}`)

	err = c.Logout(context.Background())
	apiErr := sessRequireAPIError(t, err, http.StatusBadRequest)
	assert.Equal(t, "invalid_client", apiErr.Code)
	assert.Equal(t, http.MethodPost, apiErr.Method)
	assert.Equal(t, sessRevokeURL, apiErr.URL)
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)
	assert.NotErrorIs(t, err, meshydb.ErrLoggedOut)
	sessAssertNoSecret(t, err, secretRT)

	// The session still works.
	_, err = c.UserInfo(context.Background())
	require.NoError(t, err, "a failed Logout leaves the session usable")
	assert.Equal(t, secretRT, c.RefreshToken())

	// And Logout can be tried again.
	s.handle(http.MethodPost, sessRevokeURL, httpmock.NewStringResponder(http.StatusOK, ""))
	require.NoError(t, c.Logout(context.Background()))
	_, err = c.UserInfo(context.Background())
	assert.ErrorIs(t, err, meshydb.ErrLoggedOut)

	assert.Equal(t, []string{
		"POST " + sessTokenURL,
		"POST " + sessRevokeURL,
		"GET " + sessUserInfoURL,
		"POST " + sessRevokeURL,
	}, s.calls())
	reqs := s.requests()
	for _, i := range []int{1, 3} {
		sessAssertForm(t, reqs[i], sessRevokeURL, sessTenant, url.Values{
			"token":           {secretRT},
			"token_type_hint": {"refresh_token"},
			"client_id":       {sessPublicKey},
		})
	}
}

func TestSessLogoutWithoutRefreshToken(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, sessApp)
	c, err := s.db(sessTenant).Resume(&oauth2.Token{AccessToken: "at", Expiry: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	require.NoError(t, c.Logout(context.Background()))
	_, err = c.Token(context.Background())
	assert.ErrorIs(t, err, meshydb.ErrLoggedOut)
	assert.Zero(t, s.count(), "nothing to revoke, nothing sent")
}

// --- WithTokenObserver -------------------------------------------------------

func TestSessTokenObserver(t *testing.T) {
	t.Parallel()
	type call struct {
		client       *meshydb.Client
		access       string
		refresh      string
		clientRefTok string // what c.RefreshToken() said from inside
	}
	var (
		mu    sync.Mutex
		calls []call
	)
	s := newMockServer(t, sessApp)
	db := s.db(sessTenant, meshydb.WithTokenObserver(func(c *meshydb.Client, tok *oauth2.Token) {
		// Calling back into the Client must not deadlock.
		rt := c.RefreshToken()
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, call{c, tok.AccessToken, tok.RefreshToken, rt})
		tok.AccessToken = "scribbled" // the observer gets a copy
	}))
	snapshot := func() []call {
		mu.Lock()
		defer mu.Unlock()
		return append([]call(nil), calls...)
	}
	// within runs fn, failing the test rather than hanging if it
	// deadlocks.
	within := func(fn func()) {
		t.Helper()
		done := make(chan struct{})
		go func() { defer close(done); fn() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("deadlock: the observer could not call back into the Client")
		}
	}

	s.respond(http.MethodPost, sessTokenURL, http.StatusOK, sessTokenAnswer)
	var c1 *meshydb.Client
	within(func() {
		var err error
		c1, err = db.Login(context.Background(), "bob", sessPassword)
		assert.NoError(t, err)
	})
	require.NotNil(t, c1)
	got := snapshot()
	require.Len(t, got, 1, "one call after Login")
	assert.Same(t, c1, got[0].client)
	assert.Equal(t, "at", got[0].access)
	assert.Equal(t, "rt", got[0].refresh)
	assert.Equal(t, "rt", got[0].clientRefTok)
	tok, err := c1.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "at", tok.AccessToken, "the observer's changes do not reach the Client")

	s.respond(http.MethodPost, sessTokenURL, http.StatusOK, `{"access_token":"at2","expires_in":3600,"token_type":"Bearer","refresh_token":"rt2"}`)
	var c2 *meshydb.Client
	within(func() {
		var err error
		c2, err = db.LoginWithRefreshToken(context.Background(), "rt")
		assert.NoError(t, err)
	})
	require.NotNil(t, c2)
	got = snapshot()
	require.Len(t, got, 2, "one more call after LoginWithRefreshToken")
	assert.Same(t, c2, got[1].client)
	assert.Equal(t, "at2", got[1].access)
	assert.Equal(t, "rt2", got[1].refresh)
	assert.Equal(t, "rt2", got[1].clientRefTok)

	_, err = db.Resume(&oauth2.Token{AccessToken: "x", RefreshToken: "y", Expiry: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	assert.Len(t, snapshot(), 2, "Resume does not call the observer")

	// Failed logins do not call it either.
	s.respond(http.MethodPost, sessTokenURL, http.StatusBadRequest, `{"error":"invalid_grant"}`)
	_, err = db.Login(context.Background(), "bob", "wrong")
	require.Error(t, err)
	assert.Len(t, snapshot(), 2, "a failed login does not call the observer")
	assert.Equal(t, 3, s.count())
}

// --- global httpmock (not parallel) ------------------------------------------

// TestSessActivateNonDefault checks that httpmock.ActivateNonDefault on the
// client given with WithHTTPClient intercepts the token grant too.
func TestSessActivateNonDefault(t *testing.T) {
	client := &http.Client{}
	db, err := meshydb.New(sessClientKey, sessTenant, sessPublicKey,
		meshydb.WithHTTPClient(client),
		meshydb.WithAPIURL(sessAPI),
		meshydb.WithAuthURL(sessAuth))
	require.NoError(t, err)

	httpmock.ActivateNonDefault(client)
	defer httpmock.DeactivateAndReset()
	s := newMockServer(t, sessApp) // records what the global transport sees
	httpmock.RegisterResponder(http.MethodPost, sessTokenURL, s.recording(mockJSON(http.StatusOK, sessTokenAnswer)))
	httpmock.RegisterResponder(http.MethodGet, sessUserInfoURL, s.recording(mockJSON(http.StatusOK, sessUserInfoRef)))

	c, err := db.Login(context.Background(), "bob", sessPassword)
	require.NoError(t, err)
	info, err := c.UserInfo(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "login@email.com", info.Login)

	assert.Equal(t, 2, httpmock.GetTotalCallCount())
	assert.Equal(t, 1, httpmock.GetCallCountInfo()["POST "+sessTokenURL])
	assert.Equal(t, 1, httpmock.GetCallCountInfo()["GET "+sessUserInfoURL])
	seen := s.requests()
	require.Len(t, seen, 2)
	sessAssertForm(t, seen[0], sessTokenURL, sessTenant, sessPasswordForm("bob", sessPassword))
	sessAssertHeaders(t, seen[1], sessTenant, "", "at")
}

// TestSessGlobalActivateAfterNew checks that httpmock.Activate, run after
// New without WithHTTPClient, intercepts Login.
func TestSessGlobalActivateAfterNew(t *testing.T) {
	db, err := meshydb.New(sessClientKey, sessTenant, sessPublicKey,
		meshydb.WithAPIURL(sessAPI),
		meshydb.WithAuthURL(sessAuth))
	require.NoError(t, err)

	httpmock.Activate()
	defer httpmock.DeactivateAndReset()
	s := newMockServer(t, sessApp) // records what the global transport sees
	httpmock.RegisterResponder(http.MethodPost, sessTokenURL, s.recording(mockJSON(http.StatusOK, sessTokenAnswer)))

	c, err := db.Login(context.Background(), "bob", sessPassword)
	require.NoError(t, err)
	assert.Equal(t, "rt", c.RefreshToken())
	assert.Equal(t, 1, httpmock.GetTotalCallCount())
	assert.Equal(t, 1, httpmock.GetCallCountInfo()["POST "+sessTokenURL])
	seen := s.requests()
	require.Len(t, seen, 1)
	sessAssertForm(t, seen[0], sessTokenURL, sessTenant, sessPasswordForm("bob", sessPassword))
}
