package meshydb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshydb/meshydb-go"
)

// Names used by the user-management tests. Helpers carry a "usr" prefix
// because other test files share the meshydb_test package; the
// verification and User-decoding tests (verification_test.go, user_test.go)
// reuse the app, fixtures and assertion helpers defined here. The mocked
// server is mockServer, in mock_test.go.
const (
	usrClientKey = "ck"
	usrTenant    = "tenant-u"
	usrPublicKey = "pk"
	usrAPI       = mockAPIURL + "/" + usrClientKey + "/"
	usrAuth      = mockAuthURL + "/" + usrClientKey + "/"

	// usrUserJSON is the example User of the wire reference (section 5),
	// verbatim.
	usrUserJSON = `{
  "id": "5c78cc81dd870827a8e7b6c4",
  "username": "username_testermctesterson",
  "firstName": "Tester", "lastName": "McTesterton",
  "verified": true, "isActive": true,
  "phoneNumber": "+15555555555", "emailAddress": "test@test.com",
  "roles": [ {"name": "admin", "addedDate": "2019-01-01T00:00:00.0000000+00:00"} ],
  "securityQuestions": [ {"question": "...", "answerHash": "..."} ],
  "anonymous": false,
  "lastAccessed": "2019-01-01T00:00:00.0000+00:00"
}`
)

// usrWantUser is usrUserJSON decoded.
func usrWantUser() *meshydb.User {
	jan1 := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	return &meshydb.User{
		ID:                "5c78cc81dd870827a8e7b6c4",
		Username:          "username_testermctesterson",
		FirstName:         "Tester",
		LastName:          "McTesterton",
		Verified:          true,
		IsActive:          true,
		PhoneNumber:       "+15555555555",
		EmailAddress:      "test@test.com",
		Roles:             []meshydb.Role{{Name: "admin", AddedDate: meshydb.Timestamp{Time: jan1}}},
		SecurityQuestions: []meshydb.SecurityQuestion{{Question: "...", AnswerHash: "..."}},
		Anonymous:         false,
		LastAccessed:      meshydb.Timestamp{Time: jan1},
	}
}

// usrUTC returns a copy of u with every date in UTC, so that users can be
// compared field by field whatever location the decoder chose for an
// offset of +00:00.
func usrUTC(u *meshydb.User) *meshydb.User {
	if u == nil {
		return nil
	}
	c := *u
	c.LastAccessed = meshydb.Timestamp{Time: c.LastAccessed.UTC()}
	if u.Roles != nil {
		c.Roles = make([]meshydb.Role, len(u.Roles))
		for i, r := range u.Roles {
			r.AddedDate = meshydb.Timestamp{Time: r.AddedDate.UTC()}
			c.Roles[i] = r
		}
	}
	return &c
}

// usrAssertUser checks that got is want, comparing dates as instants.
func usrAssertUser(t *testing.T, want, got *meshydb.User) {
	t.Helper()
	require.NotNil(t, got)
	assert.Equal(t, usrUTC(want), usrUTC(got))
}

// usrApp is the app of the user-management tests: on the fake API and auth
// hosts, with retries off.
var usrApp = mockApp{clientKey: usrClientKey, publicKey: usrPublicKey, opts: onMockHosts}

// usrWant describes the whole request a call must make.
type usrWant struct {
	method string
	url    string
	tenant string   // "" means no Tenant header
	noAuth bool     // a MeshyDB-level call: no Authorization header
	body   string   // the exact JSON body; "" means no body at all
	absent []string // top-level body keys that must not be sent
}

// usrAssertRequest checks method, URL, headers and body of r.
func usrAssertRequest(t *testing.T, r mockRequest, want usrWant) {
	t.Helper()
	assert.Equal(t, want.method, r.Method, "method")
	assert.Equal(t, want.url, r.URL, "URL")
	assert.Empty(t, r.Fragment, "fragment")

	h := r.Header
	if want.noAuth {
		assert.Empty(t, h.Values("Authorization"), "no Authorization header")
	} else {
		assert.Equal(t, []string{"Bearer at"}, h.Values("Authorization"))
	}
	if want.tenant == "" {
		assert.Empty(t, h.Values("Tenant"), "no Tenant header when tenant is empty")
	} else {
		assert.Equal(t, []string{want.tenant}, h.Values("Tenant"))
	}
	assert.Equal(t, []string{"application/json"}, h.Values("Accept"))
	assert.True(t, strings.HasPrefix(h.Get("User-Agent"), "meshydb-go/"+meshydb.Version),
		"User-Agent %q", h.Get("User-Agent"))

	if want.body == "" {
		assert.Empty(t, r.Body, "no request body")
		assert.Zero(t, r.ContentLength, "no request body")
		assert.Empty(t, h.Values("Content-Type"), "no Content-Type without a body")
		return
	}
	assert.Equal(t, []string{"application/json"}, h.Values("Content-Type"))
	assert.JSONEq(t, want.body, string(r.Body))
	if len(want.absent) > 0 {
		m := bodyMap(t, r.Body)
		for _, key := range want.absent {
			assert.NotContains(t, m, key, "key %q must not be sent", key)
		}
	}
}

// usrAbsentKeys returns the keys of all that the JSON object body does not
// hold, for usrWant.absent.
func usrAbsentKeys(t *testing.T, body string, all []string) []string {
	t.Helper()
	sent := bodyMap(t, []byte(body))
	var absent []string
	for _, k := range all {
		if _, ok := sent[k]; !ok {
			absent = append(absent, k)
		}
	}
	return absent
}

// usrRenderings returns every way an app might print v with fmt and, when
// logged is true, log it with log/slog's text and JSON handlers. Only
// values that carry their own LogValue method are logged: slog hands
// slices, maps and plain structs to encoding/json, which writes the wire
// form.
func usrRenderings(v any, logged bool) []string {
	out := []string{
		fmt.Sprint(v),
		fmt.Sprintf("%v", v),
		fmt.Sprintf("%+v", v),
		fmt.Sprintf("%#v", v),
		fmt.Sprintf("%s", v),
		fmt.Sprintf("%q", v),
		fmt.Sprintf("%v", []any{v}),
		fmt.Sprintf("%+v", struct{ V any }{v}),
	}
	if !logged {
		return out
	}
	for _, newHandler := range []func(io.Writer) slog.Handler{
		func(w io.Writer) slog.Handler { return slog.NewTextHandler(w, nil) },
		func(w io.Writer) slog.Handler { return slog.NewJSONHandler(w, nil) },
	} {
		var buf bytes.Buffer
		logger := slog.New(newHandler(&buf))
		logger.Info("value", "v", v)
		logger.Info("value", slog.Any("v", v))
		logger.Info("value", slog.Group("g", slog.Any("v", v)))
		out = append(out, buf.String())
	}
	return out
}

func TestUsers_Me(t *testing.T) {
	t.Parallel()
	for _, tenant := range []string{usrTenant, ""} {
		t.Run("tenant="+tenant, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, usrApp)
			s.reply(http.StatusOK, usrUserJSON)

			u, err := s.client(tenant).Users.Me(context.Background())
			require.NoError(t, err)
			usrAssertUser(t, usrWantUser(), u)
			// The fields one by one, so a failure says which.
			assert.Equal(t, "5c78cc81dd870827a8e7b6c4", u.ID)
			assert.Equal(t, "username_testermctesterson", u.Username)
			assert.Equal(t, "Tester", u.FirstName)
			assert.Equal(t, "McTesterton", u.LastName)
			assert.True(t, u.Verified)
			assert.True(t, u.IsActive)
			assert.Equal(t, "+15555555555", u.PhoneNumber)
			assert.Equal(t, "test@test.com", u.EmailAddress)
			require.Len(t, u.Roles, 1)
			assert.Equal(t, "admin", u.Roles[0].Name)
			assert.True(t, u.Roles[0].AddedDate.Equal(time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)), "%v", u.Roles[0].AddedDate)
			assert.Equal(t, []meshydb.SecurityQuestion{{Question: "...", AnswerHash: "..."}}, u.SecurityQuestions)
			assert.False(t, u.Anonymous)
			assert.True(t, u.LastAccessed.Equal(time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)), "%v", u.LastAccessed)

			usrAssertRequest(t, s.only(), usrWant{method: http.MethodGet, url: usrAPI + "users/me", tenant: tenant})
		})
	}
}

func TestUsers_MeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status   int
		body     string
		sentinel error
	}{
		{http.StatusForbidden, `{"message":"Forbidden"}`, meshydb.ErrForbidden},
		{http.StatusNotFound, ``, meshydb.ErrNotFound},
		{http.StatusInternalServerError, `oops`, meshydb.ErrServer},
		{http.StatusOK, ``, meshydb.ErrEmptyResponse},
		{http.StatusOK, `null`, meshydb.ErrEmptyResponse},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d %q", tc.status, tc.body), func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, usrApp)
			s.reply(tc.status, tc.body)
			u, err := s.client(usrTenant).Users.Me(context.Background())
			require.ErrorIs(t, err, tc.sentinel)
			assert.Nil(t, u)
			assert.NotContains(t, err.Error(), "Bearer")
			assert.Len(t, s.requests(), 1)
		})
	}
}

func TestUsers_UpdateMeSendsOnlyWhatIsSet(t *testing.T) {
	t.Parallel()
	allKeys := []string{"firstName", "lastName", "phoneNumber", "emailAddress", "username", "verified", "isActive", "roles"}
	tests := []struct {
		name   string
		update *meshydb.UserUpdate
		body   string
	}{
		{"first name only", &meshydb.UserUpdate{FirstName: new("Ann")}, `{"firstName":"Ann"}`},
		{"clear the phone number", &meshydb.UserUpdate{PhoneNumber: new("")}, `{"phoneNumber":""}`},
		{"clear email, set last name", &meshydb.UserUpdate{EmailAddress: new(""), LastName: new("Lee")},
			`{"emailAddress":"","lastName":"Lee"}`},
		{"verified false", &meshydb.UserUpdate{Verified: new(false)}, `{"verified":false}`},
		{"isActive true", &meshydb.UserUpdate{IsActive: new(true)}, `{"isActive":true}`},
		{"roles", &meshydb.UserUpdate{Roles: &[]string{"admin", "test"}}, `{"roles":["admin","test"]}`},
		{"roles cleared", &meshydb.UserUpdate{Roles: &[]string{}}, `{"roles":[]}`},
		{"username", &meshydb.UserUpdate{Username: new("ann.lee")}, `{"username":"ann.lee"}`},
		{"nothing set", &meshydb.UserUpdate{}, `{}`},
		{"everything", &meshydb.UserUpdate{
			FirstName: new("Ann"), LastName: new("Lee"), PhoneNumber: new("+15555550100"),
			EmailAddress: new("ann@test.com"), Username: new("ann"), Verified: new(true),
			IsActive: new(false), Roles: &[]string{"admin"},
		}, `{"firstName":"Ann","lastName":"Lee","phoneNumber":"+15555550100","emailAddress":"ann@test.com",
			"username":"ann","verified":true,"isActive":false,"roles":["admin"]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			absent := usrAbsentKeys(t, tc.body, allKeys)

			t.Run("me", func(t *testing.T) {
				t.Parallel()
				s := newMockServer(t, usrApp)
				s.reply(http.StatusOK, usrUserJSON)
				u, err := s.client(usrTenant).Users.UpdateMe(context.Background(), tc.update)
				require.NoError(t, err)
				usrAssertUser(t, usrWantUser(), u)
				usrAssertRequest(t, s.only(), usrWant{method: http.MethodPut, url: usrAPI + "users/me",
					tenant: usrTenant, body: tc.body, absent: absent})
			})
			t.Run("by id", func(t *testing.T) {
				t.Parallel()
				s := newMockServer(t, usrApp)
				s.reply(http.StatusOK, usrUserJSON)
				u, err := s.client("").Users.Update(context.Background(), "5c78cc81dd870827a8e7b6c4", tc.update)
				require.NoError(t, err)
				usrAssertUser(t, usrWantUser(), u)
				usrAssertRequest(t, s.only(), usrWant{method: http.MethodPut,
					url: usrAPI + "users/5c78cc81dd870827a8e7b6c4", body: tc.body, absent: absent})
			})
		})
	}
}

func TestUsers_UpdateInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		call  func(*meshydb.UsersService) error
		field string
	}{
		{"UpdateMe nil", func(u *meshydb.UsersService) error {
			_, err := u.UpdateMe(context.Background(), nil)
			return err
		}, "update"},
		{"Update nil", func(u *meshydb.UsersService) error {
			_, err := u.Update(context.Background(), "id1", nil)
			return err
		}, "update"},
		{"UpdateMe blank username", func(u *meshydb.UsersService) error {
			_, err := u.UpdateMe(context.Background(), &meshydb.UserUpdate{Username: new(" ")})
			return err
		}, "update.Username"},
		{"Update empty username", func(u *meshydb.UsersService) error {
			_, err := u.Update(context.Background(), "id1", &meshydb.UserUpdate{Username: new("")})
			return err
		}, "update.Username"},
		{"Update empty id", func(u *meshydb.UsersService) error {
			_, err := u.Update(context.Background(), "", &meshydb.UserUpdate{FirstName: new("Ann")})
			return err
		}, "id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, usrApp)
			requireInvalid(t, tc.call(s.client(usrTenant).Users), tc.field)
			s.assertNotSent()
		})
	}
}

func TestUsers_ChangePassword(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusNoContent, http.StatusOK} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, usrApp)
			s.reply(status, "")
			err := s.client(usrTenant).Users.ChangePassword(context.Background(), "old-s3cret", "new-s3cret")
			require.NoError(t, err)
			usrAssertRequest(t, s.only(), usrWant{method: http.MethodPost, url: usrAPI + "users/me/password",
				tenant: usrTenant, body: `{"previousPassword":"old-s3cret","newPassword":"new-s3cret"}`})
			assert.Len(t, bodyMap(t, s.only().Body), 2, "exactly the two documented keys")
		})
	}
}

func TestUsers_ChangePasswordInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct{ prev, next, field string }{
		{"", "new-s3cret", "previousPassword"},
		{"old-s3cret", "", "newPassword"},
		{"", "", "previousPassword"},
	}
	for _, tc := range tests {
		t.Run(tc.field+"/"+tc.prev+"/"+tc.next, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, usrApp)
			err := s.client(usrTenant).Users.ChangePassword(context.Background(), tc.prev, tc.next)
			requireInvalid(t, err, tc.field)
			for _, secret := range []string{"old-s3cret", "new-s3cret"} {
				assert.NotContains(t, err.Error(), secret)
			}
			s.assertNotSent()
		})
	}
}

func TestUsers_ChangePasswordErrorKeepsPasswordsOut(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"message":"Previous password does not match."}`,
		`"Anonymous user cannot change password."`,
		`{"title":"One or more validation errors occurred.","status":400,"errors":{"NewPassword":["Too short."]}}`,
		``,
	} {
		t.Run(body, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, usrApp)
			s.reply(http.StatusBadRequest, body)
			err := s.client(usrTenant).Users.ChangePassword(context.Background(), "old-s3cret", "new-s3cret")
			require.ErrorIs(t, err, meshydb.ErrBadRequest)
			var apiErr *meshydb.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
			for _, text := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err),
				fmt.Sprintf("%#v", err), string(apiErr.Body), apiErr.Message} {
				assert.NotContains(t, text, "old-s3cret")
				assert.NotContains(t, text, "new-s3cret")
				assert.NotContains(t, text, "Bearer")
			}
			assert.Len(t, s.requests(), 1)
		})
	}
}

func TestUsers_SecurityQuestions(t *testing.T) {
	t.Parallel()
	questions := []meshydb.SecurityAnswer{
		{Question: "First pet?", Answer: "Rex"},
		{Question: "Street you grew up on?", Answer: "Elm & <Main>"},
	}
	const body = `{"securityQuestions":[{"question":"First pet?","answer":"Rex"},` +
		`{"question":"Street you grew up on?","answer":"Elm & <Main>"}]}`
	tests := []struct {
		name string
		call func(*meshydb.UsersService) error
		url  string
	}{
		{"me", func(u *meshydb.UsersService) error {
			return u.UpdateMySecurityQuestions(context.Background(), questions)
		}, usrAPI + "users/me/questions"},
		{"by id", func(u *meshydb.UsersService) error {
			return u.UpdateSecurityQuestions(context.Background(), "5c78cc81dd870827a8e7b6c4", questions)
		}, usrAPI + "users/5c78cc81dd870827a8e7b6c4/questions"},
		{"by hostile id", func(u *meshydb.UsersService) error {
			return u.UpdateSecurityQuestions(context.Background(), "../admin", questions)
		}, usrAPI + "users/..%2Fadmin/questions"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, usrApp)
			s.reply(http.StatusNoContent, "")
			require.NoError(t, tc.call(s.client(usrTenant).Users))
			r := s.only()
			usrAssertRequest(t, r, usrWant{method: http.MethodPost, url: tc.url, tenant: usrTenant, body: body})
			assert.Len(t, bodyMap(t, r.Body), 1, "only securityQuestions is sent")
		})
	}
}

func TestUsers_SecurityQuestionsInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		questions []meshydb.SecurityAnswer
		field     string
	}{
		{"nil list", nil, "questions"},
		{"empty list", []meshydb.SecurityAnswer{}, "questions"},
		{"blank question", []meshydb.SecurityAnswer{{Question: "", Answer: "hidden-answer"}}, "questions[0].Question"},
		{"blank answer", []meshydb.SecurityAnswer{{Question: "Pet?", Answer: ""}}, "questions[0].Answer"},
		{"whitespace answer", []meshydb.SecurityAnswer{{Question: "Pet?", Answer: " \t"}}, "questions[0].Answer"},
		{"second answer blank", []meshydb.SecurityAnswer{
			{Question: "Pet?", Answer: "hidden-answer"}, {Question: "City?", Answer: ""},
		}, "questions[1].Answer"},
		{"second question blank", []meshydb.SecurityAnswer{
			{Question: "Pet?", Answer: "hidden-answer"}, {Question: "  ", Answer: "hidden-answer"},
		}, "questions[1].Question"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for name, call := range map[string]func(*meshydb.UsersService) error{
				"me": func(u *meshydb.UsersService) error {
					return u.UpdateMySecurityQuestions(context.Background(), tc.questions)
				},
				"by id": func(u *meshydb.UsersService) error {
					return u.UpdateSecurityQuestions(context.Background(), "id1", tc.questions)
				},
			} {
				t.Run(name, func(t *testing.T) {
					s := newMockServer(t, usrApp)
					err := call(s.client(usrTenant).Users)
					requireInvalid(t, err, tc.field)
					assert.NotContains(t, err.Error(), "hidden-answer")
					s.assertNotSent()
				})
			}
		})
	}
}

func TestSecurityAnswer_Redacted(t *testing.T) {
	t.Parallel()
	a := meshydb.SecurityAnswer{Question: "First pet?", Answer: "ans-Rex-4242"}
	for _, v := range []any{a, &a, []meshydb.SecurityAnswer{a}, map[string]meshydb.SecurityAnswer{"q": a}} {
		_, isSlice := v.([]meshydb.SecurityAnswer)
		_, isMap := v.(map[string]meshydb.SecurityAnswer)
		for _, text := range usrRenderings(v, !isSlice && !isMap) {
			assert.NotContains(t, text, "ans-Rex-4242")
			assert.NotContains(t, text, "Rex")
		}
	}
	assert.Contains(t, fmt.Sprintf("%v", a), "First pet?", "the question is not secret")
	assert.Contains(t, fmt.Sprintf("%v", a), "[REDACTED]")
	// The wire form keeps the answer: it is what the server needs.
	wire, err := json.Marshal(a)
	require.NoError(t, err)
	assert.JSONEq(t, `{"question":"First pet?","answer":"ans-Rex-4242"}`, string(wire))
}

func TestUsers_Create(t *testing.T) {
	t.Parallel()
	allKeys := []string{"username", "newPassword", "firstName", "lastName", "phoneNumber", "emailAddress",
		"verified", "isActive", "roles", "securityQuestions"}
	tests := []struct {
		name string
		user *meshydb.NewUser
		body string
	}{
		{"required only", &meshydb.NewUser{Username: "ann", NewPassword: "pw-s3cret"},
			`{"username":"ann","newPassword":"pw-s3cret"}`},
		{"verified false is sent", &meshydb.NewUser{Username: "ann", NewPassword: "pw-s3cret", Verified: new(false)},
			`{"username":"ann","newPassword":"pw-s3cret","verified":false}`},
		{"isActive false is sent", &meshydb.NewUser{Username: "ann", NewPassword: "pw-s3cret", IsActive: new(false)},
			`{"username":"ann","newPassword":"pw-s3cret","isActive":false}`},
		{"everything", &meshydb.NewUser{
			Username: "ann", NewPassword: "pw-s3cret", FirstName: "Ann", LastName: "Lee",
			PhoneNumber: "+15555550100", EmailAddress: "ann@test.com", Verified: new(true), IsActive: new(true),
			Roles:             []string{"admin", "test"},
			SecurityQuestions: []meshydb.SecurityAnswer{{Question: "Pet?", Answer: "Rex"}},
		}, `{"username":"ann","newPassword":"pw-s3cret","firstName":"Ann","lastName":"Lee",
			"phoneNumber":"+15555550100","emailAddress":"ann@test.com","verified":true,"isActive":true,
			"roles":["admin","test"],"securityQuestions":[{"question":"Pet?","answer":"Rex"}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			absent := usrAbsentKeys(t, tc.body, allKeys)
			s := newMockServer(t, usrApp)
			s.reply(http.StatusCreated, usrUserJSON)
			u, err := s.client(usrTenant).Users.Create(context.Background(), tc.user)
			require.NoError(t, err)
			usrAssertUser(t, usrWantUser(), u)
			usrAssertRequest(t, s.only(), usrWant{method: http.MethodPost, url: usrAPI + "users",
				tenant: usrTenant, body: tc.body, absent: absent})
		})
	}
}

func TestUsers_CreateInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		user  *meshydb.NewUser
		field string
	}{
		{"nil", nil, "user"},
		{"no username", &meshydb.NewUser{NewPassword: "pw-s3cret"}, "user.Username"},
		{"blank username", &meshydb.NewUser{Username: "  ", NewPassword: "pw-s3cret"}, "user.Username"},
		{"no password", &meshydb.NewUser{Username: "ann"}, "user.NewPassword"},
		{"blank answer", &meshydb.NewUser{Username: "ann", NewPassword: "pw-s3cret",
			SecurityQuestions: []meshydb.SecurityAnswer{{Question: "Pet?"}}}, "user.SecurityQuestions[0].Answer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, usrApp)
			u, err := s.client(usrTenant).Users.Create(context.Background(), tc.user)
			requireInvalid(t, err, tc.field)
			assert.Nil(t, u)
			assert.NotContains(t, err.Error(), "pw-s3cret")
			s.assertNotSent()
		})
	}
}

func TestUsers_CreateForbidden(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, usrApp)
	s.reply(http.StatusForbidden, `{"message":"Missing permission to create users."}`)
	u, err := s.client(usrTenant).Users.Create(context.Background(),
		&meshydb.NewUser{Username: "ann", NewPassword: "pw-s3cret"})
	require.ErrorIs(t, err, meshydb.ErrForbidden)
	assert.Nil(t, u)
	var apiErr *meshydb.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusForbidden, apiErr.StatusCode)
	assert.Equal(t, "Missing permission to create users.", apiErr.Message)
	assert.NotContains(t, fmt.Sprintf("%+v", err), "pw-s3cret")
	assert.Len(t, s.requests(), 1, "a 403 is not retried")
}

func TestNewUserAndRegisterUser_PasswordRedacted(t *testing.T) {
	t.Parallel()
	answers := []meshydb.SecurityAnswer{{Question: "Pet?", Answer: "ans-Rex-4242"}}
	nu := meshydb.NewUser{Username: "ann", NewPassword: "pw-s3cret-77", FirstName: "Ann",
		Verified: new(true), SecurityQuestions: answers}
	ru := meshydb.RegisterUser{Username: "bob", NewPassword: "pw-s3cret-77", EmailAddress: "bob@test.com",
		SecurityQuestions: answers}
	for _, v := range []any{nu, &nu, ru, &ru} {
		texts := usrRenderings(v, true)
		for _, text := range texts {
			assert.NotContains(t, text, "pw-s3cret-77")
			assert.NotContains(t, text, "ans-Rex-4242")
		}
		assert.Contains(t, texts[1], "[REDACTED]", "%%v shows that a password is set")
	}
	assert.Contains(t, fmt.Sprintf("%v", nu), "ann", "the username is not secret")
	assert.Contains(t, fmt.Sprintf("%v", ru), "bob@test.com")
	// An empty password prints as empty, not as [REDACTED].
	assert.NotContains(t, fmt.Sprintf("%v", meshydb.NewUser{Username: "ann"}), "[REDACTED]")
}

// usrHostileIDs are ids that must reach the server as one escaped path
// segment.
var usrHostileIDs = []struct{ id, escaped string }{
	{"5c78cc81dd870827a8e7b6c4", "5c78cc81dd870827a8e7b6c4"},
	{"../admin", "..%2Fadmin"},
	{"a/b", "a%2Fb"},
	{"%", "%25"},
	{"a b", "a%20b"},
	{"ü", "%C3%BC"},
	{"?x=1#y", "%3Fx=1%23y"},
	{"a;b,c", "a%3Bb%2Cc"},
	{"%2e%2e", "%252e%252e"},
	{"...", "..."},
}

func TestUsers_IDIsOneEscapedSegment(t *testing.T) {
	t.Parallel()
	calls := []struct {
		name   string
		method string
		suffix string
		status int
		reply  string
		body   string
		call   func(*meshydb.UsersService, string) error
	}{
		{"Get", http.MethodGet, "", http.StatusOK, usrUserJSON, "", func(u *meshydb.UsersService, id string) error {
			got, err := u.Get(context.Background(), id)
			if err == nil && got.ID != "5c78cc81dd870827a8e7b6c4" {
				return fmt.Errorf("decoded id %q", got.ID)
			}
			return err
		}},
		{"Update", http.MethodPut, "", http.StatusOK, usrUserJSON, `{"lastName":"Lee"}`,
			func(u *meshydb.UsersService, id string) error {
				_, err := u.Update(context.Background(), id, &meshydb.UserUpdate{LastName: new("Lee")})
				return err
			}},
		{"Delete", http.MethodDelete, "", http.StatusNoContent, "", "", func(u *meshydb.UsersService, id string) error {
			return u.Delete(context.Background(), id)
		}},
		{"UpdateSecurityQuestions", http.MethodPost, "/questions", http.StatusNoContent, "",
			`{"securityQuestions":[{"question":"Q","answer":"A"}]}`,
			func(u *meshydb.UsersService, id string) error {
				return u.UpdateSecurityQuestions(context.Background(), id, []meshydb.SecurityAnswer{{Question: "Q", Answer: "A"}})
			}},
	}
	for _, c := range calls {
		for _, h := range usrHostileIDs {
			t.Run(c.name+"/"+h.id, func(t *testing.T) {
				t.Parallel()
				s := newMockServer(t, usrApp)
				s.reply(c.status, c.reply)
				require.NoError(t, c.call(s.client(usrTenant).Users, h.id))
				r := s.only()
				usrAssertRequest(t, r, usrWant{method: c.method, url: usrAPI + "users/" + h.escaped + c.suffix,
					tenant: usrTenant, body: c.body})
				assert.Equal(t, "/"+usrClientKey+"/users/"+h.escaped+c.suffix, r.EscapedPath)
				assert.Equal(t, "", r.RawQuery)
				assert.Equal(t, "", r.Fragment)
			})
		}
	}
}

func TestUsers_IDInvalid(t *testing.T) {
	t.Parallel()
	calls := map[string]func(*meshydb.UsersService, string) error{
		"Get": func(u *meshydb.UsersService, id string) error {
			_, err := u.Get(context.Background(), id)
			return err
		},
		"Update": func(u *meshydb.UsersService, id string) error {
			_, err := u.Update(context.Background(), id, &meshydb.UserUpdate{FirstName: new("Ann")})
			return err
		},
		"Delete": func(u *meshydb.UsersService, id string) error {
			return u.Delete(context.Background(), id)
		},
		"UpdateSecurityQuestions": func(u *meshydb.UsersService, id string) error {
			return u.UpdateSecurityQuestions(context.Background(), id, []meshydb.SecurityAnswer{{Question: "Q", Answer: "A"}})
		},
	}
	for name, call := range calls {
		for _, id := range []string{".", "..", "", "   "} {
			t.Run(name+"/"+strconv.Quote(id), func(t *testing.T) {
				t.Parallel()
				s := newMockServer(t, usrApp)
				requireInvalid(t, call(s.client(usrTenant).Users, id), "id")
				s.assertNotSent()
			})
		}
	}
}

func TestUsers_Get(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, usrApp)
	s.reply(http.StatusOK, usrUserJSON)
	u, err := s.client("").Users.Get(context.Background(), "5c78cc81dd870827a8e7b6c4")
	require.NoError(t, err)
	usrAssertUser(t, usrWantUser(), u)
	usrAssertRequest(t, s.only(), usrWant{method: http.MethodGet, url: usrAPI + "users/5c78cc81dd870827a8e7b6c4"})
}

func TestUsers_GetNotFound(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, usrApp)
	s.reply(http.StatusNotFound, `{"message":"User not found."}`)
	u, err := s.client(usrTenant).Users.Get(context.Background(), "nobody")
	require.ErrorIs(t, err, meshydb.ErrNotFound)
	assert.NotErrorIs(t, err, meshydb.ErrInvalidArgument)
	assert.Nil(t, u)
	var apiErr *meshydb.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusNotFound, apiErr.StatusCode)
	assert.Equal(t, "User not found.", apiErr.Message)
	assert.Len(t, s.requests(), 1)
}

func TestUsers_Delete(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status int
		body   string
	}{{http.StatusNoContent, ""}, {http.StatusOK, ""}, {http.StatusOK, "null"}} {
		t.Run(fmt.Sprintf("%d %q", tc.status, tc.body), func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, usrApp)
			s.reply(tc.status, tc.body)
			require.NoError(t, s.client(usrTenant).Users.Delete(context.Background(), "id1"))
			usrAssertRequest(t, s.only(), usrWant{method: http.MethodDelete, url: usrAPI + "users/id1", tenant: usrTenant})
		})
	}
}

func TestUsers_DeleteErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status   int
		body     string
		sentinel error
	}{
		{http.StatusBadRequest, `"A user cannot delete itself."`, meshydb.ErrBadRequest},
		{http.StatusForbidden, ``, meshydb.ErrForbidden},
		{http.StatusNotFound, ``, meshydb.ErrNotFound},
	} {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, usrApp)
			s.reply(tc.status, tc.body)
			err := s.client(usrTenant).Users.Delete(context.Background(), "id1")
			require.ErrorIs(t, err, tc.sentinel)
			assert.Len(t, s.requests(), 1)
		})
	}
}

func TestUsers_SearchQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    *meshydb.UserSearch
		query string
	}{
		{"nil search", nil, ""},
		{"zero search", &meshydb.UserSearch{}, ""},
		{"name", &meshydb.UserSearch{Name: "tes"}, "name=tes"},
		{"role", &meshydb.UserSearch{RoleID: "admin"}, "roleId=admin"},
		{"order by", &meshydb.UserSearch{OrderBy: `{"username": 1}`}, "orderBy=%7B%22username%22%3A+1%7D"},
		{"active only false", &meshydb.UserSearch{ActiveOnly: new(false)}, "activeOnly=false"},
		{"active only true", &meshydb.UserSearch{ActiveOnly: new(true)}, "activeOnly=true"},
		{"page", &meshydb.UserSearch{Page: 3}, "page=3"},
		{"page size max", &meshydb.UserSearch{PageSize: meshydb.MaxPageSize}, "pageSize=200"},
		{"page size 1", &meshydb.UserSearch{PageSize: 1}, "pageSize=1"},
		{"hostile name", &meshydb.UserSearch{Name: "a b&page=9#x"}, "name=a+b%26page%3D9%23x"},
		{"everything", &meshydb.UserSearch{Name: "tes", RoleID: "admin", OrderBy: `{"username": 1}`,
			ActiveOnly: new(false), Page: 2, PageSize: 50},
			"activeOnly=false&name=tes&orderBy=%7B%22username%22%3A+1%7D&page=2&pageSize=50&roleId=admin"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, usrApp)
			s.reply(http.StatusOK, `{"results":[],"page":1,"pageSize":25,"totalRecords":0}`)
			page, err := s.client(usrTenant).Users.Search(context.Background(), tc.in)
			require.NoError(t, err)
			require.NotNil(t, page)
			assert.Empty(t, page.Results)

			r := s.only()
			want := usrAPI + "users"
			if tc.query != "" {
				want += "?" + tc.query
			}
			usrAssertRequest(t, r, usrWant{method: http.MethodGet, url: want, tenant: usrTenant})
			assert.Equal(t, "/"+usrClientKey+"/users", r.EscapedPath)
			assert.Equal(t, tc.query, r.RawQuery)
		})
	}
}

func TestUsers_SearchQueryDecodesBack(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, usrApp)
	s.reply(http.StatusOK, `{"results":[],"page":2,"pageSize":50,"totalRecords":0}`)
	_, err := s.client(usrTenant).Users.Search(context.Background(), &meshydb.UserSearch{
		Name: "a b&page=9", RoleID: "role/1", OrderBy: `{"username": 1}`, ActiveOnly: new(false), Page: 2, PageSize: 50,
	})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodGet, s.only().URL, nil)
	require.NoError(t, err)
	assert.Equal(t, map[string][]string{
		"name":       {"a b&page=9"},
		"roleId":     {"role/1"},
		"orderBy":    {`{"username": 1}`},
		"activeOnly": {"false"},
		"page":       {"2"},
		"pageSize":   {"50"},
	}, map[string][]string(req.URL.Query()))
}

// usrInvalidSearches are searches that must fail before anything is sent.
var usrInvalidSearches = []struct {
	name  string
	in    meshydb.UserSearch
	field string
}{
	{"page size too big", meshydb.UserSearch{PageSize: meshydb.MaxPageSize + 1}, "search.PageSize"},
	{"page size negative", meshydb.UserSearch{PageSize: -1}, "search.PageSize"},
	{"page negative", meshydb.UserSearch{Page: -1}, "search.Page"},
	{"order by not JSON", meshydb.UserSearch{OrderBy: `{"username": 1`}, "search.OrderBy"},
	{"order by bare word", meshydb.UserSearch{OrderBy: `username`}, "search.OrderBy"},
}

func TestUsers_SearchInvalid(t *testing.T) {
	t.Parallel()
	for _, tc := range usrInvalidSearches {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, usrApp)
			page, err := s.client(usrTenant).Users.Search(context.Background(), &tc.in)
			requireInvalid(t, err, tc.field)
			assert.Nil(t, page)
			s.assertNotSent()
		})
	}
}

// TestUsers_AllInvalidSearch: All takes the same search as Search, so it
// must refuse the same input, yielding the error once and sending nothing.
func TestUsers_AllInvalidSearch(t *testing.T) {
	t.Parallel()
	for _, tc := range usrInvalidSearches {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, usrApp)
			s.reply(http.StatusOK, `{"results":[],"page":1,"pageSize":25,"totalRecords":0}`)
			var n int
			for u, err := range s.client(usrTenant).Users.All(context.Background(), &tc.in) {
				n++
				assert.Nil(t, u)
				requireInvalid(t, err, tc.field)
			}
			assert.Equal(t, 1, n, "All yields the error once")
			s.assertNotSent()
		})
	}
}

func TestUsers_SearchDecodesPage(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, usrApp)
	s.reply(http.StatusOK, `{"results":[`+usrUserJSON+`,{"id":"u2","username":"two","roles":["admin","test"]}],`+
		`"page":1,"pageSize":25,"totalRecords":2}`)
	page, err := s.client(usrTenant).Users.Search(context.Background(), &meshydb.UserSearch{Name: "t"})
	require.NoError(t, err)
	assert.Equal(t, 1, page.Page)
	assert.Equal(t, 25, page.PageSize)
	assert.Equal(t, 2, page.TotalRecords)
	require.Len(t, page.Results, 2)
	usrAssertUser(t, usrWantUser(), &page.Results[0])
	usrAssertUser(t, &meshydb.User{ID: "u2", Username: "two",
		Roles: []meshydb.Role{{Name: "admin"}, {Name: "test"}}}, &page.Results[1])
}

func TestUsers_SearchSinglePageOfReference(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, usrApp)
	s.reply(http.StatusOK, `{ "results": [ `+usrUserJSON+` ], "page": 1, "pageSize": 25, "totalRecords": 1 }`)
	page, err := s.client("").Users.Search(context.Background(), nil)
	require.NoError(t, err)
	require.Len(t, page.Results, 1)
	usrAssertUser(t, usrWantUser(), &page.Results[0])
	assert.Equal(t, meshydb.UserPage{Results: page.Results, Page: 1, PageSize: 25, TotalRecords: 1}, *page)
	usrAssertRequest(t, s.only(), usrWant{method: http.MethodGet, url: usrAPI + "users"})
}

func TestUsers_SearchErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status   int
		body     string
		sentinel error
	}{
		{http.StatusForbidden, ``, meshydb.ErrForbidden},
		{http.StatusOK, ``, meshydb.ErrEmptyResponse},
		{http.StatusInternalServerError, `boom`, meshydb.ErrServer},
	} {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, usrApp)
			s.reply(tc.status, tc.body)
			page, err := s.client(usrTenant).Users.Search(context.Background(), &meshydb.UserSearch{Name: "secret-term"})
			require.ErrorIs(t, err, tc.sentinel)
			assert.Nil(t, page)
			assert.Len(t, s.requests(), 1)
		})
	}
}

// usrPagedServer answers users?page=N from a list of total users, size to
// a page, and fails page failPage (if non-zero) with a 500.
func usrPagedServer(t *testing.T, total, size, failPage int) *mockServer {
	s := newMockServer(t, usrApp)
	s.replyFunc(func(r mockRequest) (int, string) {
		req, err := http.NewRequest(r.Method, r.URL, nil)
		if err != nil {
			t.Errorf("bad URL %q", r.URL)
			return http.StatusBadRequest, ""
		}
		n, err := strconv.Atoi(req.URL.Query().Get("page"))
		if err != nil {
			t.Errorf("request without a page: %q", r.URL)
			return http.StatusBadRequest, ""
		}
		if n == failPage {
			return http.StatusInternalServerError, `{"message":"boom"}`
		}
		var results []string
		for i := (n-1)*size + 1; i <= min(n*size, total); i++ {
			results = append(results, fmt.Sprintf(`{"id":"u%d","username":"user%d"}`, i, i))
		}
		return http.StatusOK, fmt.Sprintf(`{"results":[%s],"page":%d,"pageSize":%d,"totalRecords":%d}`,
			strings.Join(results, ","), n, size, total)
	})
	return s
}

// usrQueries returns the raw query of every recorded request.
func usrQueries(s *mockServer) []string {
	var out []string
	for _, r := range s.requests() {
		out = append(out, r.RawQuery)
	}
	return out
}

func TestUsers_AllWalksEveryPage(t *testing.T) {
	t.Parallel()
	s := usrPagedServer(t, 5, 2, 0)
	search := &meshydb.UserSearch{Name: "user", ActiveOnly: new(false), PageSize: 2}
	before := *search

	var ids []string
	for u, err := range s.client(usrTenant).Users.All(context.Background(), search) {
		require.NoError(t, err)
		require.NotNil(t, u)
		ids = append(ids, u.ID)
	}
	assert.Equal(t, []string{"u1", "u2", "u3", "u4", "u5"}, ids)
	assert.Equal(t, []string{
		"activeOnly=false&name=user&page=1&pageSize=2",
		"activeOnly=false&name=user&page=2&pageSize=2",
		"activeOnly=false&name=user&page=3&pageSize=2",
	}, usrQueries(s))
	for _, r := range s.requests() {
		usrAssertRequest(t, r, usrWant{method: http.MethodGet, url: usrAPI + "users?" + r.RawQuery, tenant: usrTenant})
	}
	assert.Equal(t, before, *search, "All must not change the search it is given")
	assert.False(t, *search.ActiveOnly)
}

func TestUsers_AllFromALaterPage(t *testing.T) {
	t.Parallel()
	s := usrPagedServer(t, 5, 2, 0)
	search := &meshydb.UserSearch{Page: 2, PageSize: 2}
	var ids []string
	for u, err := range s.client(usrTenant).Users.All(context.Background(), search) {
		require.NoError(t, err)
		ids = append(ids, u.ID)
	}
	assert.Equal(t, []string{"u3", "u4", "u5"}, ids)
	assert.Equal(t, []string{"page=2&pageSize=2", "page=3&pageSize=2"}, usrQueries(s))
	assert.Equal(t, meshydb.UserSearch{Page: 2, PageSize: 2}, *search)
}

func TestUsers_AllNilSearch(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, usrApp)
	s.reply(http.StatusOK, `{"results":[`+usrUserJSON+`],"page":1,"pageSize":25,"totalRecords":1}`)
	var users []*meshydb.User
	for u, err := range s.client(usrTenant).Users.All(context.Background(), nil) {
		require.NoError(t, err)
		users = append(users, u)
	}
	require.Len(t, users, 1)
	usrAssertUser(t, usrWantUser(), users[0])
	assert.Equal(t, []string{"page=1"}, usrQueries(s))
}

func TestUsers_AllEarlyBreak(t *testing.T) {
	t.Parallel()
	s := usrPagedServer(t, 5, 2, 0)
	var ids []string
	for u, err := range s.client(usrTenant).Users.All(context.Background(), &meshydb.UserSearch{PageSize: 2}) {
		require.NoError(t, err)
		ids = append(ids, u.ID)
		if len(ids) == 3 {
			break
		}
	}
	assert.Equal(t, []string{"u1", "u2", "u3"}, ids)
	assert.Equal(t, []string{"page=1&pageSize=2", "page=2&pageSize=2"}, usrQueries(s),
		"only the pages the loop reached are fetched")
}

func TestUsers_AllFailingPage(t *testing.T) {
	t.Parallel()
	s := usrPagedServer(t, 5, 2, 2)
	type item struct {
		user *meshydb.User
		err  error
	}
	var got []item
	for u, err := range s.client(usrTenant).Users.All(context.Background(), &meshydb.UserSearch{PageSize: 2}) {
		got = append(got, item{u, err})
	}
	require.Len(t, got, 3, "two users, then the error")
	for i, want := range []string{"u1", "u2"} {
		require.NoError(t, got[i].err)
		require.NotNil(t, got[i].user)
		assert.Equal(t, want, got[i].user.ID)
	}
	last := got[2]
	assert.Nil(t, last.user)
	require.ErrorIs(t, last.err, meshydb.ErrServer)
	var apiErr *meshydb.APIError
	require.ErrorAs(t, last.err, &apiErr)
	assert.Equal(t, http.StatusInternalServerError, apiErr.StatusCode)
	assert.Equal(t, []string{"page=1&pageSize=2", "page=2&pageSize=2"}, usrQueries(s))
}

func TestUsers_AllEmptyFirstPage(t *testing.T) {
	t.Parallel()
	s := usrPagedServer(t, 0, 2, 0)
	n := 0
	for range s.client(usrTenant).Users.All(context.Background(), &meshydb.UserSearch{PageSize: 2}) {
		n++
	}
	assert.Zero(t, n)
	assert.Equal(t, []string{"page=1&pageSize=2"}, usrQueries(s))
}

func TestUsers_AllBreakOnError(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, usrApp)
	s.reply(http.StatusForbidden, ``)
	n := 0
	for _, err := range s.client(usrTenant).Users.All(context.Background(), nil) {
		n++
		require.ErrorIs(t, err, meshydb.ErrForbidden)
		break
	}
	assert.Equal(t, 1, n)
	assert.Len(t, s.requests(), 1)
}

func TestUsers_NilContext(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, usrApp)
	var ctx context.Context // deliberately nil
	_, err := s.client(usrTenant).Users.Me(ctx)
	requireInvalid(t, err, "ctx")
	s.assertNotSent()
}

func TestUsers_AfterLogoutNothingIsSent(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, usrApp)
	s.respond(http.MethodPost, usrAuth+"connect/revocation", http.StatusOK, "")
	c := s.client(usrTenant)
	ctx := context.Background()
	require.NoError(t, c.Logout(ctx))

	reqs := s.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, http.MethodPost, reqs[0].Method)
	assert.Equal(t, usrAuth+"connect/revocation", reqs[0].URL)
	form := string(reqs[0].Body)
	assert.Contains(t, form, "token=rt")
	assert.Contains(t, form, "token_type_hint=refresh_token")
	assert.Contains(t, form, "client_id="+usrPublicKey)

	qs := []meshydb.SecurityAnswer{{Question: "Q", Answer: "A"}}
	calls := map[string]func(*meshydb.UsersService) error{
		"Me": func(u *meshydb.UsersService) error { _, err := u.Me(ctx); return err },
		"UpdateMe": func(u *meshydb.UsersService) error {
			_, err := u.UpdateMe(ctx, &meshydb.UserUpdate{FirstName: new("Ann")})
			return err
		},
		"ChangePassword":            func(u *meshydb.UsersService) error { return u.ChangePassword(ctx, "old", "new") },
		"UpdateMySecurityQuestions": func(u *meshydb.UsersService) error { return u.UpdateMySecurityQuestions(ctx, qs) },
		"Create": func(u *meshydb.UsersService) error {
			_, err := u.Create(ctx, &meshydb.NewUser{Username: "ann", NewPassword: "pw"})
			return err
		},
		"Get": func(u *meshydb.UsersService) error { _, err := u.Get(ctx, "id1"); return err },
		"Update": func(u *meshydb.UsersService) error {
			_, err := u.Update(ctx, "id1", &meshydb.UserUpdate{FirstName: new("Ann")})
			return err
		},
		"Delete":                  func(u *meshydb.UsersService) error { return u.Delete(ctx, "id1") },
		"UpdateSecurityQuestions": func(u *meshydb.UsersService) error { return u.UpdateSecurityQuestions(ctx, "id1", qs) },
		"Search": func(u *meshydb.UsersService) error {
			_, err := u.Search(ctx, &meshydb.UserSearch{Name: "a"})
			return err
		},
		"All": func(u *meshydb.UsersService) error {
			var errs []error
			for user, err := range u.All(ctx, nil) {
				if user != nil {
					return errors.New("All yielded a user after logout")
				}
				errs = append(errs, err)
			}
			if len(errs) != 1 {
				return fmt.Errorf("All yielded %d errors, want 1", len(errs))
			}
			return errs[0]
		},
	}
	for name, call := range calls {
		err := call(c.Users)
		assert.ErrorIs(t, err, meshydb.ErrLoggedOut, name)
	}
	assert.Len(t, s.requests(), 1, "nothing is sent after Logout but the revocation")
}
