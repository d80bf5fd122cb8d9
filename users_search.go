package meshydb

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// MaxPageSize is the largest page [UsersService.Search] can ask for.
const MaxPageSize = 200

// UserSearch filters and pages [UsersService.Search] and
// [UsersService.All]. The zero value asks for the first page of active
// users, 25 to a page, in the server's order.
type UserSearch struct {
	// Name matches usernames and names, case-insensitively and in part.
	Name string
	// RoleID keeps only users with this role.
	RoleID string
	// OrderBy is a MongoDB-style sort, e.g. `{"username": 1}`.
	OrderBy string
	// ActiveOnly keeps only active users. nil leaves the server's default,
	// which is true; set it to new(false) to include inactive users.
	ActiveOnly *bool
	// Page is the page to return, from 1; 0 means 1.
	Page int
	// PageSize is how many users a page holds, 1 to MaxPageSize; 0 means
	// the server's default of 25.
	PageSize int
}

// UserPage is one page of search results.
type UserPage struct {
	Results      []User `json:"results"`
	Page         int    `json:"page"`
	PageSize     int    `json:"pageSize"`
	TotalRecords int    `json:"totalRecords"`
}

// query returns q as the users?... query string, checking it first.
func (q *UserSearch) query() (url.Values, error) {
	v := url.Values{}
	if q == nil {
		return v, nil
	}
	if q.Page < 0 {
		return nil, invalidArgument("search.Page", "must not be negative")
	}
	if q.PageSize < 0 || q.PageSize > MaxPageSize {
		return nil, invalidArgument("search.PageSize", fmt.Sprintf("must be between 1 and %d", MaxPageSize))
	}
	if q.OrderBy != "" && !isJSONObject(q.OrderBy) {
		return nil, invalidArgument("search.OrderBy", `must be JSON such as {"username": 1}`)
	}
	set := func(key, value string) {
		if value != "" {
			v.Set(key, value)
		}
	}
	set("name", q.Name)
	set("roleId", q.RoleID)
	set("orderBy", q.OrderBy)
	if q.ActiveOnly != nil {
		v.Set("activeOnly", strconv.FormatBool(*q.ActiveOnly))
	}
	if q.Page > 0 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	if q.PageSize > 0 {
		v.Set("pageSize", strconv.Itoa(q.PageSize))
	}
	return v, nil
}

// Search returns one page of users matching search (GET
// {api}/{clientKey}/users?name=&roleId=&orderBy=&activeOnly=&page=&pageSize=).
// A nil search asks for the first page with the server's defaults. It needs
// the read-users permission ([ErrForbidden] without it).
func (s *UsersService) Search(ctx context.Context, search *UserSearch) (*UserPage, error) {
	query, err := search.query()
	if err != nil {
		return nil, err
	}
	return fetch[UserPage](ctx, s.c, &call{method: http.MethodGet, base: s.c.db.api, route: "users", query: query})
}

// All walks every user matching search, page by page from search.Page,
// fetching each page only when the loop reaches it:
//
//	for user, err := range c.Users.All(ctx, &meshydb.UserSearch{Name: "tes"}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(user.Username)
//	}
//
// Breaking out of the loop stops the walk. If a page fails, the loop gets
// the error as its last value.
func (s *UsersService) All(ctx context.Context, search *UserSearch) iter.Seq2[*User, error] {
	return func(yield func(*User, error) bool) {
		next := UserSearch{}
		if search != nil {
			next = *search
		}
		if next.Page == 0 {
			next.Page = 1
		}
		for {
			page, err := s.Search(ctx, &next)
			if err != nil {
				yield(nil, err)
				return
			}
			for i := range page.Results {
				if !yield(&page.Results[i], nil) {
					return
				}
			}
			if page.lastPage(next.Page) {
				return
			}
			next.Page++
		}
	}
}

// lastPage reports whether page number n of the results is the last one.
// Without a total, a short page is the last.
func (p *UserPage) lastPage(n int) bool {
	size := p.PageSize
	if size <= 0 {
		size = len(p.Results)
	}
	if len(p.Results) == 0 {
		return true
	}
	if p.TotalRecords > 0 {
		return n*size >= p.TotalRecords
	}
	return len(p.Results) < size
}

// isJSONObject reports whether s is a JSON object, as orderBy must be.
func isJSONObject(s string) bool {
	trimmed := strings.TrimSpace(s)
	return strings.HasPrefix(trimmed, "{") && json.Valid([]byte(trimmed))
}
