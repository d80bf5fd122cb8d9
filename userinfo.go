package meshydb

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// UserInfo holds the signed-in user's OpenID Connect claims. A claim may
// come as a single value or, when it repeats, as an array; the typed
// fields accept both.
type UserInfo struct {
	Subject    string   // "sub": the user's id
	Name       string   // "name"
	GivenName  string   // "given_name"
	FamilyName string   // "family_name"
	Login      string   // "id": the name the user logs in with
	RateLimit  int      // "rate_limit": requests allowed, sent as a string
	Roles      []string // "role": one or more role names

	// Extra holds every other claim, decoded from JSON as by
	// encoding/json into an any.
	Extra map[string]any
}

// UserInfo returns the signed-in user's claims (GET
// {auth}/{clientKey}/connect/userinfo).
func (c *Client) UserInfo(ctx context.Context) (*UserInfo, error) {
	raw, err := fetch[map[string]json.RawMessage](ctx, c, &call{method: http.MethodGet, base: c.db.auth, route: "connect/userinfo"})
	if err != nil {
		return nil, err
	}
	return decodeUserInfo(*raw), nil
}

// decodeUserInfo sorts claims into UserInfo's typed fields and Extra.
func decodeUserInfo(claims map[string]json.RawMessage) *UserInfo {
	info := &UserInfo{}
	typed := map[string]func(values []string){
		"sub":         func(v []string) { info.Subject = first(v) },
		"name":        func(v []string) { info.Name = first(v) },
		"given_name":  func(v []string) { info.GivenName = first(v) },
		"family_name": func(v []string) { info.FamilyName = first(v) },
		"id":          func(v []string) { info.Login = first(v) },
		"rate_limit":  func(v []string) { info.RateLimit, _ = strconv.Atoi(strings.TrimSpace(first(v))) },
		"role":        func(v []string) { info.Roles = v },
	}
	for name, raw := range claims {
		values, ok := claimValues(raw)
		if set := typed[name]; set != nil && ok {
			set(values)
			continue
		}
		var value any
		if json.Unmarshal(raw, &value) == nil {
			if info.Extra == nil {
				info.Extra = make(map[string]any)
			}
			info.Extra[name] = value
		}
	}
	return info
}

// claimValues reads a claim given as a string, a number, null, or an array
// of those.
func claimValues(raw json.RawMessage) ([]string, bool) {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		list = []json.RawMessage{raw}
	}
	values := make([]string, 0, len(list))
	for _, item := range list {
		var s string
		var n json.Number
		switch {
		case string(item) == "null":
		case json.Unmarshal(item, &s) == nil:
			values = append(values, s)
		case json.Unmarshal(item, &n) == nil:
			values = append(values, n.String())
		default:
			return nil, false
		}
	}
	return values, true
}

func first(values []string) string {
	if len(values) == 0 {
		return ""
	}
	return values[0]
}
