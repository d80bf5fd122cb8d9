package meshydbtest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/meshydb/meshydb-go"
	"github.com/meshydb/meshydb-go/meshydbtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPasswordRecoveryFlow(t *testing.T) {
	srv, clock := newServer(t)
	addVerified(srv, "", "bob", "old-pass")
	db := newDB(t, srv, "")
	ctx := t.Context()

	hash, err := db.ForgotPassword(ctx, "bob")
	require.NoError(t, err)
	assert.Equal(t, "bob", hash.Username)
	assert.Equal(t, 1, hash.Attempt)
	assert.Empty(t, hash.Hint)
	assert.True(t, hash.Expires.Equal(clock.Now().Add(time.Hour)), "expires %v", hash.Expires)

	outbox := srv.Outbox()
	require.Len(t, outbox, 1)
	code := outbox[0].Code
	assert.Regexp(t, `^[0-9]{6}$`, code)
	assert.Equal(t, meshydbtest.Message{
		ClientKey: meshydbtest.DefaultClientKey,
		Username:  "bob",
		Channel:   meshydbtest.ChannelEmail,
		To:        "bob@example.com",
		Code:      code,
		Purpose:   meshydbtest.PurposeReset,
	}, outbox[0])
	assert.Equal(t, code, srv.LastCode("bob"))

	hash.VerificationCode = code
	valid, err := db.CheckHash(ctx, hash)
	require.NoError(t, err)
	assert.True(t, valid)

	require.NoError(t, db.ResetPassword(ctx, hash, "new-pass"))

	_, err = db.Login(ctx, "bob", "old-pass")
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)
	assert.Equal(t, "invalid_grant", apiError(t, err).Code)
	login(t, db, "bob", "new-pass")

	// The hash is spent: the password it reset is gone.
	err = db.ResetPassword(ctx, hash, "third-pass")
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)
	valid, err = db.CheckHash(ctx, hash)
	require.NoError(t, err)
	assert.False(t, valid)
}

func TestForgotPasswordWireShape(t *testing.T) {
	srv, _ := newServer(t)
	addVerified(srv, "", "bob", "pw")

	res := postJSON(t, srv, "users/forgotpassword", map[string]string{"username": "bob"})
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	assert.Contains(t, res.header.Get("Content-Type"), "application/json")
	body := decodeRaw[map[string]any](t, res)
	assert.ElementsMatch(t, []string{"username", "expires", "hash", "attempt", "hint"}, keys(body))
	// .NET style: seven fraction digits and a numeric zone, an hour ahead.
	assert.Equal(t, "2026-12-04T20:00:00.0000000+00:00", body["expires"])
	assert.EqualValues(t, 1, body["attempt"])

	res = postJSON(t, srv, "users/forgotpassword", map[string]string{})
	assert.Equal(t, http.StatusBadRequest, res.status)
	assert.Contains(t, decodeRaw[map[string]string](t, res)["message"], "username")

	res = postJSON(t, srv, "users/checkhash", map[string]any{"username": "bob", "hash": "x", "expires": body["expires"]})
	assert.Equal(t, http.StatusBadRequest, res.status, "checkhash without verificationCode")
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestForgotPasswordErrors(t *testing.T) {
	srv, _ := newServer(t)
	srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{Username: "guest", Anonymous: true})
	db := newDB(t, srv, "")

	_, err := db.ForgotPassword(t.Context(), "nobody")
	assert.ErrorIs(t, err, meshydb.ErrNotFound)

	_, err = db.ForgotPassword(t.Context(), "guest")
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)
	assert.Contains(t, apiError(t, err).Message, "Anonymous")
	assert.Empty(t, srv.Outbox())
}

func TestExpiredHash(t *testing.T) {
	srv, clock := newServer(t)
	addVerified(srv, "", "bob", "old-pass")
	db := newDB(t, srv, "")

	hash, err := db.ForgotPassword(t.Context(), "bob")
	require.NoError(t, err)
	hash.VerificationCode = srv.LastCode("bob")

	clock.Advance(59 * time.Minute)
	valid, err := db.CheckHash(t.Context(), hash)
	require.NoError(t, err)
	assert.True(t, valid, "still valid after 59 minutes")

	clock.Advance(2 * time.Minute)
	valid, err = db.CheckHash(t.Context(), hash)
	require.NoError(t, err)
	assert.False(t, valid, "expired after 61 minutes")

	err = db.ResetPassword(t.Context(), hash, "new-pass")
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)
	assert.Contains(t, apiError(t, err).Message, "expired")
	login(t, db, "bob", "old-pass")
}

func TestTamperedHash(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(h *meshydb.PasswordResetHash)
	}{
		{"hash", func(h *meshydb.PasswordResetHash) { h.Hash = flipLast(h.Hash) }},
		{"hash nonce", func(h *meshydb.PasswordResetHash) { h.Hash = "X" + h.Hash[1:] }},
		{"expires later", func(h *meshydb.PasswordResetHash) { h.Expires = h.Expires.Add(24 * time.Hour) }},
		{"expires earlier", func(h *meshydb.PasswordResetHash) { h.Expires = h.Expires.Add(-time.Second) }},
		{"attempt", func(h *meshydb.PasswordResetHash) { h.Attempt = 2 }},
		{"hint", func(h *meshydb.PasswordResetHash) { h.Hint = "What is 2+2?" }},
		{"username of another user", func(h *meshydb.PasswordResetHash) { h.Username = "alice" }},
		{"username in another case", func(h *meshydb.PasswordResetHash) { h.Username = "BOB" }},
		{"unknown username", func(h *meshydb.PasswordResetHash) { h.Username = "nobody" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := newServer(t)
			addVerified(srv, "", "bob", "bob-pass")
			addVerified(srv, "", "alice", "alice-pass")
			db := newDB(t, srv, "")

			hash, err := db.ForgotPassword(t.Context(), "bob")
			require.NoError(t, err)
			hash.VerificationCode = srv.LastCode("bob")
			tt.tamper(hash)

			valid, err := db.CheckHash(t.Context(), hash)
			require.NoError(t, err)
			assert.False(t, valid)
			err = db.ResetPassword(t.Context(), hash, "hacked")
			assert.ErrorIs(t, err, meshydb.ErrBadRequest)
			assert.Contains(t, apiError(t, err).Message, "invalid")

			login(t, db, "bob", "bob-pass")
			login(t, db, "alice", "alice-pass")
		})
	}
}

func flipLast(s string) string {
	last := s[len(s)-1]
	if last == 'A' {
		return s[:len(s)-1] + "B"
	}
	return s[:len(s)-1] + "A"
}

func TestWrongOrMissingCode(t *testing.T) {
	srv, _ := newServer(t)
	addVerified(srv, "", "bob", "old-pass")
	db := newDB(t, srv, "")

	hash, err := db.ForgotPassword(t.Context(), "bob")
	require.NoError(t, err)
	code := srv.LastCode("bob")
	hash.VerificationCode = "000000"
	if code == "000000" {
		hash.VerificationCode = "111111"
	}

	valid, err := db.CheckHash(t.Context(), hash)
	require.NoError(t, err)
	assert.False(t, valid)
	err = db.ResetPassword(t.Context(), hash, "new-pass")
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)
	assert.Contains(t, apiError(t, err).Message, "verification code is invalid")

	hash.VerificationCode = ""
	err = db.ResetPassword(t.Context(), hash, "new-pass")
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)
	assert.Contains(t, apiError(t, err).Message, "verification code is required")

	// The hash still works with the right code.
	hash.VerificationCode = code
	require.NoError(t, db.ResetPassword(t.Context(), hash, "new-pass"))
	login(t, db, "bob", "new-pass")
}

func TestRecoveryWithoutVerification(t *testing.T) {
	srv, _ := newServer(t, meshydbtest.WithAccount(meshydbtest.Account{
		ClientKey: "seed-era", PublicKey: "seed-era-public", Verification: meshydbtest.VerifyNone,
	}))
	srv.AddUser("seed-era", "", meshydbtest.SeedUser{Username: "bob", Password: "old-pass"})
	db := newDBFor(t, srv, "seed-era", "", "seed-era-public")

	hash, err := db.ForgotPassword(t.Context(), "bob")
	require.NoError(t, err)
	assert.Empty(t, srv.Outbox(), "nothing is sent without verification")
	require.NoError(t, db.ResetPassword(t.Context(), hash, "new-pass"))
	login(t, db, "bob", "new-pass")
}

func TestRecoveryWithSecurityQuestions(t *testing.T) {
	srv, _ := newServer(t, meshydbtest.WithAccount(meshydbtest.Account{
		ClientKey: "questions", PublicKey: "questions-public", Verification: meshydbtest.VerifySecurityQuestion,
	}))
	srv.AddUser("questions", "", meshydbtest.SeedUser{
		Username: "bob", Password: "old-pass",
		SecurityQuestions: []meshydbtest.SecurityQuestion{
			{Question: "First pet?", Answer: "Rex"},
			{Question: "Home town?", Answer: "Springfield"},
		},
	})
	srv.AddUser("questions", "", meshydbtest.SeedUser{Username: "carol", Password: "pw"})
	db := newDBFor(t, srv, "questions", "", "questions-public")
	ctx := t.Context()

	first, err := db.ForgotPassword(ctx, "bob")
	require.NoError(t, err)
	assert.Equal(t, "First pet?", first.Hint)

	second, err := db.ForgotPasswordAttempt(ctx, "bob", 2)
	require.NoError(t, err)
	assert.Equal(t, "Home town?", second.Hint)
	assert.Equal(t, 2, second.Attempt)
	last := srv.Outbox()[len(srv.Outbox())-1]
	assert.Equal(t, meshydbtest.ChannelQuestion, last.Channel)
	assert.Equal(t, "Springfield", last.Code)

	second.VerificationCode = "Rex" // the answer to the other question
	valid, err := db.CheckHash(ctx, second)
	require.NoError(t, err)
	assert.False(t, valid)

	second.VerificationCode = "  springFIELD "
	valid, err = db.CheckHash(ctx, second)
	require.NoError(t, err)
	assert.True(t, valid, "answers match ignoring case and space")
	require.NoError(t, db.ResetPassword(ctx, second, "new-pass"))
	login(t, db, "bob", "new-pass")

	_, err = db.ForgotPasswordAttempt(ctx, "bob", 3)
	assert.ErrorIs(t, err, meshydb.ErrBadRequest)
	_, err = db.ForgotPassword(ctx, "carol")
	assert.ErrorIs(t, err, meshydb.ErrBadRequest, "a user without questions cannot recover")
}
