package meshydb_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshydb/meshydb-go"
)

// Names used throughout the password-recovery tests. The helpers below carry
// an "fp" prefix because other test files share the meshydb_test package.
const (
	fpClientKey = "clientkey"
	fpTenant    = "tenant-a"
	fpPublicKey = "publickey"
	fpUsername  = "username_testermctesterson"
	fpHash      = "randomlygeneratedhash"

	fpBase      = "https://api.meshydb.com/" + fpClientKey + "/"
	fpForgotURL = fpBase + "users/forgotpassword"
	fpCheckURL  = fpBase + "users/checkhash"
	fpResetURL  = fpBase + "users/resetpassword"

	// fpSeedResponse is the example response of the seed page.
	fpSeedResponse = `{
    "username": "username_testermctesterson",
    "expires": "1900-01-01T00:00:00.000Z",
    "hash": "randomlygeneratedhash"
  }`
)

// fpApp is the app of the password-recovery tests: on the default hosts,
// with the default retries (noRetries turns them off where a test counts
// requests after an error answer).
var fpApp = mockApp{clientKey: fpClientKey, publicKey: fpPublicKey}

// fpAssertJSONHeaders checks the headers every JSON request carries.
func fpAssertJSONHeaders(t *testing.T, h http.Header, tenant string) {
	t.Helper()
	assert.Equal(t, "application/json", h.Get("Accept"))
	assert.Equal(t, "application/json", h.Get("Content-Type"))
	assert.True(t, strings.HasPrefix(h.Get("User-Agent"), "meshydb-go/"+meshydb.Version),
		"User-Agent %q", h.Get("User-Agent"))
	if tenant == "" {
		assert.Empty(t, h.Values("Tenant"), "no tenant header when tenant is empty")
	} else {
		assert.Equal(t, []string{tenant}, h.Values("Tenant"))
	}
}

func TestForgotPassword_SeedWireFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		tenant  string
		opts    []meshydb.Option
		wantURL string
	}{
		{
			name:    "default base with tenant",
			tenant:  fpTenant,
			wantURL: "https://api.meshydb.com/clientkey/users/forgotpassword",
		},
		{
			name:    "default base without tenant",
			tenant:  "",
			wantURL: "https://api.meshydb.com/clientkey/users/forgotpassword",
		},
		{
			name:    "WithAPIURL host only",
			tenant:  fpTenant,
			opts:    []meshydb.Option{meshydb.WithAPIURL("http://127.0.0.1:8080")},
			wantURL: "http://127.0.0.1:8080/clientkey/users/forgotpassword",
		},
		{
			name:    "WithAPIURL path prefix",
			tenant:  fpTenant,
			opts:    []meshydb.Option{meshydb.WithAPIURL("https://gateway.example.com/meshy")},
			wantURL: "https://gateway.example.com/meshy/clientkey/users/forgotpassword",
		},
		{
			name:    "WithAPIURL path prefix and trailing slash",
			tenant:  "",
			opts:    []meshydb.Option{meshydb.WithAPIURL("https://gateway.example.com/meshy/")},
			wantURL: "https://gateway.example.com/meshy/clientkey/users/forgotpassword",
		},
		{
			name:    "WithAuthURL does not move the API",
			tenant:  fpTenant,
			opts:    []meshydb.Option{meshydb.WithAuthURL("https://auth.example.com")},
			wantURL: "https://api.meshydb.com/clientkey/users/forgotpassword",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, fpApp)
			s.respond(http.MethodPost, tc.wantURL, http.StatusOK, fpSeedResponse)
			db := s.db(tc.tenant, tc.opts...)

			hash, err := db.ForgotPassword(context.Background(), fpUsername)
			require.NoError(t, err)

			req := s.only()
			assert.Equal(t, http.MethodPost, req.Method)
			assert.Equal(t, tc.wantURL, req.URL)
			fpAssertJSONHeaders(t, req.Header, tc.tenant)
			assert.JSONEq(t, `{"username":"username_testermctesterson"}`, string(req.Body))
			assert.NotContains(t, bodyMap(t, req.Body), "attempt", "ForgotPassword must not send attempt")

			require.NotNil(t, hash)
			assert.Equal(t, fpUsername, hash.Username)
			assert.Equal(t, fpHash, hash.Hash)
			assert.True(t, hash.Expires.Equal(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)), "Expires = %v", hash.Expires)
		})
	}
}

func TestForgotPassword_UserAgentAndClientKeyEscaping(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, mockApp{clientKey: "my account", publicKey: fpPublicKey})
	const wantURL = "https://api.meshydb.com/my%20account/users/forgotpassword"
	s.respond(http.MethodPost, wantURL, http.StatusOK, fpSeedResponse)
	db := s.db(fpTenant, meshydb.WithUserAgent("myapp/1.2"))

	_, err := db.ForgotPassword(context.Background(), fpUsername)
	require.NoError(t, err)

	req := s.only()
	assert.Equal(t, wantURL, req.URL)
	assert.Equal(t, "meshydb-go/"+meshydb.Version+" myapp/1.2", req.Header.Get("User-Agent"))
}

func TestForgotPassword_DecodesResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		response string
		want     meshydb.PasswordResetHash
	}{
		{
			name:     "seed example",
			response: fpSeedResponse,
			want: meshydb.PasswordResetHash{
				Username: fpUsername,
				Expires:  time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC),
				Hash:     fpHash,
			},
		},
		{
			name: "later revision with attempt and hint",
			response: `{"username":"username_testermctesterson","expires":"2019-10-18T15:11:55.2413015-05:00",
				"hash":"randomlygeneratedhash","attempt":2,"hint":"What was your first pet's name?"}`,
			want: meshydb.PasswordResetHash{
				Username: fpUsername,
				Expires:  time.Date(2019, 10, 18, 20, 11, 55, 241301500, time.UTC),
				Hash:     fpHash,
				Attempt:  2,
				Hint:     "What was your first pet's name?",
			},
		},
		{
			name:     "null fields and unknown keys",
			response: `{"username":"bob","expires":null,"hash":"h","attempt":null,"hint":null,"extra":{"a":1}}`,
			want:     meshydb.PasswordResetHash{Username: "bob", Hash: "h"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, fpApp)
			s.respond(http.MethodPost, fpForgotURL, http.StatusOK, tc.response)

			got, err := s.db(fpTenant).ForgotPassword(context.Background(), fpUsername)
			require.NoError(t, err)
			require.NotNil(t, got)
			assert.Equal(t, tc.want.Username, got.Username)
			assert.Equal(t, tc.want.Hash, got.Hash)
			assert.Equal(t, tc.want.Attempt, got.Attempt)
			assert.Equal(t, tc.want.Hint, got.Hint)
			assert.Empty(t, got.VerificationCode)
			assert.True(t, tc.want.Expires.Equal(got.Expires), "Expires = %v, want %v", got.Expires, tc.want.Expires)
			assert.Equal(t, tc.want.Expires.IsZero(), got.Expires.IsZero())
		})
	}
}

func TestForgotPassword_EmptyOrBadAnswerIsAnError(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"", "null", "  \n", `not json`, `[1,2]`} {
		t.Run(fmt.Sprintf("%q", body), func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, fpApp)
			s.respond(http.MethodPost, fpForgotURL, http.StatusOK, body)
			hash, err := s.db(fpTenant).ForgotPassword(context.Background(), fpUsername)
			require.Error(t, err)
			assert.Nil(t, hash)
			assert.NotErrorIs(t, err, meshydb.ErrInvalidArgument)
			assert.Len(t, s.requests(), 1)
		})
	}
}

func TestForgotPasswordAttempt_SendsAttempt(t *testing.T) {
	t.Parallel()
	for _, attempt := range []int{1, 2, 7} {
		t.Run(fmt.Sprint(attempt), func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, fpApp)
			s.respond(http.MethodPost, fpForgotURL, http.StatusOK,
				fmt.Sprintf(`{"username":%q,"expires":"1900-01-01T00:00:00.000Z","hash":"h","attempt":%d,"hint":"Favourite colour?"}`,
					fpUsername, attempt))

			hash, err := s.db(fpTenant).ForgotPasswordAttempt(context.Background(), fpUsername, attempt)
			require.NoError(t, err)

			req := s.only()
			assert.Equal(t, http.MethodPost, req.Method)
			assert.Equal(t, fpForgotURL, req.URL)
			fpAssertJSONHeaders(t, req.Header, fpTenant)
			assert.JSONEq(t, fmt.Sprintf(`{"username":%q,"attempt":%d}`, fpUsername, attempt), string(req.Body))
			require.NotNil(t, hash)
			assert.Equal(t, attempt, hash.Attempt)
			assert.Equal(t, "Favourite colour?", hash.Hint)
		})
	}
}

func TestForgotPasswordAttempt_RejectsAttemptBelowOne(t *testing.T) {
	t.Parallel()
	for _, attempt := range []int{0, -1, -1 << 31} {
		t.Run(fmt.Sprint(attempt), func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, fpApp)
			hash, err := s.db(fpTenant).ForgotPasswordAttempt(context.Background(), fpUsername, attempt)
			require.ErrorIs(t, err, meshydb.ErrInvalidArgument)
			assert.Contains(t, err.Error(), "attempt")
			assert.Nil(t, hash)
			s.assertNotSent()
		})
	}
}

func TestForgotPassword_InvalidUsername(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		username string
	}{
		{"empty", ""},
		{"spaces", "   "},
		{"whitespace mix", " \t\r\n "},
		{"too long ascii", strings.Repeat("a", meshydb.MaxUsernameLength+1)},
		{"too long 257", strings.Repeat("b", 257)},
		{"too long multibyte", strings.Repeat("é", meshydb.MaxUsernameLength+1)},
		{"NUL", "bob\x00"},
		{"newline", "bob\nadmin"},
		{"carriage return", "bob\r"},
		{"tab", "bob\tsmith"},
		{"DEL", "bob\x7f"},
		{"C1 control", "bob\u0085"},
		{"invalid UTF-8", "bob\xff"},
	}
	calls := []struct {
		name string
		call func(*meshydb.MeshyDB, string) (*meshydb.PasswordResetHash, error)
	}{
		{"ForgotPassword", func(db *meshydb.MeshyDB, u string) (*meshydb.PasswordResetHash, error) {
			return db.ForgotPassword(context.Background(), u)
		}},
		{"ForgotPasswordAttempt", func(db *meshydb.MeshyDB, u string) (*meshydb.PasswordResetHash, error) {
			return db.ForgotPasswordAttempt(context.Background(), u, 1)
		}},
	}
	for _, c := range calls {
		for _, tc := range tests {
			t.Run(c.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				s := newMockServer(t, fpApp)
				hash, err := c.call(s.db(fpTenant), tc.username)
				require.ErrorIs(t, err, meshydb.ErrInvalidArgument)
				assert.Contains(t, err.Error(), "username")
				assert.Nil(t, hash)
				s.assertNotSent()
			})
		}
	}
}

func TestForgotPassword_AcceptsUnusualValidUsernames(t *testing.T) {
	t.Parallel()
	for _, username := range []string{
		"José",
		"用户",
		"Zoë Ünïcödé 🙂",
		"  padded  ",
		"../admin",
		"a/b?c=d#e",
		`quote"back\slash`,
		strings.Repeat("a", meshydb.MaxUsernameLength),
		strings.Repeat("用", meshydb.MaxUsernameLength),
	} {
		t.Run(fmt.Sprintf("%.12q", username), func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, fpApp)
			s.respond(http.MethodPost, fpForgotURL, http.StatusOK,
				fmt.Sprintf(`{"username":%s,"expires":"1900-01-01T00:00:00.000Z","hash":"h"}`, fpJSONString(t, username)))

			hash, err := s.db(fpTenant).ForgotPassword(context.Background(), username)
			require.NoError(t, err)

			req := s.only()
			assert.Equal(t, fpForgotURL, req.URL, "the username must never change the route")
			assert.Equal(t, map[string]any{"username": username}, bodyMap(t, req.Body))
			require.NotNil(t, hash)
			assert.Equal(t, username, hash.Username)
		})
	}
}

func TestForgotPassword_UnicodeSentAsUTF8(t *testing.T) {
	t.Parallel()
	for _, username := range []string{"José", "用户"} {
		t.Run(username, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, fpApp)
			s.respond(http.MethodPost, fpForgotURL, http.StatusOK, fpSeedResponse)
			_, err := s.db("").ForgotPassword(context.Background(), username)
			require.NoError(t, err)
			req := s.only()
			assert.JSONEq(t, `{"username":"`+username+`"}`, string(req.Body))
			assert.Contains(t, string(req.Body), username, "non-ASCII is sent as UTF-8")
		})
	}
}

func fpJSONString(t *testing.T, s string) string {
	t.Helper()
	b, err := json.Marshal(s)
	require.NoError(t, err)
	return string(b)
}

// fpDateShapes are the expires texts the reference lists, with the instant
// each one stands for (zero when it cannot be read).
var fpDateShapes = []struct {
	text string
	want time.Time
}{
	{"1900-01-01T00:00:00.000Z", time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)},
	{"2019-01-01T00:00:00.0000000+00:00", time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)},
	{"2019-01-01T00:00:00.0000+00:00", time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)},
	{"2019-10-18T15:11:55.2413015-05:00", time.Date(2019, 10, 18, 15, 11, 55, 241301500, time.FixedZone("", -5*60*60))},
	{"1/1/1900", time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)},
	{"1-1-2019", time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)},
	{"not a date", time.Time{}},
}

func TestPasswordReset_RequestParity(t *testing.T) {
	t.Parallel()
	type variant struct {
		name     string
		attempt  int
		hint     string
		code     string
		password string
	}
	variants := []variant{
		{name: "seed era", password: "newPassword"},
		{name: "later revision", attempt: 3, hint: "Name of your first school?", code: "Hogwarts 1991", password: "n3w-P@ss w0rd"},
	}
	for _, shape := range fpDateShapes {
		for _, v := range variants {
			t.Run(v.name+"/"+shape.text, func(t *testing.T) {
				t.Parallel()
				s := newMockServer(t, fpApp)
				forgot := map[string]any{"username": fpUsername, "expires": shape.text, "hash": fpHash}
				if v.attempt != 0 {
					forgot["attempt"] = v.attempt
					forgot["hint"] = v.hint
				}
				forgotJSON, err := json.Marshal(forgot)
				require.NoError(t, err)
				s.respond(http.MethodPost, fpForgotURL, http.StatusOK, string(forgotJSON))
				s.respond(http.MethodPost, fpCheckURL, http.StatusOK, "true")
				s.respond(http.MethodPost, fpResetURL, http.StatusNoContent, "")
				db := s.db(fpTenant)
				ctx := context.Background()

				hash, err := db.ForgotPassword(ctx, fpUsername)
				require.NoError(t, err)
				require.NotNil(t, hash)
				if shape.want.IsZero() {
					assert.True(t, hash.Expires.IsZero(), "unreadable date must give zero Expires, got %v", hash.Expires)
				} else {
					assert.True(t, shape.want.Equal(hash.Expires), "Expires = %v, want %v", hash.Expires, shape.want)
				}

				hash.VerificationCode = v.code
				wantExpires := `"expires":"` + shape.text + `"`
				want := map[string]any{"username": fpUsername, "expires": shape.text, "hash": fpHash}
				if v.attempt != 0 {
					want["attempt"] = float64(v.attempt)
					want["hint"] = v.hint
				}
				if v.code != "" {
					want["verificationCode"] = v.code
				}

				if v.code != "" {
					ok, err := db.CheckHash(ctx, hash)
					require.NoError(t, err)
					assert.True(t, ok)
				}
				require.NoError(t, db.ResetPassword(ctx, hash, v.password))

				reqs := s.requests()
				wantURLs := []string{fpForgotURL, fpResetURL}
				if v.code != "" {
					wantURLs = []string{fpForgotURL, fpCheckURL, fpResetURL}
				}
				require.Len(t, reqs, len(wantURLs))
				for i, req := range reqs[1:] {
					assert.Equal(t, http.MethodPost, req.Method)
					assert.Equal(t, wantURLs[i+1], req.URL)
					fpAssertJSONHeaders(t, req.Header, fpTenant)
					assert.Contains(t, string(req.Body), wantExpires, "expires must be echoed byte for byte")
					body := bodyMap(t, req.Body)
					wantBody := want
					if req.URL == fpResetURL {
						wantBody = map[string]any{"newPassword": v.password}
						for k, val := range want {
							wantBody[k] = val
						}
					}
					assert.Equal(t, wantBody, body, "%s body", req.URL)
				}

				// A second round with the same hash is still identical.
				require.NoError(t, db.ResetPassword(ctx, hash, v.password))
				reqs = s.requests()
				assert.Equal(t, string(reqs[len(reqs)-2].Body), string(reqs[len(reqs)-1].Body))
			})
		}
	}
}

func TestPasswordReset_HandBuiltHashSendsRFC3339(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		expires     time.Time
		wantExpires string
	}{
		{"utc", time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), "2030-01-02T03:04:05Z"},
		{"fraction and offset", time.Date(2030, 1, 2, 3, 4, 5, 123000000, time.FixedZone("", 2*60*60)), "2030-01-02T03:04:05.123+02:00"},
		{"1900", time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), "1900-01-01T00:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, fpApp)
			s.respond(http.MethodPost, fpCheckURL, http.StatusOK, "false")
			s.respond(http.MethodPost, fpResetURL, http.StatusNoContent, "")
			db := s.db(fpTenant)
			hash := &meshydb.PasswordResetHash{
				Username:         fpUsername,
				Hash:             fpHash,
				Expires:          tc.expires,
				VerificationCode: "123456",
			}

			ok, err := db.CheckHash(context.Background(), hash)
			require.NoError(t, err)
			assert.False(t, ok)
			require.NoError(t, db.ResetPassword(context.Background(), hash, "newPassword"))

			reqs := s.requests()
			require.Len(t, reqs, 2)
			assert.Equal(t, fpCheckURL, reqs[0].URL)
			assert.JSONEq(t, fmt.Sprintf(`{"username":%q,"expires":%q,"hash":%q,"verificationCode":"123456"}`,
				fpUsername, tc.wantExpires, fpHash), string(reqs[0].Body))
			assert.Equal(t, fpResetURL, reqs[1].URL)
			assert.JSONEq(t, fmt.Sprintf(`{"username":%q,"expires":%q,"hash":%q,"verificationCode":"123456","newPassword":"newPassword"}`,
				fpUsername, tc.wantExpires, fpHash), string(reqs[1].Body))
			for _, req := range reqs {
				sent, err := time.Parse(time.RFC3339, bodyMap(t, req.Body)["expires"].(string))
				require.NoError(t, err)
				assert.True(t, tc.expires.Equal(sent))
			}
		})
	}
}

func TestPasswordReset_ChangedExpiresSendsNewValue(t *testing.T) {
	t.Parallel()
	newExpires := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	const wantText = "2031-05-06T07:08:09Z"
	for _, shape := range fpDateShapes {
		t.Run(shape.text, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, fpApp)
			s.respond(http.MethodPost, fpForgotURL, http.StatusOK,
				fmt.Sprintf(`{"username":%q,"expires":%q,"hash":%q}`, fpUsername, shape.text, fpHash))
			s.respond(http.MethodPost, fpCheckURL, http.StatusOK, "true")
			s.respond(http.MethodPost, fpResetURL, http.StatusNoContent, "")
			db := s.db(fpTenant)

			hash, err := db.ForgotPassword(context.Background(), fpUsername)
			require.NoError(t, err)
			hash.Expires = newExpires
			hash.VerificationCode = "code"
			_, err = db.CheckHash(context.Background(), hash)
			require.NoError(t, err)
			require.NoError(t, db.ResetPassword(context.Background(), hash, "pw"))

			reqs := s.requests()
			require.Len(t, reqs, 3)
			for _, req := range reqs[1:] {
				assert.Contains(t, string(req.Body), `"expires":"`+wantText+`"`)
				assert.NotContains(t, string(req.Body), shape.text, "the old expires text must not be sent")
			}
		})
	}
}

// TestPasswordReset_ClearedExpiresIsRejected: a decoded hash whose Expires
// the app set to the zero time has no expires to send; like a hand-built
// hash without Expires it must fail with ErrInvalidArgument, not go out
// without "expires".
func TestPasswordReset_ClearedExpiresIsRejected(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, fpApp)
	s.respond(http.MethodPost, fpForgotURL, http.StatusOK, fpSeedResponse)
	db := s.db(fpTenant)
	hash, err := db.ForgotPassword(context.Background(), fpUsername)
	require.NoError(t, err)
	s.reset()

	hash.Expires = time.Time{}
	hash.VerificationCode = "code"

	_, err = db.CheckHash(context.Background(), hash)
	assert.ErrorIs(t, err, meshydb.ErrInvalidArgument, "CheckHash")
	err = db.ResetPassword(context.Background(), hash, "pw")
	assert.ErrorIs(t, err, meshydb.ErrInvalidArgument, "ResetPassword")
	if err != nil {
		assert.Contains(t, err.Error(), "hash.Expires")
	}
	for _, req := range s.requests() {
		assert.Contains(t, bodyMap(t, req.Body), "expires", "%s was sent without expires", req.URL)
	}
}

func TestCheckHash_DecodesBool(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body    string
		want    bool
		wantErr bool
	}{
		{body: "true", want: true},
		{body: "false", want: false},
		{body: " true\n", want: true},
		{body: "", wantErr: true},
		{body: "null", wantErr: true},
		{body: `"yes"`, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%q", tc.body), func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, fpApp)
			s.respond(http.MethodPost, fpCheckURL, http.StatusOK, tc.body)
			hash := &meshydb.PasswordResetHash{Username: fpUsername, Hash: fpHash,
				Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), VerificationCode: "123456"}

			got, err := s.db(fpTenant).CheckHash(context.Background(), hash)
			if tc.wantErr {
				require.Error(t, err)
				assert.False(t, got)
				assert.NotContains(t, err.Error(), fpHash)
				assert.NotContains(t, err.Error(), "123456")
			} else {
				require.NoError(t, err)
				assert.Equal(t, tc.want, got)
			}
			req := s.only()
			assert.Equal(t, http.MethodPost, req.Method)
			fpAssertJSONHeaders(t, req.Header, fpTenant)
		})
	}
}

func TestResetPassword_SuccessBodies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
	}{
		{"204 empty", http.StatusNoContent, ""},
		{"200 empty", http.StatusOK, ""},
		{"200 null", http.StatusOK, "null"},
		{"200 null with whitespace", http.StatusOK, " null\n"},
		{"200 true", http.StatusOK, "true"},
		{"200 object", http.StatusOK, `{"ok":true}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, fpApp)
			s.respond(http.MethodPost, fpResetURL, tc.status, tc.body)
			hash := &meshydb.PasswordResetHash{Username: fpUsername, Hash: fpHash,
				Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}

			require.NoError(t, s.db(fpTenant).ResetPassword(context.Background(), hash, "newPassword"))
			req := s.only()
			assert.Equal(t, fpResetURL, req.URL)
			assert.JSONEq(t, `{"username":"username_testermctesterson","expires":"2030-01-01T00:00:00Z",
				"hash":"randomlygeneratedhash","newPassword":"newPassword"}`, string(req.Body))
		})
	}
}

func TestPasswordReset_InvalidInput(t *testing.T) {
	t.Parallel()
	const (
		secretHash = "s3cr3t-hash-value"
		secretCode = "s3cr3t-code-987"
		secretPass = "s3cr3t-password!"
	)
	expires := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	valid := func() *meshydb.PasswordResetHash {
		return &meshydb.PasswordResetHash{Username: fpUsername, Hash: secretHash, Expires: expires, VerificationCode: secretCode}
	}
	with := func(f func(*meshydb.PasswordResetHash)) *meshydb.PasswordResetHash {
		h := valid()
		f(h)
		return h
	}
	tests := []struct {
		name      string
		hash      *meshydb.PasswordResetHash
		password  string
		field     string
		checkOnly bool // only CheckHash rejects it
		resetOnly bool // only ResetPassword rejects it
	}{
		{name: "nil hash", hash: nil, password: secretPass, field: "hash"},
		{name: "missing username", hash: with(func(h *meshydb.PasswordResetHash) { h.Username = "" }), password: secretPass, field: "hash.Username"},
		{name: "blank username", hash: with(func(h *meshydb.PasswordResetHash) { h.Username = " \t " }), password: secretPass, field: "hash.Username"},
		{name: "long username", hash: with(func(h *meshydb.PasswordResetHash) { h.Username = strings.Repeat("x", 257) }), password: secretPass, field: "hash.Username"},
		{name: "control char username", hash: with(func(h *meshydb.PasswordResetHash) { h.Username = "bob\r\nX-Evil: 1" }), password: secretPass, field: "hash.Username"},
		{name: "missing hash", hash: with(func(h *meshydb.PasswordResetHash) { h.Hash = "" }), password: secretPass, field: "hash.Hash"},
		{name: "blank hash", hash: with(func(h *meshydb.PasswordResetHash) { h.Hash = "   " }), password: secretPass, field: "hash.Hash"},
		{name: "missing expires", hash: with(func(h *meshydb.PasswordResetHash) { h.Expires = time.Time{} }), password: secretPass, field: "hash.Expires"},
		{name: "missing verification code", hash: with(func(h *meshydb.PasswordResetHash) { h.VerificationCode = "" }), password: secretPass, field: "hash.VerificationCode", checkOnly: true},
		{name: "blank verification code", hash: with(func(h *meshydb.PasswordResetHash) { h.VerificationCode = "  " }), password: secretPass, field: "hash.VerificationCode", checkOnly: true},
		{name: "empty new password", hash: valid(), password: "", field: "newPassword", resetOnly: true},
		{name: "empty hash value", hash: &meshydb.PasswordResetHash{}, password: secretPass, field: "hash.Username"},
	}
	for _, tc := range tests {
		if !tc.resetOnly {
			t.Run("CheckHash/"+tc.name, func(t *testing.T) {
				t.Parallel()
				s := newMockServer(t, fpApp)
				ok, err := s.db(fpTenant).CheckHash(context.Background(), tc.hash)
				require.ErrorIs(t, err, meshydb.ErrInvalidArgument)
				assert.False(t, ok)
				assert.Contains(t, err.Error(), tc.field)
				assert.NotContains(t, err.Error(), secretHash)
				assert.NotContains(t, err.Error(), secretCode)
				s.assertNotSent()
			})
		}
		if !tc.checkOnly {
			t.Run("ResetPassword/"+tc.name, func(t *testing.T) {
				t.Parallel()
				s := newMockServer(t, fpApp)
				err := s.db(fpTenant).ResetPassword(context.Background(), tc.hash, tc.password)
				require.ErrorIs(t, err, meshydb.ErrInvalidArgument)
				assert.Contains(t, err.Error(), tc.field)
				assert.NotContains(t, err.Error(), secretHash)
				assert.NotContains(t, err.Error(), secretCode)
				assert.NotContains(t, err.Error(), secretPass)
				s.assertNotSent()
			})
		}
	}
}

func TestPasswordReset_ResetWithoutVerificationCodeIsAllowed(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, fpApp)
	s.respond(http.MethodPost, fpResetURL, http.StatusNoContent, "")
	hash := &meshydb.PasswordResetHash{Username: "José", Hash: fpHash, Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	require.NoError(t, s.db("").ResetPassword(context.Background(), hash, "pw"))
	req := s.only()
	fpAssertJSONHeaders(t, req.Header, "")
	assert.Equal(t, map[string]any{
		"username": "José", "expires": "2030-01-01T00:00:00Z", "hash": fpHash, "newPassword": "pw",
	}, bodyMap(t, req.Body))
}

func TestPasswordReset_APIErrorsKeepSecretsOut(t *testing.T) {
	t.Parallel()
	const (
		secretHash = "s3cr3t-hash-value"
		secretCode = "s3cr3t-code-987"
		secretPass = "s3cr3t-password!"
	)
	tests := []struct {
		name     string
		url      string
		status   int
		body     string
		sentinel error
		call     func(*meshydb.MeshyDB, *meshydb.PasswordResetHash) error
	}{
		{
			name: "reset 400 message", url: fpResetURL, status: http.StatusBadRequest,
			body: `{"message":"Hash is invalid or expired."}`, sentinel: meshydb.ErrBadRequest,
			call: func(db *meshydb.MeshyDB, h *meshydb.PasswordResetHash) error {
				return db.ResetPassword(context.Background(), h, secretPass)
			},
		},
		{
			name: "reset 400 problem details", url: fpResetURL, status: http.StatusBadRequest,
			body:     `{"title":"One or more validation errors occurred.","status":400,"errors":{"NewPassword":["Password too weak."]}}`,
			sentinel: meshydb.ErrBadRequest,
			call: func(db *meshydb.MeshyDB, h *meshydb.PasswordResetHash) error {
				return db.ResetPassword(context.Background(), h, secretPass)
			},
		},
		{
			name: "reset 500 html", url: fpResetURL, status: http.StatusBadGateway,
			body: `<html><head><title>502 Bad Gateway</title></head></html>`, sentinel: meshydb.ErrServer,
			call: func(db *meshydb.MeshyDB, h *meshydb.PasswordResetHash) error {
				return db.ResetPassword(context.Background(), h, secretPass)
			},
		},
		{
			name: "check 400", url: fpCheckURL, status: http.StatusBadRequest,
			body: `"Verification code is required."`, sentinel: meshydb.ErrBadRequest,
			call: func(db *meshydb.MeshyDB, h *meshydb.PasswordResetHash) error {
				_, err := db.CheckHash(context.Background(), h)
				return err
			},
		},
		{
			name: "check 429", url: fpCheckURL, status: http.StatusTooManyRequests,
			body: ``, sentinel: meshydb.ErrRateLimited,
			call: func(db *meshydb.MeshyDB, h *meshydb.PasswordResetHash) error {
				_, err := db.CheckHash(context.Background(), h)
				return err
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, fpApp)
			s.respond(http.MethodPost, tc.url, tc.status, tc.body)
			hash := &meshydb.PasswordResetHash{Username: fpUsername, Hash: secretHash,
				Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), VerificationCode: secretCode}

			err := tc.call(s.db(fpTenant, noRetries), hash)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.sentinel)
			var apiErr *meshydb.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.body, string(apiErr.Body))
			for _, text := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
				assert.NotContains(t, text, secretHash)
				assert.NotContains(t, text, secretCode)
				assert.NotContains(t, text, secretPass)
			}
			assert.Equal(t, tc.url, s.only().URL)
		})
	}
}

func TestForgotPassword_APIErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status   int
		body     string
		sentinel error
		message  string
	}{
		{http.StatusBadRequest, `{"message":"Anonymous users cannot recover a password."}`, meshydb.ErrBadRequest, "Anonymous users cannot recover a password."},
		{http.StatusNotFound, `"User not found."`, meshydb.ErrNotFound, "User not found."},
		{http.StatusTooManyRequests, ``, meshydb.ErrRateLimited, ""},
		{http.StatusInternalServerError, "oops\nstack", meshydb.ErrServer, "oops"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, fpApp)
			s.respond(http.MethodPost, fpForgotURL, tc.status, tc.body)
			hash, err := s.db(fpTenant).ForgotPassword(context.Background(), fpUsername)
			assert.Nil(t, hash)
			require.ErrorIs(t, err, tc.sentinel)
			var apiErr *meshydb.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			if tc.message != "" {
				assert.Equal(t, tc.message, apiErr.Message)
			}
		})
	}
}

// fpCalls are the three password-recovery calls, for tests that apply to
// each of them.
var fpCalls = []struct {
	name string
	call func(ctx context.Context, db *meshydb.MeshyDB) error
}{
	{"ForgotPassword", func(ctx context.Context, db *meshydb.MeshyDB) error {
		_, err := db.ForgotPassword(ctx, fpUsername)
		return err
	}},
	{"CheckHash", func(ctx context.Context, db *meshydb.MeshyDB) error {
		_, err := db.CheckHash(ctx, &meshydb.PasswordResetHash{Username: fpUsername, Hash: fpHash,
			Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), VerificationCode: "1"})
		return err
	}},
	{"ResetPassword", func(ctx context.Context, db *meshydb.MeshyDB) error {
		return db.ResetPassword(ctx, &meshydb.PasswordResetHash{Username: fpUsername, Hash: fpHash,
			Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}, "pw")
	}},
}

// fpBlockingResponder answers only when the request's context ends.
func fpBlockingResponder(req *http.Request) (*http.Response, error) {
	select {
	case <-req.Context().Done():
		return nil, req.Context().Err()
	case <-time.After(5 * time.Second):
		return httpmock.NewStringResponse(http.StatusOK, fpSeedResponse), nil
	}
}

func TestPasswordRecovery_ContextCanceled(t *testing.T) {
	t.Parallel()
	for _, c := range fpCalls {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, fpApp)
			s.mt.RegisterNoResponder(fpBlockingResponder)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()

			start := time.Now()
			err := c.call(ctx, s.db(fpTenant))
			require.ErrorIs(t, err, context.Canceled)
			assert.NotErrorIs(t, err, meshydb.ErrInvalidArgument)
			assert.Less(t, time.Since(start), 2*time.Second)
		})
	}
}

func TestPasswordRecovery_DeadlineExceeded(t *testing.T) {
	t.Parallel()
	for _, c := range fpCalls {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, fpApp)
			called := make(chan struct{}, 1)
			s.mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
				select {
				case called <- struct{}{}:
				default:
				}
				return fpBlockingResponder(req)
			})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
			defer cancel()

			start := time.Now()
			err := c.call(ctx, s.db(fpTenant))
			require.ErrorIs(t, err, context.DeadlineExceeded)
			assert.Less(t, time.Since(start), 2*time.Second)
			select {
			case <-called: // the request did go out before the deadline hit
			default:
				t.Error("the request never reached the transport")
			}
		})
	}
}

func TestPasswordRecovery_NilContext(t *testing.T) {
	t.Parallel()
	for _, c := range fpCalls {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := newMockServer(t, fpApp)
			var ctx context.Context // deliberately nil
			err := c.call(ctx, s.db(fpTenant))
			require.ErrorIs(t, err, meshydb.ErrInvalidArgument)
			assert.Contains(t, err.Error(), "ctx")
			s.assertNotSent()
		})
	}
}

// TestForgotPassword_HTTPMockActivate uses the global httpmock transport, so
// it must not run in parallel with anything.
func TestForgotPassword_HTTPMockActivate(t *testing.T) {
	for _, order := range []string{"after New", "before New"} {
		t.Run(order, func(t *testing.T) {
			var db *meshydb.MeshyDB
			newDB := func() {
				var err error
				db, err = meshydb.New(fpClientKey, fpTenant, fpPublicKey)
				require.NoError(t, err)
			}
			if order == "after New" {
				newDB()
			}
			httpmock.Activate()
			defer httpmock.DeactivateAndReset()
			if order == "before New" {
				newDB()
			}

			s := newMockServer(t, fpApp)
			httpmock.RegisterResponder(http.MethodPost, fpForgotURL,
				s.recording(httpmock.NewStringResponder(http.StatusOK, fpSeedResponse)))

			hash, err := db.ForgotPassword(context.Background(), fpUsername)
			require.NoError(t, err)
			assert.Equal(t, fpHash, hash.Hash)
			assert.Equal(t, 1, httpmock.GetTotalCallCount())
			assert.Equal(t, 1, httpmock.GetCallCountInfo()[http.MethodPost+" "+fpForgotURL])
			req := s.only()
			assert.Equal(t, fpTenant, req.Header.Get("Tenant"))
			assert.JSONEq(t, `{"username":"username_testermctesterson"}`, string(req.Body))
		})
	}
}

// fpFailTransport fails the test when any request reaches it.
type fpFailTransport struct{ t *testing.T }

func (f fpFailTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	f.t.Errorf("http.DefaultTransport used for %s %s", req.Method, req.URL)
	return nil, errors.New("http.DefaultTransport must not be used")
}

// TestForgotPassword_HTTPMockActivateNonDefault swaps http.DefaultTransport,
// so it must not run in parallel with anything.
func TestForgotPassword_HTTPMockActivateNonDefault(t *testing.T) {
	orig := http.DefaultTransport
	http.DefaultTransport = fpFailTransport{t}
	defer func() { http.DefaultTransport = orig }()

	client := &http.Client{}
	db, err := meshydb.New(fpClientKey, "", fpPublicKey, meshydb.WithHTTPClient(client))
	require.NoError(t, err)
	httpmock.ActivateNonDefault(client)
	defer httpmock.DeactivateAndReset()
	httpmock.RegisterResponder(http.MethodPost, fpForgotURL, httpmock.NewStringResponder(http.StatusOK, fpSeedResponse))
	httpmock.RegisterResponder(http.MethodPost, fpResetURL, httpmock.NewStringResponder(http.StatusNoContent, ""))

	hash, err := db.ForgotPassword(context.Background(), fpUsername)
	require.NoError(t, err)
	require.NoError(t, db.ResetPassword(context.Background(), hash, "pw"))
	assert.Equal(t, 2, httpmock.GetTotalCallCount())
	assert.Equal(t, 1, httpmock.GetCallCountInfo()[http.MethodPost+" "+fpForgotURL])
	assert.Equal(t, 1, httpmock.GetCallCountInfo()[http.MethodPost+" "+fpResetURL])
}

func TestForgotPassword_DoesNotMutateCallersClient(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, fpApp)
	s.respond(http.MethodPost, fpForgotURL, http.StatusOK, fpSeedResponse)
	client := &http.Client{Transport: s.mt}
	db, err := meshydb.New(fpClientKey, fpTenant, fpPublicKey, meshydb.WithHTTPClient(client))
	require.NoError(t, err)

	_, err = db.ForgotPassword(context.Background(), fpUsername)
	require.NoError(t, err)
	assert.Same(t, s.mt, client.Transport)
	assert.Zero(t, client.Timeout)
	assert.Nil(t, client.Jar)
	assert.Nil(t, client.CheckRedirect)
}

func TestPasswordRecovery_ConcurrentUse(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, fpApp)
	s.respond(http.MethodPost, fpForgotURL, http.StatusOK, fpSeedResponse)
	s.respond(http.MethodPost, fpCheckURL, http.StatusOK, "true")
	s.respond(http.MethodPost, fpResetURL, http.StatusNoContent, "")
	db := s.db(fpTenant)

	const n = 16
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ctx := context.Background()
			hash, err := db.ForgotPassword(ctx, fmt.Sprintf("user%d", i))
			if !assert.NoError(t, err) {
				return
			}
			hash.VerificationCode = fmt.Sprint(i)
			ok, err := db.CheckHash(ctx, hash)
			assert.NoError(t, err)
			assert.True(t, ok)
			assert.NoError(t, db.ResetPassword(ctx, hash, "pw"))
		})
	}
	wg.Wait()
	reqs := s.requests()
	assert.Len(t, reqs, 3*n)
	for _, req := range reqs {
		if req.URL != fpForgotURL {
			assert.Contains(t, string(req.Body), `"expires":"1900-01-01T00:00:00.000Z"`)
		}
	}
}
