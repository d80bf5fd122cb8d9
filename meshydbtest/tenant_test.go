package meshydbtest_test

import (
	"net/http"
	"testing"

	"github.com/meshydb/meshydb-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTenantIsolation(t *testing.T) {
	srv, _ := newServer(t)
	idA := addVerified(srv, "tenant-a", "bob", "pw-a", "admin")
	dbA, dbB, dbDefault := newDB(t, srv, "tenant-a"), newDB(t, srv, "tenant-b"), newDB(t, srv, "")
	ctx := t.Context()

	a := login(t, dbA, "bob", "pw-a")
	me, err := a.Users.Me(ctx)
	require.NoError(t, err)
	assert.Equal(t, idA, me.ID)

	for name, db := range map[string]*meshydb.MeshyDB{"tenant-b": dbB, "default tenant": dbDefault} {
		exists, err := db.UsernameExists(ctx, "bob")
		require.NoError(t, err)
		assert.False(t, exists, name)
		_, err = db.ForgotPassword(ctx, "bob")
		assert.ErrorIs(t, err, meshydb.ErrNotFound, name)
		_, err = db.Login(ctx, "bob", "pw-a")
		assert.ErrorIs(t, err, meshydb.ErrBadRequest, name)
	}

	// The same username can live in another tenant, with its own password.
	idB := addVerified(srv, "tenant-b", "bob", "pw-b", "admin")
	assert.NotEqual(t, idA, idB)
	b := login(t, dbB, "bob", "pw-b")
	_, err = b.Users.Get(ctx, idA)
	assert.ErrorIs(t, err, meshydb.ErrNotFound, "ids do not cross tenants")
	page, err := b.Users.Search(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, 1, page.TotalRecords)

	// A token is good only in the tenant it was issued for.
	token := passwordToken(t, srv, "bob", "pw-a", "tenant", "tenant-a")
	res := send(t, srv, http.MethodGet, "users/me", nil, "", "Authorization", "Bearer "+token, "tenant", "tenant-b")
	assert.Equal(t, http.StatusUnauthorized, res.status)
	res = send(t, srv, http.MethodGet, "users/me", nil, "", "Authorization", "Bearer "+token, "tenant", "tenant-a")
	assert.Equal(t, http.StatusOK, res.status)

	// And so is a refresh token.
	_, err = dbB.LoginWithRefreshToken(ctx, a.RefreshToken())
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)
	_, err = dbA.LoginWithRefreshToken(ctx, a.RefreshToken())
	assert.NoError(t, err, "the failed attempt from another tenant did not spend it")
}
