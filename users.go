package meshydb

import (
	"context"
	"net/http"
)

// UsersService makes the user calls that need a signed-in user: the
// signed-in user's own profile, password and security questions, and, with
// the right permissions, managing other users. Reach it as c.Users on a
// [Client].
type UsersService struct {
	c *Client
}

// Me returns the signed-in user (GET {api}/{clientKey}/users/me).
func (s *UsersService) Me(ctx context.Context) (*User, error) {
	return fetch[User](ctx, s.c, &call{method: http.MethodGet, base: s.c.db.api, route: "users/me"})
}

// UpdateMe changes the signed-in user's profile (PUT
// {api}/{clientKey}/users/me) and returns the updated user. Only the fields
// set in update are sent. Roles cannot be changed this way.
func (s *UsersService) UpdateMe(ctx context.Context, update *UserUpdate) (*User, error) {
	if err := update.check(); err != nil {
		return nil, err
	}
	return fetch[User](ctx, s.c, &call{method: http.MethodPut, base: s.c.db.api, route: "users/me", body: update})
}

// passwordChange is the body of users/me/password.
type passwordChange struct {
	PreviousPassword string `json:"previousPassword"`
	NewPassword      string `json:"newPassword"`
}

// ChangePassword changes the signed-in user's password (POST
// {api}/{clientKey}/users/me/password). The server refuses (with
// [ErrBadRequest]) a previous password that does not match, and anonymous
// users.
func (s *UsersService) ChangePassword(ctx context.Context, previousPassword, newPassword string) error {
	if previousPassword == "" {
		return invalidArgument("previousPassword", "is required")
	}
	if newPassword == "" {
		return invalidArgument("newPassword", "is required")
	}
	body := passwordChange{PreviousPassword: previousPassword, NewPassword: newPassword}
	return s.c.do(ctx, &call{method: http.MethodPost, base: s.c.db.api, route: "users/me/password", body: body}, nil)
}

// securityQuestions is the body of the users/.../questions calls.
type securityQuestions struct {
	SecurityQuestions []SecurityAnswer `json:"securityQuestions"`
}

// UpdateMySecurityQuestions replaces the signed-in user's security
// questions (POST {api}/{clientKey}/users/me/questions). At least one
// question is required.
func (s *UsersService) UpdateMySecurityQuestions(ctx context.Context, questions []SecurityAnswer) error {
	if err := checkAnswers("questions", questions, true); err != nil {
		return err
	}
	body := securityQuestions{SecurityQuestions: questions}
	return s.c.do(ctx, &call{method: http.MethodPost, base: s.c.db.api, route: "users/me/questions", body: body}, nil)
}

// Create creates a user (POST {api}/{clientKey}/users) and returns it. It
// needs the create-users permission ([ErrForbidden] without it).
func (s *UsersService) Create(ctx context.Context, user *NewUser) (*User, error) {
	if err := user.check(); err != nil {
		return nil, err
	}
	return fetch[User](ctx, s.c, &call{method: http.MethodPost, base: s.c.db.api, route: "users", body: user})
}

// Get returns the user with the given id (GET {api}/{clientKey}/users/{id}),
// or an error matching [ErrNotFound].
func (s *UsersService) Get(ctx context.Context, id string) (*User, error) {
	route, err := userRoute(id, "")
	if err != nil {
		return nil, err
	}
	return fetch[User](ctx, s.c, &call{method: http.MethodGet, base: s.c.db.api, route: route, name: "users/{id}"})
}

// Update changes the user with the given id (PUT
// {api}/{clientKey}/users/{id}) and returns the updated user. Only the
// fields set in update are sent.
func (s *UsersService) Update(ctx context.Context, id string, update *UserUpdate) (*User, error) {
	route, err := userRoute(id, "")
	if err != nil {
		return nil, err
	}
	if err := update.check(); err != nil {
		return nil, err
	}
	return fetch[User](ctx, s.c, &call{method: http.MethodPut, base: s.c.db.api, route: route, name: "users/{id}", body: update})
}

// Delete deletes the user with the given id (DELETE
// {api}/{clientKey}/users/{id}). A user cannot delete itself.
func (s *UsersService) Delete(ctx context.Context, id string) error {
	route, err := userRoute(id, "")
	if err != nil {
		return err
	}
	return s.c.do(ctx, &call{method: http.MethodDelete, base: s.c.db.api, route: route, name: "users/{id}"}, nil)
}

// UpdateSecurityQuestions replaces the security questions of the user with
// the given id (POST {api}/{clientKey}/users/{id}/questions). At least one
// question is required.
func (s *UsersService) UpdateSecurityQuestions(ctx context.Context, id string, questions []SecurityAnswer) error {
	route, err := userRoute(id, "/questions")
	if err != nil {
		return err
	}
	if err := checkAnswers("questions", questions, true); err != nil {
		return err
	}
	body := securityQuestions{SecurityQuestions: questions}
	return s.c.do(ctx, &call{method: http.MethodPost, base: s.c.db.api, route: route, name: "users/{id}/questions", body: body}, nil)
}

// userRoute returns "users/{id}" plus suffix, with id escaped as one
// segment.
func userRoute(id, suffix string) (string, error) {
	if err := checkRequired("id", id); err != nil {
		return "", err
	}
	segment, err := pathSegment("id", id)
	if err != nil {
		return "", err
	}
	return "users/" + segment + suffix, nil
}
