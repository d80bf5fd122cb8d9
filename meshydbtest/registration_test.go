package meshydbtest_test

import (
	"net/http"
	"testing"

	"github.com/meshydb/meshydb-go"
	"github.com/meshydb/meshydb-go/meshydbtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRegisterVerifyLogin(t *testing.T) {
	srv, _ := newServer(t)
	db := newDB(t, srv, "")
	ctx := t.Context()

	exists, err := db.UsernameExists(ctx, "ann")
	require.NoError(t, err)
	assert.False(t, exists)

	hash, err := db.Register(ctx, &meshydb.RegisterUser{
		Username: "ann", NewPassword: "ann-pass", FirstName: "Ann", EmailAddress: "ann@example.com",
		SecurityQuestions: []meshydb.SecurityAnswer{{Question: "First pet?", Answer: "Rex"}},
	})
	require.NoError(t, err)
	require.NotNil(t, hash)
	assert.Equal(t, "ann", hash.Username)

	msg := srv.Outbox()[0]
	assert.Equal(t, meshydbtest.PurposeVerify, msg.Purpose)
	assert.Equal(t, meshydbtest.ChannelEmail, msg.Channel)
	assert.Equal(t, "ann@example.com", msg.To)

	exists, err = db.UsernameExists(ctx, "ANN")
	require.NoError(t, err)
	assert.True(t, exists, "usernames match ignoring case")

	_, err = db.Login(ctx, "ann", "ann-pass")
	assert.ErrorIs(t, err, meshydb.ErrBadRequest, "unverified users cannot log in")
	assert.Equal(t, "invalid_grant", apiError(t, err).Code)

	hash.VerificationCode = flipLast(msg.Code)
	valid, err := db.CheckVerificationHash(ctx, hash)
	require.NoError(t, err)
	assert.False(t, valid)
	assert.ErrorIs(t, db.Verify(ctx, hash), meshydb.ErrBadRequest)

	hash.VerificationCode = srv.LastCode("ann")
	valid, err = db.CheckVerificationHash(ctx, hash)
	require.NoError(t, err)
	assert.True(t, valid)
	require.NoError(t, db.Verify(ctx, hash))

	c := login(t, db, "ann", "ann-pass")
	me, err := c.Users.Me(ctx)
	require.NoError(t, err)
	assert.True(t, me.Verified)
	assert.Equal(t, "Ann", me.FirstName)
	require.Len(t, me.SecurityQuestions, 1)
	assert.Equal(t, "First pet?", me.SecurityQuestions[0].Question)
	assert.NotEmpty(t, me.SecurityQuestions[0].AnswerHash)
	assert.NotContains(t, me.SecurityQuestions[0].AnswerHash, "Rex")

	err = db.Verify(ctx, hash)
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)
	assert.Contains(t, apiError(t, err).Message, "already verified")

	_, err = db.Register(ctx, &meshydb.RegisterUser{Username: "Ann", NewPassword: "x", EmailAddress: "a@example.com"})
	assert.ErrorIs(t, err, meshydb.ErrBadRequest, "taken username")
}

func TestRegisterErrors(t *testing.T) {
	text := meshydbtest.Account{ClientKey: "text", PublicKey: "text-public", Verification: meshydbtest.VerifyText, PublicRegistration: true}
	closed := meshydbtest.Account{ClientKey: "closed", PublicKey: "closed-public", Verification: meshydbtest.VerifyEmail}
	srv, _ := newServer(t, meshydbtest.WithAccount(meshydbtest.DefaultAccount()), meshydbtest.WithAccount(text), meshydbtest.WithAccount(closed))
	ctx := t.Context()

	tests := []struct {
		name      string
		clientKey string
		user      meshydb.RegisterUser
		message   string
	}{
		{"email required", meshydbtest.DefaultClientKey, meshydb.RegisterUser{Username: "a", NewPassword: "p"}, "email address is required"},
		{"email malformed", meshydbtest.DefaultClientKey, meshydb.RegisterUser{Username: "a", NewPassword: "p", EmailAddress: "not-an-email"}, "email address is not valid"},
		{"phone required", "text", meshydb.RegisterUser{Username: "a", NewPassword: "p", EmailAddress: "a@example.com"}, "phone number is required"},
		{"phone malformed", "text", meshydb.RegisterUser{Username: "a", NewPassword: "p", PhoneNumber: "call me"}, "phone number is not valid"},
		{"not enabled", "closed", meshydb.RegisterUser{Username: "a", NewPassword: "p", EmailAddress: "a@example.com"}, "not enabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := newDBFor(t, srv, tt.clientKey, "", tt.clientKey+"-public")
			if tt.clientKey == meshydbtest.DefaultClientKey {
				db = newDB(t, srv, "")
			}
			_, err := db.Register(ctx, &tt.user)
			assert.ErrorIs(t, err, meshydb.ErrBadRequest)
			assert.Contains(t, apiError(t, err).Message, tt.message)
		})
	}

	db := newDBFor(t, srv, "closed", "", "closed-public")
	_, err := db.RegisterAnonymous(ctx, "guest")
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)
	assert.Contains(t, apiError(t, err).Message, "Anonymous registration is not enabled")
}

func TestRegisterByText(t *testing.T) {
	srv, _ := newServer(t, meshydbtest.WithAccount(meshydbtest.Account{
		ClientKey: "text", PublicKey: "text-public", Verification: meshydbtest.VerifyText, PublicRegistration: true,
	}))
	db := newDBFor(t, srv, "text", "", "text-public")

	hash, err := db.Register(t.Context(), &meshydb.RegisterUser{Username: "tom", NewPassword: "pw", PhoneNumber: "+1 (555) 555-5555"})
	require.NoError(t, err)
	msg := srv.Outbox()[0]
	assert.Equal(t, meshydbtest.ChannelText, msg.Channel)
	assert.Equal(t, "+1 (555) 555-5555", msg.To)

	hash.VerificationCode = msg.Code
	require.NoError(t, db.Verify(t.Context(), hash))
	login(t, db, "tom", "pw")
}

func TestRegisterWithoutVerification(t *testing.T) {
	srv, _ := newServer(t, meshydbtest.WithAccount(meshydbtest.Account{
		ClientKey: "open", PublicKey: "open-public", PublicRegistration: true,
	}))
	db := newDBFor(t, srv, "open", "", "open-public")

	hash, err := db.Register(t.Context(), &meshydb.RegisterUser{Username: "ann", NewPassword: "pw"})
	require.NoError(t, err)
	assert.Nil(t, hash, "204: nothing to verify")
	assert.Empty(t, srv.Outbox())
	login(t, db, "ann", "pw")

	res := postJSON(t, srv, "/open/users/register", map[string]string{"username": "bo", "newPassword": "pw"})
	assert.Equal(t, http.StatusNoContent, res.status)
	assert.Empty(t, res.body)
}

func TestAnonymousLogin(t *testing.T) {
	srv, _ := newServer(t)
	db := newDB(t, srv, "")
	ctx := t.Context()

	c, err := db.LoginAnonymously(ctx, "guest-1")
	require.NoError(t, err)
	me, err := c.Users.Me(ctx)
	require.NoError(t, err)
	assert.True(t, me.Anonymous)
	assert.Equal(t, "guest-1", me.Username)
	assert.True(t, me.IsActive)

	// A second time the user exists and is logged in again.
	_, err = db.LoginAnonymously(ctx, "guest-1")
	require.NoError(t, err)
	assert.Equal(t, 1, srv.RequestsTo(http.MethodPost, "users/register/anonymous"))

	err = c.Users.ChangePassword(ctx, "nopassword", "mine-now")
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)
	assert.Contains(t, apiError(t, err).Message, "Anonymous")

	_, err = db.RegisterAnonymous(ctx, "guest-1")
	assert.ErrorIs(t, err, meshydb.ErrBadRequest, "taken username")

	res := postJSON(t, srv, "users/register/anonymous", map[string]string{"username": "guest-2"})
	require.Equal(t, http.StatusCreated, res.status)
	assert.Equal(t, true, decodeRaw[map[string]any](t, res)["anonymous"])
}
