package meshydbtest

import (
	"net/http"
	"strings"
)

// authenticate returns the user whose bearer token the request carries,
// or the 401 that says why there is none. The token must have been issued
// for this account and tenant, must not have expired by the server's
// clock, and its user must still exist and be active.
func (x *exchange) authenticate() (*user, *response) {
	scheme, token, _ := strings.Cut(x.r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return nil, unauthorized("Authorization has been denied for this request: no bearer token.")
	}
	at := x.s.access[token]
	switch {
	case at == nil || at.clientKey != x.acct.ClientKey || at.tenant != x.tenantName:
		return nil, unauthorized("Authorization has been denied for this request: the token is invalid.")
	case !x.now.Before(at.expires):
		return nil, unauthorized("Authorization has been denied for this request: the token has expired.")
	}
	u := x.tenant.users[at.userID]
	switch {
	case u == nil:
		return nil, unauthorized("Authorization has been denied for this request: the user no longer exists.")
	case !u.active:
		return nil, unauthorized("Authorization has been denied for this request: the user is inactive.")
	}
	u.lastAccessed = x.now
	return u, nil
}

// authorize is authenticate plus a check that the user has perm through
// its roles: 403 when it does not.
func (x *exchange) authorize(perm Permission) (*user, *response) {
	u, res := x.authenticate()
	if res != nil {
		return nil, res
	}
	if !x.acct.can(u, perm) {
		return nil, messageError(http.StatusForbidden, "The user does not have permission to "+string(perm)+" users.")
	}
	return u, nil
}

// unauthorized answers 401 with message and a Bearer challenge.
func unauthorized(message string) *response {
	res := messageError(http.StatusUnauthorized, message)
	res.header.Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	return res
}
