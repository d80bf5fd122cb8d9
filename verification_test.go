package meshydb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/meshydb/meshydb-go"
)

// The registration and verification tests run on the shared mockServer
// (mock_test.go) with the app and request assertions of users_test.go
// (usrApp, usrAssertRequest); their own helpers carry a "ver" prefix.
const (
	verRegisterURL = usrAPI + "users/register"
	verVerifyURL   = usrAPI + "users/verify"
	verCheckURL    = usrAPI + "users/checkhash"

	verPassword = "pw-s3cret-reg"
	verHash     = "verif-hash-0af3"
	verCode     = "code-424242"
)

// verFullUser is a RegisterUser with every field set.
func verFullUser() *meshydb.RegisterUser {
	return &meshydb.RegisterUser{
		Username:          "newbie",
		NewPassword:       verPassword,
		FirstName:         "New",
		LastName:          "Bie",
		PhoneNumber:       "+15555555555",
		EmailAddress:      "new@test.com",
		SecurityQuestions: []meshydb.SecurityAnswer{{Question: "First pet?", Answer: "Rex"}},
	}
}

const verFullUserJSON = `{"username":"newbie","newPassword":"pw-s3cret-reg","firstName":"New","lastName":"Bie",
	"phoneNumber":"+15555555555","emailAddress":"new@test.com",
	"securityQuestions":[{"question":"First pet?","answer":"Rex"}]}`

// verHashJSON is a verification hash as the server sends it, with expires
// given as raw JSON.
func verHashJSON(expires string) string {
	return `{"username":"newbie","expires":` + expires + `,"hash":"` + verHash + `"}`
}

// verRegister registers verFullUser against s answering 201 with a hash
// whose expires is the raw JSON text expires.
func verRegister(t *testing.T, s *mockServer, db *meshydb.MeshyDB, expires string) *meshydb.VerificationHash {
	t.Helper()
	s.reply(http.StatusCreated, verHashJSON(expires))
	hash, err := db.Register(context.Background(), verFullUser())
	require.NoError(t, err)
	require.NotNil(t, hash)
	return hash
}

func TestRegister_WireFormat(t *testing.T) {
	t.Parallel()
	for _, tenant := range []string{usrTenant, ""} {
		t.Run("tenant="+tenant, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, usrApp)
			hash := verRegister(t, s, s.db(tenant), `"1/1/1900"`)

			usrAssertRequest(t, s.only(), usrWant{method: http.MethodPost, url: verRegisterURL,
				tenant: tenant, noAuth: true, body: verFullUserJSON})

			assert.Equal(t, "newbie", hash.Username)
			assert.Equal(t, verHash, hash.Hash)
			assert.True(t, hash.Expires.Equal(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)), "%v", hash.Expires)
			assert.Zero(t, hash.Attempt)
			assert.Empty(t, hash.Hint)
			assert.Empty(t, hash.VerificationCode)

			// The expires text is kept as the server sent it.
			wire, err := json.Marshal(hash)
			require.NoError(t, err)
			assert.Contains(t, string(wire), `"expires":"1/1/1900"`)
		})
	}
}

func TestRegister_SignedInClientDoesNotMatter(t *testing.T) {
	t.Parallel()
	// Register is a MeshyDB-level call: even with a session open on the
	// same MeshyDB, no bearer token is sent.
	s := newMockServer(t, usrApp)
	db := s.db(usrTenant)
	_, err := db.Resume(&oauth2.Token{AccessToken: "at", RefreshToken: "rt", Expiry: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	verRegister(t, s, db, `"1900-01-01T00:00:00.000Z"`)
	usrAssertRequest(t, s.only(), usrWant{method: http.MethodPost, url: verRegisterURL,
		tenant: usrTenant, noAuth: true, body: verFullUserJSON})
}

func TestRegister_SendsOnlyWhatIsSet(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, usrApp)
	s.reply(http.StatusNoContent, "")
	hash, err := s.db(usrTenant).Register(context.Background(),
		&meshydb.RegisterUser{Username: "newbie", NewPassword: verPassword})
	require.NoError(t, err)
	assert.Nil(t, hash)
	usrAssertRequest(t, s.only(), usrWant{method: http.MethodPost, url: verRegisterURL, tenant: usrTenant, noAuth: true,
		body:   `{"username":"newbie","newPassword":"pw-s3cret-reg"}`,
		absent: []string{"firstName", "lastName", "phoneNumber", "emailAddress", "securityQuestions"}})
}

func TestRegister_NoVerificationNeeded(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status int
		body   string
	}{
		{http.StatusNoContent, ""},
		{http.StatusOK, ""},
		{http.StatusCreated, ""},
		{http.StatusCreated, "null"},
		{http.StatusCreated, " null \n"},
	} {
		t.Run(fmt.Sprintf("%d %q", tc.status, tc.body), func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, usrApp)
			s.reply(tc.status, tc.body)
			hash, err := s.db("").Register(context.Background(), verFullUser())
			require.NoError(t, err)
			assert.Nil(t, hash)
			assert.Len(t, s.requests(), 1)
		})
	}
}

func TestRegister_Invalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		user  *meshydb.RegisterUser
		field string
	}{
		{"nil", nil, "user"},
		{"no username", &meshydb.RegisterUser{NewPassword: verPassword}, "user.Username"},
		{"blank username", &meshydb.RegisterUser{Username: " \t", NewPassword: verPassword}, "user.Username"},
		{"control character in username", &meshydb.RegisterUser{Username: "a\nb", NewPassword: verPassword}, "user.Username"},
		{"no password", &meshydb.RegisterUser{Username: "newbie"}, "user.NewPassword"},
		{"blank question", &meshydb.RegisterUser{Username: "newbie", NewPassword: verPassword,
			SecurityQuestions: []meshydb.SecurityAnswer{{Question: "", Answer: "Rex"}}}, "user.SecurityQuestions[0].Question"},
		{"blank answer", &meshydb.RegisterUser{Username: "newbie", NewPassword: verPassword,
			SecurityQuestions: []meshydb.SecurityAnswer{{Question: "Pet?", Answer: "Rex"}, {Question: "City?"}}},
			"user.SecurityQuestions[1].Answer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, usrApp)
			hash, err := s.db(usrTenant).Register(context.Background(), tc.user)
			requireInvalid(t, err, tc.field)
			assert.Nil(t, hash)
			assert.NotContains(t, err.Error(), verPassword)
			s.assertNotSent()
		})
	}
}

func TestRegister_BadRequest(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`"Username must be unique"`,
		`{"message":"Username must be unique"}`,
		`["Username must be unique"]`,
		`Username must be unique`,
	} {
		t.Run(body, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, usrApp)
			s.reply(http.StatusBadRequest, body)
			hash, err := s.db(usrTenant).Register(context.Background(), verFullUser())
			require.ErrorIs(t, err, meshydb.ErrBadRequest)
			assert.Nil(t, hash)
			var apiErr *meshydb.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
			assert.Equal(t, "Username must be unique", apiErr.Message)
			assert.Equal(t, body, string(apiErr.Body))
			assert.Contains(t, err.Error(), "Username must be unique")
			for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
				assert.NotContains(t, text, verPassword)
				assert.NotContains(t, text, "Rex", "security answers stay out of errors")
			}
			assert.Len(t, s.requests(), 1, "a 400 is not retried")
		})
	}
}

// verExpiresTexts are expires values, as raw JSON, that Verify and
// CheckVerificationHash must send back byte for byte.
var verExpiresTexts = []string{
	`"1/1/1900"`,
	`"1-1-2019"`,
	`"1900-01-01T00:00:00.000Z"`,
	`"2019-01-01T00:00:00.0000000+00:00"`,
	`"2019-10-18T15:11:55.2413015-05:00"`,
	`"2019-01-01T00:00:00.0000000\u002B00:00"`,
	`"not a date at all"`,
}

func TestVerify_EchoesHashVerbatim(t *testing.T) {
	t.Parallel()
	for _, expires := range verExpiresTexts {
		t.Run(expires, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, usrApp)
			db := s.db(usrTenant)
			hash := verRegister(t, s, db, expires)
			hash.VerificationCode = verCode

			s.reply(http.StatusNoContent, "")
			require.NoError(t, db.Verify(context.Background(), hash))

			reqs := s.requests()
			require.Len(t, reqs, 2)
			want := `{"username":"newbie","expires":` + expires + `,"hash":"` + verHash + `","verificationCode":"` + verCode + `"}`
			usrAssertRequest(t, reqs[1], usrWant{method: http.MethodPost, url: verVerifyURL, tenant: usrTenant,
				noAuth: true, body: want, absent: []string{"newPassword", "attempt", "hint"}})
			assert.Contains(t, string(reqs[1].Body), `"expires":`+expires, "expires is echoed byte for byte")
		})
	}
}

func TestVerify_EchoesAttemptAndHint(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, usrApp)
	db := s.db("")
	s.reply(http.StatusCreated, `{"username":"newbie","expires":"1/1/1900","hash":"`+verHash+`","attempt":2,"hint":"Pet?"}`)
	hash, err := db.Register(context.Background(), verFullUser())
	require.NoError(t, err)
	require.NotNil(t, hash)
	assert.Equal(t, 2, hash.Attempt)
	assert.Equal(t, "Pet?", hash.Hint)
	hash.VerificationCode = verCode

	s.reply(http.StatusOK, "")
	require.NoError(t, db.Verify(context.Background(), hash))
	reqs := s.requests()
	require.Len(t, reqs, 2)
	usrAssertRequest(t, reqs[1], usrWant{method: http.MethodPost, url: verVerifyURL, noAuth: true,
		body: `{"username":"newbie","expires":"1/1/1900","hash":"` + verHash + `","attempt":2,"hint":"Pet?","verificationCode":"` + verCode + `"}`})
}

func TestVerify_HandBuiltHash(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, usrApp)
	s.reply(http.StatusNoContent, "")
	hash := &meshydb.VerificationHash{Username: "newbie", Hash: verHash,
		Expires: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), VerificationCode: verCode}
	require.NoError(t, s.db(usrTenant).Verify(context.Background(), hash))
	usrAssertRequest(t, s.only(), usrWant{method: http.MethodPost, url: verVerifyURL, tenant: usrTenant, noAuth: true,
		body: `{"username":"newbie","expires":"2030-01-02T03:04:05Z","hash":"` + verHash + `","verificationCode":"` + verCode + `"}`})
}

// verHashCalls are the calls that take a VerificationHash with its code.
var verHashCalls = []struct {
	name string
	url  string
	call func(*meshydb.MeshyDB, *meshydb.VerificationHash) error
}{
	{"Verify", verVerifyURL, func(db *meshydb.MeshyDB, h *meshydb.VerificationHash) error {
		return db.Verify(context.Background(), h)
	}},
	{"CheckVerificationHash", verCheckURL, func(db *meshydb.MeshyDB, h *meshydb.VerificationHash) error {
		_, err := db.CheckVerificationHash(context.Background(), h)
		return err
	}},
}

func TestVerify_Invalid(t *testing.T) {
	t.Parallel()
	full := func() *meshydb.VerificationHash {
		return &meshydb.VerificationHash{Username: "newbie", Hash: verHash,
			Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), VerificationCode: verCode}
	}
	tests := []struct {
		name  string
		hash  func() *meshydb.VerificationHash
		field string
	}{
		{"nil hash", func() *meshydb.VerificationHash { return nil }, "hash"},
		{"no code", func() *meshydb.VerificationHash { h := full(); h.VerificationCode = ""; return h }, "hash.VerificationCode"},
		{"blank code", func() *meshydb.VerificationHash { h := full(); h.VerificationCode = "  "; return h }, "hash.VerificationCode"},
		{"no hash", func() *meshydb.VerificationHash { h := full(); h.Hash = ""; return h }, "hash.Hash"},
		{"no username", func() *meshydb.VerificationHash { h := full(); h.Username = ""; return h }, "hash.Username"},
		{"no expires", func() *meshydb.VerificationHash { h := full(); h.Expires = time.Time{}; return h }, "hash.Expires"},
	}
	for _, c := range verHashCalls {
		for _, tc := range tests {
			t.Run(c.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				s := newMockServer(t, usrApp)
				err := c.call(s.db(usrTenant), tc.hash())
				requireInvalid(t, err, tc.field)
				assert.NotContains(t, err.Error(), verHash)
				assert.NotContains(t, err.Error(), verCode)
				s.assertNotSent()
			})
		}
	}
}

func TestVerify_Errors(t *testing.T) {
	t.Parallel()
	for _, c := range verHashCalls {
		for _, tc := range []struct {
			status   int
			body     string
			sentinel error
		}{
			{http.StatusBadRequest, `{"message":"Hash expired"}`, meshydb.ErrBadRequest},
			{http.StatusBadRequest, `"User already verified"`, meshydb.ErrBadRequest},
			{http.StatusTooManyRequests, ``, meshydb.ErrRateLimited},
		} {
			t.Run(c.name+"/"+strconv.Itoa(tc.status)+tc.body, func(t *testing.T) {
				t.Parallel()
				s := newMockServer(t, usrApp)
				s.reply(tc.status, tc.body)
				hash := &meshydb.VerificationHash{Username: "newbie", Hash: verHash,
					Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), VerificationCode: verCode}
				err := c.call(s.db(usrTenant), hash)
				require.ErrorIs(t, err, tc.sentinel)
				for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
					assert.NotContains(t, text, verHash)
					assert.NotContains(t, text, verCode)
				}
				assert.Equal(t, c.url, s.only().URL)
			})
		}
	}
}

func TestCheckVerificationHash(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body string
		want bool
	}{{"true", true}, {"false", false}, {" true\n", true}} {
		t.Run(tc.body, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, usrApp)
			db := s.db(usrTenant)
			hash := verRegister(t, s, db, `"2019-01-01T00:00:00.0000000+00:00"`)
			hash.VerificationCode = verCode

			s.reply(http.StatusOK, tc.body)
			valid, err := db.CheckVerificationHash(context.Background(), hash)
			require.NoError(t, err)
			assert.Equal(t, tc.want, valid)

			reqs := s.requests()
			require.Len(t, reqs, 2)
			usrAssertRequest(t, reqs[1], usrWant{method: http.MethodPost, url: verCheckURL, tenant: usrTenant, noAuth: true,
				body: `{"username":"newbie","expires":"2019-01-01T00:00:00.0000000+00:00","hash":"` + verHash +
					`","verificationCode":"` + verCode + `"}`,
				absent: []string{"newPassword"}})
			assert.Contains(t, string(reqs[1].Body), `"expires":"2019-01-01T00:00:00.0000000+00:00"`)
		})
	}
}

func TestCheckVerificationHash_BadAnswer(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"", "null", `"yes"`, `{"valid":true}`} {
		t.Run(body, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, usrApp)
			s.reply(http.StatusOK, body)
			hash := &meshydb.VerificationHash{Username: "newbie", Hash: verHash,
				Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), VerificationCode: verCode}
			valid, err := s.db("").CheckVerificationHash(context.Background(), hash)
			require.Error(t, err)
			assert.False(t, valid)
		})
	}
}

func TestVerificationHash_Redacted(t *testing.T) {
	t.Parallel()
	h := meshydb.VerificationHash{Username: "newbie", Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
		Hash: verHash, Hint: "Pet?", Attempt: 1, VerificationCode: verCode}
	var decoded meshydb.VerificationHash
	require.NoError(t, json.Unmarshal([]byte(`{"username":"newbie","expires":"1/1/1900","hash":"`+verHash+
		`","verificationCode":"`+verCode+`"}`), &decoded))

	for _, v := range []any{h, &h, decoded, &decoded} {
		texts := usrRenderings(v, true)
		for _, text := range texts {
			assert.NotContains(t, text, verHash)
			assert.NotContains(t, text, verCode)
		}
		assert.Contains(t, texts[1], "newbie", "the username is not secret")
		assert.Contains(t, texts[1], "[REDACTED]", "%%v shows that the secrets are set")
	}

	// The JSON form keeps the secrets so the hash can be stored between
	// requests; it is documented as secret.
	wire, err := json.Marshal(h)
	require.NoError(t, err)
	assert.Contains(t, string(wire), verHash)
	assert.Contains(t, string(wire), verCode)
}

func TestUsernameExists_OneEscapedSegment(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		username, escaped string
		exists            bool
	}{
		{"newbie", "newbie", true},
		{"a/b", "a%2Fb", false},
		{"../admin", "..%2Fadmin", true},
		{"%", "%25", false},
		{"a b", "a%20b", false},
		{"ü", "%C3%BC", true},
		{"?x=1#y", "%3Fx=1%23y", false},
		{"login@email.com", "login@email.com", true},
	} {
		t.Run(tc.username, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, usrApp)
			s.reply(http.StatusOK, `{"exists":`+strconv.FormatBool(tc.exists)+`}`)
			exists, err := s.db(usrTenant).UsernameExists(context.Background(), tc.username)
			require.NoError(t, err)
			assert.Equal(t, tc.exists, exists)
			r := s.only()
			usrAssertRequest(t, r, usrWant{method: http.MethodGet, url: usrAPI + "users/" + tc.escaped + "/exists",
				tenant: usrTenant, noAuth: true})
			assert.Equal(t, "/"+usrClientKey+"/users/"+tc.escaped+"/exists", r.EscapedPath)
			assert.Empty(t, r.RawQuery)
		})
	}
}

func TestUsernameExists_Invalid(t *testing.T) {
	t.Parallel()
	for _, username := range []string{"", " ", ".", "..", "a\x00b", "a\r\nb"} {
		t.Run(strconv.Quote(username), func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, usrApp)
			_, err := s.db(usrTenant).UsernameExists(context.Background(), username)
			requireInvalid(t, err, "username")
			s.assertNotSent()
		})
	}
}
