package meshydbtest

import (
	"net/http"
	"strings"
)

// userInfo serves GET (or POST) connect/userinfo: the OpenID Connect
// claims of the token's user. "role" is a string for one role and an
// array for several, and is left out when the user has none.
func (s *Server) userInfo(x *exchange) *response {
	u, res := x.authenticate()
	if res != nil {
		return res
	}
	claims := map[string]any{
		"sub":         u.id,
		"name":        strings.TrimSpace(u.firstName + " " + u.lastName),
		"given_name":  u.firstName,
		"family_name": u.lastName,
		"id":          u.username,
		"rate_limit":  "10",
	}
	switch names := u.roleNames(); len(names) {
	case 0:
	case 1:
		claims["role"] = names[0]
	default:
		claims["role"] = names
	}
	return jsonResponse(http.StatusOK, claims)
}
