package meshydbtest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/meshydb/meshydb-go"
	"github.com/meshydb/meshydb-go/meshydbtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMe(t *testing.T) {
	srv, clock := newServer(t)
	id := srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{
		Username: "bob", Password: "pw", FirstName: "Bob", LastName: "Builder",
		PhoneNumber: "+15555555555", EmailAddress: "bob@example.com", Roles: []string{"test"},
	})
	db := newDB(t, srv, "")
	c := login(t, db, "bob", "pw")
	ctx := t.Context()

	me, err := c.Users.Me(ctx)
	require.NoError(t, err)
	assert.Equal(t, id, me.ID)
	assert.Equal(t, "Builder", me.LastName)
	assert.True(t, me.IsActive)
	require.Len(t, me.Roles, 1)
	assert.Equal(t, "test", me.Roles[0].Name)
	assert.True(t, me.Roles[0].AddedDate.Equal(clock.Now()))
	assert.True(t, me.LastAccessed.Equal(clock.Now()))

	// Only the fields sent change.
	me, err = c.Users.UpdateMe(ctx, &meshydb.UserUpdate{FirstName: new("Robert")})
	require.NoError(t, err)
	assert.Equal(t, "Robert", me.FirstName)
	assert.Equal(t, "Builder", me.LastName)
	assert.Equal(t, "+15555555555", me.PhoneNumber)
	assert.Equal(t, "bob@example.com", me.EmailAddress)

	me, err = c.Users.UpdateMe(ctx, &meshydb.UserUpdate{PhoneNumber: new(""), Roles: &[]string{"test"}})
	require.NoError(t, err, "sending the roles the user has is no change")
	assert.Empty(t, me.PhoneNumber)
	assert.Equal(t, "Robert", me.FirstName)

	_, err = c.Users.UpdateMe(ctx, &meshydb.UserUpdate{Roles: &[]string{"admin"}})
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)
	assert.Contains(t, apiError(t, err).Message, "Roles cannot be changed")

	_, err = c.Users.UpdateMe(ctx, &meshydb.UserUpdate{EmailAddress: new("nope")})
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)

	// The whole User as GET returns it can be PUT back.
	token := passwordToken(t, srv, "bob", "pw")
	got := send(t, srv, http.MethodGet, "users/me", nil, "", "Authorization", "Bearer "+token)
	res := send(t, srv, http.MethodPut, "users/me", strings.NewReader(string(got.body)), "application/json", "Authorization", "Bearer "+token)
	assert.Equal(t, http.StatusOK, res.status, "body: %s", res.body)

	clock.Advance(time.Minute)
	me, err = c.Users.Me(ctx)
	require.NoError(t, err)
	assert.True(t, me.LastAccessed.Equal(clock.Now()))
}

func TestChangePasswordAndQuestions(t *testing.T) {
	srv, _ := newServer(t)
	addVerified(srv, "", "bob", "old-pass")
	db := newDB(t, srv, "")
	c := login(t, db, "bob", "old-pass")
	ctx := t.Context()

	err := c.Users.ChangePassword(ctx, "wrong", "new-pass")
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)
	assert.Contains(t, apiError(t, err).Message, "previous password")

	require.NoError(t, c.Users.ChangePassword(ctx, "old-pass", "new-pass"))
	_, err = db.Login(ctx, "bob", "old-pass")
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)
	login(t, db, "bob", "new-pass")

	require.NoError(t, c.Users.UpdateMySecurityQuestions(ctx, []meshydb.SecurityAnswer{{Question: "Pet?", Answer: "Rex"}}))
	me, err := c.Users.Me(ctx)
	require.NoError(t, err)
	require.Len(t, me.SecurityQuestions, 1)
	assert.Equal(t, "Pet?", me.SecurityQuestions[0].Question)

	res := postJSON(t, srv, "users/me/questions", map[string]any{"securityQuestions": []any{}},
		"Authorization", "Bearer "+passwordToken(t, srv, "bob", "new-pass"))
	assert.Equal(t, http.StatusBadRequest, res.status, "at least one question")
}

func TestUserManagement(t *testing.T) {
	srv, _ := newServer(t)
	adminID := addVerified(srv, "", "root", "pw", meshydbtest.AdminRole)
	db := newDB(t, srv, "")
	admin := login(t, db, "root", "pw")
	ctx := t.Context()

	created, err := admin.Users.Create(ctx, &meshydb.NewUser{
		Username: "ann", NewPassword: "ann-pass", FirstName: "Ann", EmailAddress: "ann@example.com",
		Roles: []string{"editor"}, SecurityQuestions: []meshydb.SecurityAnswer{{Question: "Pet?", Answer: "Rex"}},
	})
	require.NoError(t, err)
	assert.NotEmpty(t, created.ID)
	assert.Equal(t, "ann", created.Username)
	assert.True(t, created.IsActive)
	assert.True(t, created.Verified, "users created by an admin are verified unless the request says otherwise")
	require.Len(t, created.Roles, 1)
	assert.Equal(t, "editor", created.Roles[0].Name)
	login(t, db, "ann", "ann-pass")

	_, err = admin.Users.Create(ctx, &meshydb.NewUser{Username: "ANN", NewPassword: "x"})
	assert.ErrorIs(t, err, meshydb.ErrBadRequest, "taken username")

	got, err := admin.Users.Get(ctx, created.ID)
	require.NoError(t, err)
	assert.Equal(t, "Ann", got.FirstName)

	updated, err := admin.Users.Update(ctx, created.ID, &meshydb.UserUpdate{
		LastName: new("Smith"), Roles: &[]string{"editor", "reviewer"}, IsActive: new(false),
	})
	require.NoError(t, err)
	assert.Equal(t, "Ann", updated.FirstName)
	assert.Equal(t, "Smith", updated.LastName)
	assert.False(t, updated.IsActive)
	assert.Len(t, updated.Roles, 2)
	_, err = db.Login(ctx, "ann", "ann-pass")
	assert.ErrorIs(t, err, meshydb.ErrBadRequest, "inactive users cannot log in")

	require.NoError(t, admin.Users.UpdateSecurityQuestions(ctx, created.ID, []meshydb.SecurityAnswer{
		{Question: "Town?", Answer: "Springfield"}, {Question: "Car?", Answer: "Mini"},
	}))
	got, err = admin.Users.Get(ctx, created.ID)
	require.NoError(t, err)
	assert.Len(t, got.SecurityQuestions, 2)

	require.NoError(t, admin.Users.Delete(ctx, created.ID))
	_, err = admin.Users.Get(ctx, created.ID)
	assert.ErrorIs(t, err, meshydb.ErrNotFound)
	assert.ErrorIs(t, admin.Users.Delete(ctx, created.ID), meshydb.ErrNotFound)
	_, err = admin.Users.Update(ctx, created.ID, &meshydb.UserUpdate{FirstName: new("x")})
	assert.ErrorIs(t, err, meshydb.ErrNotFound)

	err = admin.Users.Delete(ctx, adminID)
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)
	assert.Contains(t, apiError(t, err).Message, "cannot delete itself")
}

func TestDeletedUserTokensStopWorking(t *testing.T) {
	srv, _ := newServer(t)
	addVerified(srv, "", "root", "pw", meshydbtest.AdminRole)
	bobID := addVerified(srv, "", "bob", "pw")
	db := newDB(t, srv, "")
	token := passwordToken(t, srv, "bob", "pw")

	require.NoError(t, login(t, db, "root", "pw").Users.Delete(t.Context(), bobID))
	res := send(t, srv, http.MethodGet, "users/me", nil, "", "Authorization", "Bearer "+token)
	assert.Equal(t, http.StatusUnauthorized, res.status)
}

func TestPermissions(t *testing.T) {
	srv, _ := newServer(t)
	addVerified(srv, "", "plain", "pw")
	addVerified(srv, "", "reader", "pw", "reader")
	adminID := addVerified(srv, "", "root", "pw", meshydbtest.AdminRole)
	srv.SetRolePermissions(meshydbtest.DefaultClientKey, "reader", meshydbtest.PermissionRead)
	db := newDB(t, srv, "")
	ctx := t.Context()

	plain := login(t, db, "plain", "pw")
	_, err := plain.Users.Search(ctx, nil)
	assert.ErrorIs(t, err, meshydb.ErrForbidden)
	_, err = plain.Users.Get(ctx, adminID)
	assert.ErrorIs(t, err, meshydb.ErrForbidden)
	_, err = plain.Users.Create(ctx, &meshydb.NewUser{Username: "x", NewPassword: "x"})
	assert.ErrorIs(t, err, meshydb.ErrForbidden)
	assert.ErrorIs(t, plain.Users.Delete(ctx, adminID), meshydb.ErrForbidden)
	_, err = plain.Users.Me(ctx)
	assert.NoError(t, err, "users/me needs no permission")

	reader := login(t, db, "reader", "pw")
	_, err = reader.Users.Get(ctx, adminID)
	assert.NoError(t, err)
	_, err = reader.Users.Search(ctx, nil)
	assert.NoError(t, err)
	_, err = reader.Users.Update(ctx, adminID, &meshydb.UserUpdate{FirstName: new("x")})
	assert.ErrorIs(t, err, meshydb.ErrForbidden)
	err = reader.Users.UpdateSecurityQuestions(ctx, adminID, []meshydb.SecurityAnswer{{Question: "q", Answer: "a"}})
	assert.ErrorIs(t, err, meshydb.ErrForbidden)

	// Roles can be taken away from admin too.
	srv.SetRolePermissions(meshydbtest.DefaultClientKey, meshydbtest.AdminRole, meshydbtest.PermissionRead)
	root := login(t, db, "root", "pw")
	_, err = root.Users.Create(ctx, &meshydb.NewUser{Username: "x", NewPassword: "x"})
	assert.ErrorIs(t, err, meshydb.ErrForbidden)
	assert.Contains(t, apiError(t, err).Message, "create")
}

func TestBearerRequired(t *testing.T) {
	srv, _ := newServer(t)
	for _, auth := range []string{"", "Bearer", "Bearer not-a-token", "Basic Ym9iOnB3"} {
		res := send(t, srv, http.MethodGet, "users/me", nil, "", "Authorization", auth)
		assert.Equal(t, http.StatusUnauthorized, res.status, "Authorization %q", auth)
		assert.NotEmpty(t, decodeRaw[map[string]string](t, res)["message"])
	}
}
