package meshydbtest_test

import (
	"net/http"
	"testing"

	"github.com/meshydb/meshydb-go"
	"github.com/meshydb/meshydb-go/meshydbtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// searchServer seeds users to search, in this order, and returns an admin
// session.
func searchServer(t *testing.T) (*meshydbtest.Server, *meshydb.Client) {
	t.Helper()
	srv, _ := newServer(t)
	for _, u := range []meshydbtest.SeedUser{
		{Username: "zed", FirstName: "Tess", LastName: "Adams", Roles: []string{"editor"}},
		{Username: "alpha", FirstName: "Ann", LastName: "Testa"},
		{Username: "Tester", FirstName: "Bob", LastName: "Young", Roles: []string{"editor", "reviewer"}},
		{Username: "mike", FirstName: "Mike", LastName: "Brown"},
		{Username: "oldtest", FirstName: "Old", LastName: "Timer", Inactive: true},
	} {
		u.Password = "pw"
		srv.AddUser(meshydbtest.DefaultClientKey, "", u)
	}
	addVerified(srv, "", "root", "pw", meshydbtest.AdminRole)
	return srv, login(t, newDB(t, srv, ""), "root", "pw")
}

func usernames(users []meshydb.User) []string {
	names := make([]string, len(users))
	for i, u := range users {
		names[i] = u.Username
	}
	return names
}

func TestSearch(t *testing.T) {
	_, c := searchServer(t)
	tests := []struct {
		name   string
		search *meshydb.UserSearch
		want   []string
		total  int
	}{
		{"defaults", nil, []string{"zed", "alpha", "Tester", "mike", "root"}, 5},
		{"name matches username, first and last name in part, ignoring case", &meshydb.UserSearch{Name: "TES"}, []string{"zed", "alpha", "Tester"}, 3},
		{"inactive users too", &meshydb.UserSearch{Name: "tes", ActiveOnly: new(false)}, []string{"zed", "alpha", "Tester", "oldtest"}, 4},
		{"role", &meshydb.UserSearch{RoleID: "editor"}, []string{"zed", "Tester"}, 2},
		{"role and name", &meshydb.UserSearch{RoleID: "editor", Name: "bob"}, []string{"Tester"}, 1},
		{"order by username", &meshydb.UserSearch{OrderBy: `{"username": 1}`}, []string{"alpha", "mike", "root", "Tester", "zed"}, 5},
		{"order by username descending", &meshydb.UserSearch{OrderBy: `{"username":-1}`}, []string{"zed", "Tester", "root", "mike", "alpha"}, 5},
		{"order by last name", &meshydb.UserSearch{Name: "e", OrderBy: `{"lastName": 1}`}, []string{"zed", "mike", "alpha", "Tester"}, 4},
		{"first page", &meshydb.UserSearch{OrderBy: `{"username": 1}`, PageSize: 2}, []string{"alpha", "mike"}, 5},
		{"middle page", &meshydb.UserSearch{OrderBy: `{"username": 1}`, PageSize: 2, Page: 2}, []string{"root", "Tester"}, 5},
		{"last page", &meshydb.UserSearch{OrderBy: `{"username": 1}`, PageSize: 2, Page: 3}, []string{"zed"}, 5},
		{"past the end", &meshydb.UserSearch{PageSize: 2, Page: 9}, []string{}, 5},
		{"no match", &meshydb.UserSearch{Name: "nobody"}, []string{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := c.Users.Search(t.Context(), tt.search)
			require.NoError(t, err)
			assert.Equal(t, tt.want, usernames(page.Results))
			assert.Equal(t, tt.total, page.TotalRecords)
			wantPage, wantSize := 1, 25
			if tt.search != nil && tt.search.Page > 0 {
				wantPage = tt.search.Page
			}
			if tt.search != nil && tt.search.PageSize > 0 {
				wantSize = tt.search.PageSize
			}
			assert.Equal(t, wantPage, page.Page)
			assert.Equal(t, wantSize, page.PageSize)
		})
	}
}

func TestSearchAll(t *testing.T) {
	srv, c := searchServer(t)
	var names []string
	for u, err := range c.Users.All(t.Context(), &meshydb.UserSearch{OrderBy: `{"username": -1}`, PageSize: 2, ActiveOnly: new(false)}) {
		require.NoError(t, err)
		names = append(names, u.Username)
	}
	assert.Equal(t, []string{"zed", "Tester", "root", "oldtest", "mike", "alpha"}, names)
	assert.Equal(t, 3, srv.RequestsTo(http.MethodGet, "users"), "three pages of two")
}

func TestSearchErrors(t *testing.T) {
	srv, c := searchServer(t)
	_, err := c.Users.Search(t.Context(), &meshydb.UserSearch{OrderBy: `{"emailAddress": 1}`})
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)
	_, err = c.Users.Search(t.Context(), &meshydb.UserSearch{OrderBy: `{"username": 2}`})
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)

	token := passwordToken(t, srv, "root", "pw")
	for _, query := range []string{"pageSize=201", "pageSize=0", "page=0", "page=x", "activeOnly=maybe", "orderBy=username"} {
		res := send(t, srv, http.MethodGet, "users?"+query, nil, "", "Authorization", "Bearer "+token)
		assert.Equal(t, http.StatusBadRequest, res.status, query)
	}
	res := send(t, srv, http.MethodGet, "users?pageSize=200", nil, "", "Authorization", "Bearer "+token)
	assert.Equal(t, http.StatusOK, res.status)
	body := decodeRaw[map[string]any](t, res)
	assert.ElementsMatch(t, []string{"results", "page", "pageSize", "totalRecords"}, keys(body))
	user := body["results"].([]any)[0].(map[string]any)
	assert.ElementsMatch(t, []string{
		"id", "username", "firstName", "lastName", "verified", "isActive", "phoneNumber", "emailAddress",
		"roles", "securityQuestions", "anonymous", "lastAccessed",
	}, keys(user))
	assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00$`, user["roles"].([]any)[0].(map[string]any)["addedDate"])
}
