package meshydb

import (
	"context"
	"net/http"
)

// usernameRequest is the body of calls that take only a username.
type usernameRequest struct {
	Username string `json:"username"`
}

// UsernameExists reports whether a user named username exists (GET
// {api}/{clientKey}/users/{username}/exists). The username is sent as one
// escaped path segment, whatever it contains.
func (db *MeshyDB) UsernameExists(ctx context.Context, username string) (bool, error) {
	if err := checkUsername("username", username); err != nil {
		return false, err
	}
	segment, err := pathSegment("username", username)
	if err != nil {
		return false, err
	}
	c := &call{method: http.MethodGet, base: db.api, route: "users/" + segment + "/exists", name: "users/{username}/exists"}
	answer, err := fetch[struct {
		Exists bool `json:"exists"`
	}](ctx, &db.http, c)
	if err != nil {
		return false, err
	}
	return answer.Exists, nil
}

// RegisterAnonymous creates an anonymous user named username (POST
// {api}/{clientKey}/users/register/anonymous) and returns it. Anonymous
// users sign in with [MeshyDB.LoginAnonymously]. It fails with
// [ErrBadRequest] when anonymous registration is not enabled for the
// account or the username is taken.
func (db *MeshyDB) RegisterAnonymous(ctx context.Context, username string) (*User, error) {
	if err := checkUsername("username", username); err != nil {
		return nil, err
	}
	c := &call{method: http.MethodPost, base: db.api, route: "users/register/anonymous", body: usernameRequest{Username: username}}
	return fetch[User](ctx, &db.http, c)
}
