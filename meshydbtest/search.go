package meshydbtest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Search paging limits.
const (
	defaultPageSize = 25
	maxPageSize     = 200
)

// pageJSON is one page of search results.
type pageJSON struct {
	Results      []userJSON `json:"results"`
	Page         int        `json:"page"`
	PageSize     int        `json:"pageSize"`
	TotalRecords int        `json:"totalRecords"`
}

// searchUsers serves GET users?name=&roleId=&orderBy=&activeOnly=&page=&pageSize=.
func (s *Server) searchUsers(x *exchange) *response {
	if _, res := x.authorize(PermissionRead); res != nil {
		return res
	}
	q := x.r.URL.Query()
	page, res := intParam(q, "page", 1, 1, 0)
	if res != nil {
		return res
	}
	pageSize, res := intParam(q, "pageSize", defaultPageSize, 1, maxPageSize)
	if res != nil {
		return res
	}
	activeOnly := true
	if v := q.Get("activeOnly"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return badRequest("The activeOnly parameter must be true or false.")
		}
		activeOnly = b
	}
	order, res := parseOrderBy(q.Get("orderBy"))
	if res != nil {
		return res
	}
	name := strings.ToLower(q.Get("name"))
	roleID := q.Get("roleId")

	var found []*user
	for _, u := range x.tenant.users {
		if (!activeOnly || u.active) && matchesName(u, name) && hasRole(u, roleID) {
			found = append(found, u)
		}
	}
	slices.SortFunc(found, func(a, b *user) int {
		for _, key := range order {
			if c := key.dir * cmp.Compare(strings.ToLower(key.field(a)), strings.ToLower(key.field(b))); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.seq, b.seq)
	})

	body := pageJSON{Results: []userJSON{}, Page: page, PageSize: pageSize, TotalRecords: len(found)}
	if pages := (len(found) + pageSize - 1) / pageSize; page <= pages {
		start := (page - 1) * pageSize
		for _, u := range found[start:min(start+pageSize, len(found))] {
			body.Results = append(body.Results, u.wire())
		}
	}
	return jsonResponse(http.StatusOK, body)
}

// intParam reads an integer query parameter of at least lo and, unless
// hi is 0, at most hi; def when it is absent.
func intParam(q url.Values, name string, def, lo, hi int) (int, *response) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	switch {
	case err != nil || n < lo:
		return 0, badRequest(fmt.Sprintf("The %s parameter must be a whole number of at least %d.", name, lo))
	case hi != 0 && n > hi:
		return 0, badRequest(fmt.Sprintf("The %s parameter must be at most %d.", name, hi))
	}
	return n, nil
}

// matchesName reports whether name (lower case) is part of u's username,
// first name or last name, ignoring case.
func matchesName(u *user, name string) bool {
	if name == "" {
		return true
	}
	for _, field := range []string{u.username, u.firstName, u.lastName} {
		if strings.Contains(strings.ToLower(field), name) {
			return true
		}
	}
	return false
}

// hasRole reports whether u has the role roleID (any role when empty).
func hasRole(u *user, roleID string) bool {
	if roleID == "" {
		return true
	}
	return slices.ContainsFunc(u.roles, func(r role) bool { return strings.EqualFold(r.name, roleID) })
}

// sortKey is one field of an orderBy, with its direction (1 or -1).
type sortKey struct {
	field func(*user) string
	dir   int
}

// sortFields are the fields orderBy can name, by lower-case name.
var sortFields = map[string]func(*user) string{
	"username":  func(u *user) string { return u.username },
	"firstname": func(u *user) string { return u.firstName },
	"lastname":  func(u *user) string { return u.lastName },
}

// parseOrderBy reads a MongoDB-style sort such as {"lastName": 1,
// "firstName": -1}, keeping the order of its keys.
func parseOrderBy(text string) ([]sortKey, *response) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	invalid := badRequest(`The orderBy parameter must be JSON such as {"username": 1}, sorting by username, firstName or lastName with 1 or -1.`)
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, invalid
	}
	var keys []sortKey
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, invalid
		}
		name, _ := tok.(string)
		field := sortFields[strings.ToLower(name)]
		var dir json.Number
		if err := dec.Decode(&dir); err != nil || field == nil {
			return nil, invalid
		}
		switch dir {
		case "1":
			keys = append(keys, sortKey{field, 1})
		case "-1":
			keys = append(keys, sortKey{field, -1})
		default:
			return nil, invalid
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, invalid
	}
	if _, err := dec.Token(); err == nil {
		return nil, invalid // trailing data
	}
	return keys, nil
}
