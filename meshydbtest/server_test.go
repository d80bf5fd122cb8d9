package meshydbtest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meshydb/meshydb-go"
	"github.com/meshydb/meshydb-go/meshydbtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewHandlerWithHookAndClock(t *testing.T) {
	var mu sync.Mutex
	var hooked []meshydbtest.Message
	h := meshydbtest.NewHandler(meshydbtest.WithOutboxHook(func(m meshydbtest.Message) {
		mu.Lock()
		defer mu.Unlock()
		hooked = append(hooked, m)
	}))
	assert.Empty(t, h.URL)
	h.Close() // a no-op without a listener
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	h.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{Username: "bob", Password: "pw"})
	h.SetClock(func() time.Time { return time.Date(2030, 1, 2, 3, 4, 5, 600, time.FixedZone("X", 3600)) })

	db, err := meshydb.New(meshydbtest.DefaultClientKey, "", meshydbtest.DefaultPublicKey,
		meshydb.WithAPIURL(ts.URL), meshydb.WithAuthURL(ts.URL))
	require.NoError(t, err)
	hash, err := db.ForgotPassword(t.Context(), "bob")
	require.NoError(t, err)
	assert.True(t, hash.Expires.Equal(time.Date(2030, 1, 2, 3, 4, 5, 600, time.FixedZone("X", 3600)).Add(time.Hour)),
		"expires %v", hash.Expires)

	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, h.Outbox(), hooked)
}

func TestVerificationMethodText(t *testing.T) {
	for _, m := range []meshydbtest.VerificationMethod{
		meshydbtest.VerifyNone, meshydbtest.VerifyEmail, meshydbtest.VerifyText, meshydbtest.VerifySecurityQuestion,
	} {
		text, err := m.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, m.String(), string(text))
		var back meshydbtest.VerificationMethod
		require.NoError(t, back.UnmarshalText([]byte(strings.ToUpper(string(text)))))
		assert.Equal(t, m, back)
	}
	var m meshydbtest.VerificationMethod
	assert.NoError(t, m.UnmarshalText([]byte("SecurityQuestion")))
	assert.Equal(t, meshydbtest.VerifySecurityQuestion, m)
	assert.Error(t, m.UnmarshalText([]byte("pigeon")))
	_, err := meshydbtest.VerificationMethod(9).MarshalText()
	assert.Error(t, err)
	assert.Equal(t, "VerificationMethod(9)", meshydbtest.VerificationMethod(9).String())
}

func TestAddUserPanics(t *testing.T) {
	srv, _ := newServer(t)
	addVerified(srv, "", "bob", "pw")
	assert.Panics(t, func() { addVerified(srv, "", "BOB", "pw") }, "taken username")
	assert.NotPanics(t, func() { addVerified(srv, "other-tenant", "bob", "pw") })
	assert.Panics(t, func() { srv.AddUser("nope", "", meshydbtest.SeedUser{Username: "x"}) }, "unknown account")
	assert.Panics(t, func() { srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{Username: " "}) }, "blank username")
	assert.Panics(t, func() { srv.SetRolePermissions("nope", "admin") })
}

func TestRequiredFields(t *testing.T) {
	srv, _ := newServer(t)
	full := map[string]any{
		"username": "bob", "hash": "h", "expires": "2026-12-04T20:00:00.0000000+00:00",
		"verificationCode": "123456", "newPassword": "pw",
	}
	without := func(key string) map[string]any {
		m := map[string]any{}
		for k, v := range full {
			if k != key {
				m[k] = v
			}
		}
		return m
	}
	for route, fields := range map[string][]string{
		"users/checkhash":     {"username", "hash", "expires", "verificationCode"},
		"users/verify":        {"username", "hash", "expires", "verificationCode"},
		"users/resetpassword": {"username", "hash", "expires", "newPassword"},
	} {
		for _, field := range fields {
			res := postJSON(t, srv, route, without(field))
			assert.Equal(t, http.StatusBadRequest, res.status, "%s without %s", route, field)
			assert.Contains(t, decodeRaw[map[string]string](t, res)["message"], field, route)
		}
	}
	m := without("")
	m["expires"] = 12
	res := postJSON(t, srv, "users/resetpassword", m)
	assert.Contains(t, decodeRaw[map[string]string](t, res)["message"], "expires", "a non-string expires")

	res = send(t, srv, http.MethodPost, "users/forgotpassword", strings.NewReader("{not json"), "application/json")
	assert.Equal(t, http.StatusBadRequest, res.status)
	assert.Contains(t, decodeRaw[map[string]string](t, res)["message"], "not valid JSON")
}

func TestUpdateUserByAdmin(t *testing.T) {
	srv, _ := newServer(t)
	addVerified(srv, "", "root", "pw", meshydbtest.AdminRole)
	addVerified(srv, "", "taken", "pw")
	id := srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{
		Username: "ann", Password: "pw", FirstName: "Ann", LastName: "Lee", Roles: []string{"a"},
	})
	admin := login(t, newDB(t, srv, ""), "root", "pw")
	ctx := t.Context()

	_, err := admin.Users.Update(ctx, id, &meshydb.UserUpdate{Username: new("TAKEN")})
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)

	u, err := admin.Users.Update(ctx, id, &meshydb.UserUpdate{Username: new("annie"), Verified: new(true)})
	require.NoError(t, err)
	assert.Equal(t, "annie", u.Username)
	assert.True(t, u.Verified)
	login(t, newDB(t, srv, ""), "annie", "pw")

	// Roles as objects, null to clear a name, unknown and read-only fields ignored.
	token := passwordToken(t, srv, "root", "pw")
	body := `{"roles": [{"name": "b", "addedDate": "2019-01-01"}, "c"], "lastName": null, "id": "x", "anonymous": true, "extra": 1}`
	res := send(t, srv, http.MethodPut, "users/"+id, strings.NewReader(body), "application/json", "Authorization", "Bearer "+token)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	got := decodeRaw[map[string]any](t, res)
	assert.Equal(t, id, got["id"])
	assert.Equal(t, "", got["lastName"])
	assert.Equal(t, "Ann", got["firstName"])
	assert.Equal(t, false, got["anonymous"])
	assert.Len(t, got["roles"], 2)

	res = send(t, srv, http.MethodPut, "users/"+id, strings.NewReader(`{"isActive": "yes"}`), "application/json", "Authorization", "Bearer "+token)
	assert.Equal(t, http.StatusBadRequest, res.status)
}

func TestRefreshRefusedForInactiveUser(t *testing.T) {
	srv, _ := newServer(t)
	addVerified(srv, "", "root", "pw", meshydbtest.AdminRole)
	id := addVerified(srv, "", "bob", "pw")
	db := newDB(t, srv, "")
	bob := login(t, db, "bob", "pw")

	_, err := login(t, db, "root", "pw").Users.Update(t.Context(), id, &meshydb.UserUpdate{IsActive: new(false)})
	require.NoError(t, err)
	_, err = db.LoginWithRefreshToken(t.Context(), bob.RefreshToken())
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)
	assert.Contains(t, apiError(t, err).Message, "inactive")
}
