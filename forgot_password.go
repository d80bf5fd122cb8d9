package meshydb

import (
	"context"
	"net/http"
)

// forgotPasswordRequest is the body of users/forgotpassword.
type forgotPasswordRequest struct {
	Username string `json:"username"`
	Attempt  int    `json:"attempt,omitempty"`
}

// ForgotPassword asks MeshyDB to start a password reset for username
// (POST {api}/{clientKey}/users/forgotpassword with {"username": ...}). The
// server sends the user a verification code, by email or text, or answers
// with a security question in Hint, as the account is set up; the returned
// hash goes back, with the new password, to [MeshyDB.ResetPassword].
//
// It fails with [ErrInvalidArgument] for a blank or malformed username
// (nothing is sent), [ErrNotFound] when there is no such user,
// [ErrBadRequest] when the user is anonymous, and [ErrRateLimited] when the
// account's limits are reached.
func (db *MeshyDB) ForgotPassword(ctx context.Context, username string) (*PasswordResetHash, error) {
	return db.forgotPassword(ctx, forgotPasswordRequest{Username: username})
}

// ForgotPasswordAttempt is [MeshyDB.ForgotPassword] for accounts that verify
// resets with security questions: attempt (1 or more) selects which
// question the server puts into the hash's Hint. Ask again with the next
// attempt when the user cannot answer a question.
func (db *MeshyDB) ForgotPasswordAttempt(ctx context.Context, username string, attempt int) (*PasswordResetHash, error) {
	if attempt < 1 {
		return nil, invalidArgument("attempt", "must be 1 or more")
	}
	return db.forgotPassword(ctx, forgotPasswordRequest{Username: username, Attempt: attempt})
}

func (db *MeshyDB) forgotPassword(ctx context.Context, body forgotPasswordRequest) (*PasswordResetHash, error) {
	if err := checkUsername("username", body.Username); err != nil {
		return nil, err
	}
	c := &call{method: http.MethodPost, base: db.api, route: "users/forgotpassword", body: body}
	return fetch[PasswordResetHash](ctx, &db.http, c)
}

// CheckHash reports whether hash, with the VerificationCode the user entered,
// is still valid, without resetting anything (POST
// {api}/{clientKey}/users/checkhash). Use it to tell the user "wrong code"
// before asking for a new password.
//
// The hash's username, expires, hash, attempt and hint go back exactly as
// ForgotPassword received them. It fails with [ErrInvalidArgument] when hash
// is nil or lacks Username, Hash, Expires or VerificationCode.
func (db *MeshyDB) CheckHash(ctx context.Context, hash *PasswordResetHash) (bool, error) {
	if err := checkHashWithCode(hash); err != nil {
		return false, err
	}
	c := &call{method: http.MethodPost, base: db.api, route: "users/checkhash", body: hash.wire()}
	valid, err := fetch[bool](ctx, &db.http, c)
	if err != nil {
		return false, err
	}
	return *valid, nil
}

// ResetPassword sets the user's password to newPassword, proving the
// request with hash from [MeshyDB.ForgotPassword] (POST
// {api}/{clientKey}/users/resetpassword). Set hash.VerificationCode first
// when the account sends one.
//
// The hash's username, expires, hash, attempt and hint go back exactly as
// ForgotPassword received them. It fails with [ErrInvalidArgument] when hash
// is nil or incomplete or newPassword is empty (nothing is sent), and with
// [ErrBadRequest] when the server finds the hash invalid or expired.
func (db *MeshyDB) ResetPassword(ctx context.Context, hash *PasswordResetHash, newPassword string) error {
	if err := checkHash(hash); err != nil {
		return err
	}
	if newPassword == "" {
		return invalidArgument("newPassword", "is required")
	}
	body := hash.wire()
	body.NewPassword = newPassword
	c := &call{method: http.MethodPost, base: db.api, route: "users/resetpassword", body: body}
	return db.http.do(ctx, c, nil)
}

// checkHashWithCode is checkHash for calls that also need the code.
func checkHashWithCode(hash *PasswordResetHash) error {
	if err := checkHash(hash); err != nil {
		return err
	}
	return checkRequired("hash.VerificationCode", hash.VerificationCode)
}

// checkHash rejects a hash that the server would refuse for a missing field.
func checkHash(hash *PasswordResetHash) error {
	if hash == nil {
		return invalidArgument("hash", "must not be nil")
	}
	if err := checkUsername("hash.Username", hash.Username); err != nil {
		return err
	}
	if err := checkRequired("hash.Hash", hash.Hash); err != nil {
		return err
	}
	if !hash.hasExpires() {
		return invalidArgument("hash.Expires", "is required")
	}
	return nil
}
