package meshydb

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
)

// VerificationHash is the server's proof of a registration awaiting
// verification, as returned by [MeshyDB.Register]. It has the same fields,
// wire form and parity rules as [PasswordResetHash]: hand it back unchanged,
// with the VerificationCode the user received, to [MeshyDB.Verify]. It is
// printed and logged with Hash and VerificationCode redacted.
type VerificationHash PasswordResetHash

// MarshalJSON encodes h in the wire form, secrets included; see
// [PasswordResetHash.MarshalJSON].
func (h VerificationHash) MarshalJSON() ([]byte, error) { return PasswordResetHash(h).MarshalJSON() }

// UnmarshalJSON decodes the wire form, keeping the expires text verbatim.
func (h *VerificationHash) UnmarshalJSON(data []byte) error {
	return (*PasswordResetHash)(h).UnmarshalJSON(data)
}

// String returns h with Hash and VerificationCode redacted.
func (h VerificationHash) String() string { return PasswordResetHash(h).String() }

// Format makes every fmt verb print the redacted String form.
func (h VerificationHash) Format(f fmt.State, verb rune) { PasswordResetHash(h).Format(f, verb) }

// LogValue makes log/slog print h with Hash and VerificationCode redacted.
func (h VerificationHash) LogValue() slog.Value { return PasswordResetHash(h).LogValue() }

// Register creates a user (POST {api}/{clientKey}/users/register). When the
// account verifies new users by email or text, the server sends the user a
// code and Register returns the hash to verify it with; when no
// verification is needed (the server answers 204) it returns nil and no
// error.
//
// Username and NewPassword are required, and checked before anything is
// sent. The server refuses (with [ErrBadRequest]) a taken username, a
// missing or malformed email or phone number that the verification method
// needs, or registration that is not enabled for the account.
func (db *MeshyDB) Register(ctx context.Context, user *RegisterUser) (*VerificationHash, error) {
	if err := user.check(); err != nil {
		return nil, err
	}
	var hash *VerificationHash
	c := &call{method: http.MethodPost, base: db.api, route: "users/register", body: user}
	if err := db.http.do(ctx, c, &hash); err != nil {
		return nil, err
	}
	return hash, nil
}

// Verify completes a registration with hash from [MeshyDB.Register] and the
// VerificationCode the user received (POST {api}/{clientKey}/users/verify).
// The server refuses (with [ErrBadRequest]) an expired or invalid hash, a
// user already verified, and anonymous users.
func (db *MeshyDB) Verify(ctx context.Context, hash *VerificationHash) error {
	reset := (*PasswordResetHash)(hash)
	if err := checkHashWithCode(reset); err != nil {
		return err
	}
	c := &call{method: http.MethodPost, base: db.api, route: "users/verify", body: reset.wire()}
	return db.http.do(ctx, c, nil)
}

// CheckVerificationHash reports whether hash, with the VerificationCode the
// user entered, is valid, without verifying the user (POST
// {api}/{clientKey}/users/checkhash).
func (db *MeshyDB) CheckVerificationHash(ctx context.Context, hash *VerificationHash) (bool, error) {
	return db.CheckHash(ctx, (*PasswordResetHash)(hash))
}
