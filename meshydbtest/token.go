package meshydbtest

import (
	"crypto/rand"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Token lifetimes.
const (
	accessTokenLifetime  = time.Hour
	refreshTokenLifetime = 30 * 24 * time.Hour
)

// accessToken is an issued access token.
type accessToken struct {
	clientKey, tenant, userID string
	expires                   time.Time
}

// refreshToken is an issued refresh token. It is used once: each refresh
// replaces it.
type refreshToken struct {
	clientKey, tenant, userID string
	scope                     string
	expires                   time.Time
}

// tokenJSON is the OAuth2 token response.
type tokenJSON struct {
	AccessToken  string `json:"access_token"`
	ExpiresIn    int    `json:"expires_in"`
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
}

// form parses the form-encoded body of a connect/* call.
func (x *exchange) form() url.Values {
	form, _ := url.ParseQuery(string(x.body))
	return form
}

// checkClient returns the OAuth2 error for a client_id (in the form or in
// Basic authentication) that is not the account's publicKey. A client
// secret, empty or not, is ignored: MeshyDB clients have none.
func (x *exchange) checkClient(form url.Values) *response {
	id := form.Get("client_id")
	if basic, _, ok := x.r.BasicAuth(); ok && id == "" {
		id = basic
	}
	if id == "" || id != x.acct.PublicKey {
		return oauthError("invalid_client", "The client_id is not the account's public key.")
	}
	return nil
}

// token serves POST connect/token: the password and refresh_token grants.
// A refresh token is issued when the scope asks for offline_access, and
// is rotated on every refresh.
func (s *Server) token(x *exchange) *response {
	form := x.form()
	if res := x.checkClient(form); res != nil {
		return res
	}
	switch form.Get("grant_type") {
	case "password":
		return s.passwordGrant(x, form)
	case "refresh_token":
		return s.refreshGrant(x, form)
	case "":
		return oauthError("invalid_request", "The grant_type is required.")
	}
	return oauthError("unsupported_grant_type", "Only the password and refresh_token grants are supported.")
}

func (s *Server) passwordGrant(x *exchange, form url.Values) *response {
	scopes := strings.Fields(form.Get("scope"))
	if !slices.Contains(scopes, "meshy.api") {
		return oauthError("invalid_scope", "The scope must include meshy.api.")
	}
	username, password := form.Get("username"), form.Get("password")
	if username == "" || password == "" {
		return oauthError("invalid_request", "The username and password are required.")
	}
	u := x.tenant.lookup(username)
	if u == nil || !u.password.matches(password) {
		return oauthError("invalid_grant", "Invalid username or password.")
	}
	if res := x.checkLogin(u); res != nil {
		return res
	}
	return s.issueTokens(x, u, strings.Join(scopes, " "))
}

func (s *Server) refreshGrant(x *exchange, form url.Values) *response {
	old := form.Get("refresh_token")
	rt := s.refresh[old]
	if rt == nil || rt.clientKey != x.acct.ClientKey || rt.tenant != x.tenantName {
		return oauthError("invalid_grant", "The refresh token is invalid.")
	}
	delete(s.refresh, old) // used once, whatever happens next
	if !x.now.Before(rt.expires) {
		return oauthError("invalid_grant", "The refresh token has expired.")
	}
	u := x.tenant.users[rt.userID]
	if u == nil {
		return oauthError("invalid_grant", "The user no longer exists.")
	}
	if res := x.checkLogin(u); res != nil {
		return res
	}
	return s.issueTokens(x, u, rt.scope)
}

// checkLogin returns the OAuth2 error for a user who may not log in.
func (x *exchange) checkLogin(u *user) *response {
	switch {
	case !u.active:
		return oauthError("invalid_grant", "The user is inactive.")
	case x.acct.Verification.sendsCode() && !u.verified && !u.anonymous:
		return oauthError("invalid_grant", "The user is not verified.")
	}
	return nil
}

// issueTokens answers a new access token for u, and a refresh token when
// scope includes offline_access.
func (s *Server) issueTokens(x *exchange, u *user, scope string) *response {
	s.sweepTokens(x.now)
	u.lastAccessed = x.now
	at := rand.Text() + rand.Text()
	s.access[at] = &accessToken{
		clientKey: x.acct.ClientKey, tenant: x.tenantName, userID: u.id,
		expires: x.now.Add(accessTokenLifetime),
	}
	body := tokenJSON{
		AccessToken: at,
		ExpiresIn:   int(accessTokenLifetime / time.Second),
		TokenType:   "Bearer",
		Scope:       scope,
	}
	if slices.Contains(strings.Fields(scope), "offline_access") {
		body.RefreshToken = rand.Text() + rand.Text()
		s.refresh[body.RefreshToken] = &refreshToken{
			clientKey: x.acct.ClientKey, tenant: x.tenantName, userID: u.id,
			scope: scope, expires: x.now.Add(refreshTokenLifetime),
		}
	}
	res := jsonResponse(http.StatusOK, body)
	res.header.Set("Cache-Control", "no-store")
	return res
}

// revoke serves POST connect/revocation (RFC 7009): 200 whether or not
// the token was known.
func (s *Server) revoke(x *exchange) *response {
	form := x.form()
	if res := x.checkClient(form); res != nil {
		return res
	}
	token := form.Get("token")
	if token == "" {
		return oauthError("invalid_request", "The token is required.")
	}
	hint := form.Get("token_type_hint")
	if hint != "" && hint != "refresh_token" && hint != "access_token" {
		return oauthError("unsupported_token_type", "The token_type_hint must be refresh_token or access_token.")
	}
	if rt := s.refresh[token]; rt != nil && rt.clientKey == x.acct.ClientKey {
		delete(s.refresh, token)
	}
	if at := s.access[token]; at != nil && at.clientKey == x.acct.ClientKey {
		delete(s.access, token)
	}
	return &response{status: http.StatusOK}
}

// revokeRefreshTokens revokes every refresh token of u; the lock must be
// held.
func (s *Server) revokeRefreshTokens(u *user) {
	for token, rt := range s.refresh {
		if rt.userID == u.id {
			delete(s.refresh, token)
		}
	}
}

// revokeAll revokes every refresh and access token of u; the lock must be
// held.
func (s *Server) revokeAll(u *user) {
	s.revokeRefreshTokens(u)
	for token, at := range s.access {
		if at.userID == u.id {
			delete(s.access, token)
		}
	}
}

// sweepTokens forgets tokens that expired a day ago or more, so that a
// long-running emulator does not grow without bound, while a recently
// expired token is still told apart from an invalid one; the lock must be
// held.
func (s *Server) sweepTokens(now time.Time) {
	now = now.Add(-24 * time.Hour)
	for token, at := range s.access {
		if !now.Before(at.expires) {
			delete(s.access, token)
		}
	}
	for token, rt := range s.refresh {
		if !now.Before(rt.expires) {
			delete(s.refresh, token)
		}
	}
}
