package meshydbtest_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/meshydb/meshydb-go"
	"github.com/meshydb/meshydb-go/meshydbtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTokenAcceptsWhatClientsSend(t *testing.T) {
	srv, _ := newServer(t)
	addVerified(srv, "", "bob", "pw")

	res := postForm(t, srv, "connect/token", url.Values{
		"client_id":     {meshydbtest.DefaultPublicKey},
		"client_secret": {""},
		"grant_type":    {"password"},
		"username":      {"bob"},
		"password":      {"pw"},
		"scope":         {"meshy.api offline_access openid"},
	})
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	assert.Equal(t, "application/json", mediaType(res.header.Get("Content-Type")))
	body := decodeRaw[map[string]any](t, res)
	assert.NotEmpty(t, body["access_token"])
	assert.NotEmpty(t, body["refresh_token"])
	assert.EqualValues(t, 3600, body["expires_in"])
	assert.Equal(t, "Bearer", body["token_type"])

	// Without offline_access there is no refresh token.
	res = postForm(t, srv, "connect/token", url.Values{
		"client_id": {meshydbtest.DefaultPublicKey}, "grant_type": {"password"},
		"username": {"bob"}, "password": {"pw"}, "scope": {"meshy.api"},
	})
	require.Equal(t, http.StatusOK, res.status)
	assert.NotContains(t, decodeRaw[map[string]any](t, res), "refresh_token")
}

func mediaType(contentType string) string {
	for i, c := range contentType {
		if c == ';' {
			return contentType[:i]
		}
	}
	return contentType
}

func TestTokenErrors(t *testing.T) {
	srv, _ := newServer(t)
	addVerified(srv, "", "bob", "pw")
	srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{Username: "gone", Password: "pw", Inactive: true})
	srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{Username: "new", Password: "pw", Unverified: true})

	good := url.Values{
		"client_id": {meshydbtest.DefaultPublicKey}, "grant_type": {"password"},
		"username": {"bob"}, "password": {"pw"}, "scope": {"meshy.api offline_access"},
	}
	with := func(key, value string) url.Values {
		v := url.Values{}
		for k, vs := range good {
			v[k] = vs
		}
		v.Set(key, value)
		return v
	}
	tests := []struct {
		name string
		form url.Values
		code string
	}{
		{"wrong client_id", with("client_id", "someone-else"), "invalid_client"},
		{"no client_id", with("client_id", ""), "invalid_client"},
		{"wrong password", with("password", "nope"), "invalid_grant"},
		{"unknown user", with("username", "nobody"), "invalid_grant"},
		{"inactive user", with("username", "gone"), "invalid_grant"},
		{"unverified user", with("username", "new"), "invalid_grant"},
		{"scope without meshy.api", with("scope", "openid"), "invalid_scope"},
		{"unknown grant type", with("grant_type", "client_credentials"), "unsupported_grant_type"},
		{"unknown refresh token", with("grant_type", "refresh_token"), "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := postForm(t, srv, "connect/token", tt.form)
			assert.Equal(t, http.StatusBadRequest, res.status)
			body := decodeRaw[map[string]string](t, res)
			assert.Equal(t, tt.code, body["error"])
			assert.NotEmpty(t, body["error_description"])
		})
	}

	// The SDK sees the OAuth2 error code.
	_, err := newDBFor(t, srv, meshydbtest.DefaultClientKey, "", "wrong-public").Login(t.Context(), "bob", "pw")
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)
	assert.Equal(t, "invalid_client", apiError(t, err).Code)
	_, err = newDB(t, srv, "").Login(t.Context(), "gone", "pw")
	assert.Contains(t, apiError(t, err).Message, "inactive")
}

func TestUnknownAccount(t *testing.T) {
	srv, _ := newServer(t)
	db := newDBFor(t, srv, "no-such-account", "", "x")

	_, err := db.ForgotPassword(t.Context(), "bob")
	assert.ErrorIs(t, err, meshydb.ErrNotFound)
	assert.Equal(t, "Account not found.", apiError(t, err).Message)

	_, err = db.Login(t.Context(), "bob", "pw")
	assert.ErrorIs(t, err, meshydb.ErrNotFound)
}

func TestRefreshTokenRotation(t *testing.T) {
	srv, _ := newServer(t)
	addVerified(srv, "", "bob", "pw")
	db := newDB(t, srv, "")
	ctx := t.Context()

	c := login(t, db, "bob", "pw")
	first := c.RefreshToken()
	require.NotEmpty(t, first)

	c2, err := db.LoginWithRefreshToken(ctx, first)
	require.NoError(t, err)
	second := c2.RefreshToken()
	assert.NotEqual(t, first, second, "the refresh token rotates")
	_, err = c2.Users.Me(ctx)
	require.NoError(t, err)

	_, err = db.LoginWithRefreshToken(ctx, first)
	assert.ErrorIs(t, err, meshydb.ErrBadRequest, "the old refresh token is spent")
	assert.Equal(t, "invalid_grant", apiError(t, err).Code)

	c3, err := db.LoginWithRefreshToken(ctx, second)
	require.NoError(t, err)
	third := c3.RefreshToken()

	require.NoError(t, c3.Logout(ctx))
	_, err = db.LoginWithRefreshToken(ctx, third)
	assert.ErrorIs(t, err, meshydb.ErrBadRequest, "a revoked refresh token fails")
}

func TestAccessTokenExpiresByClock(t *testing.T) {
	srv, clock := newServer(t)
	addVerified(srv, "", "bob", "pw")
	db := newDB(t, srv, "")
	ctx := t.Context()

	c := login(t, db, "bob", "pw")
	before := c.RefreshToken()
	token := passwordToken(t, srv, "bob", "pw")

	clock.Advance(61 * time.Minute)

	// The SDK still believes its token valid (it reads the real time); the
	// server's 401 makes it refresh once and retry.
	me, err := c.Users.Me(ctx)
	require.NoError(t, err)
	assert.Equal(t, "bob", me.Username)
	assert.NotEqual(t, before, c.RefreshToken(), "the refresh rotated the refresh token")
	assert.Equal(t, 2, srv.RequestsTo(http.MethodGet, "users/me"))

	res := send(t, srv, http.MethodGet, "users/me", nil, "", "Authorization", "Bearer "+token)
	assert.Equal(t, http.StatusUnauthorized, res.status)
	assert.Contains(t, decodeRaw[map[string]string](t, res)["message"], "expired")
	assert.Contains(t, res.header.Get("WWW-Authenticate"), "Bearer")
}

func TestRevocation(t *testing.T) {
	srv, _ := newServer(t)
	form := url.Values{"token": {"never-issued"}, "token_type_hint": {"refresh_token"}, "client_id": {meshydbtest.DefaultPublicKey}}
	res := postForm(t, srv, "connect/revocation", form)
	assert.Equal(t, http.StatusOK, res.status, "unknown tokens revoke fine (RFC 7009)")

	form.Set("client_id", "other")
	res = postForm(t, srv, "connect/revocation", form)
	assert.Equal(t, http.StatusBadRequest, res.status)
	assert.Equal(t, "invalid_client", decodeRaw[map[string]string](t, res)["error"])

	res = postForm(t, srv, "connect/revocation", url.Values{"client_id": {meshydbtest.DefaultPublicKey}})
	assert.Equal(t, http.StatusBadRequest, res.status)

	form = url.Values{"token": {"x"}, "token_type_hint": {"id_token"}, "client_id": {meshydbtest.DefaultPublicKey}}
	res = postForm(t, srv, "connect/revocation", form)
	assert.Equal(t, "unsupported_token_type", decodeRaw[map[string]string](t, res)["error"])
}

func TestUserInfo(t *testing.T) {
	srv, _ := newServer(t)
	id := srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{
		Username: "bob@example.com", Password: "pw", FirstName: "Bob", LastName: "Builder",
		Roles: []string{"admin"},
	})
	srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{
		Username: "ann", Password: "pw", Roles: []string{"admin", "test"},
	})
	db := newDB(t, srv, "")

	info, err := login(t, db, "bob@example.com", "pw").UserInfo(t.Context())
	require.NoError(t, err)
	assert.Equal(t, id, info.Subject)
	assert.Equal(t, "Bob Builder", info.Name)
	assert.Equal(t, "Bob", info.GivenName)
	assert.Equal(t, "Builder", info.FamilyName)
	assert.Equal(t, "bob@example.com", info.Login)
	assert.Equal(t, 10, info.RateLimit)
	assert.Equal(t, []string{"admin"}, info.Roles)

	// One role is a string on the wire, several an array.
	token := passwordToken(t, srv, "bob@example.com", "pw")
	res := send(t, srv, http.MethodGet, "connect/userinfo", nil, "", "Authorization", "Bearer "+token)
	assert.Equal(t, "admin", decodeRaw[map[string]any](t, res)["role"])
	token = passwordToken(t, srv, "ann", "pw")
	res = send(t, srv, http.MethodGet, "connect/userinfo", nil, "", "Authorization", "Bearer "+token)
	assert.Equal(t, []any{"admin", "test"}, decodeRaw[map[string]any](t, res)["role"])
	assert.Equal(t, "10", decodeRaw[map[string]any](t, res)["rate_limit"])

	res = send(t, srv, http.MethodGet, "connect/userinfo", nil, "")
	assert.Equal(t, http.StatusUnauthorized, res.status)
}
