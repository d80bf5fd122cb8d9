package meshydbtest

import (
	"net/http"
	"strings"
)

// createUser serves POST users: 201 with the new user. Without "verified"
// in the body the user is created verified, and without "isActive",
// active.
func (s *Server) createUser(x *exchange) *response {
	if _, res := x.authorize(PermissionCreate); res != nil {
		return res
	}
	var req struct {
		Username          string       `json:"username"`
		NewPassword       string       `json:"newPassword"`
		SecurityQuestions []answerJSON `json:"securityQuestions"`
	}
	if res := x.decode(&req); res != nil {
		return res
	}
	patch, res := x.parsePatch() // the profile fields, roles, verified, isActive
	if res != nil {
		return res
	}
	switch {
	case strings.TrimSpace(req.Username) == "":
		return badRequest("The username is required.")
	case req.NewPassword == "":
		return badRequest("The newPassword is required.")
	case x.tenant.lookup(req.Username) != nil:
		return badRequest("The username must be unique.")
	}
	questions, res := questionsFrom(req.SecurityQuestions, false)
	if res != nil {
		return res
	}
	u := s.newUser(req.Username, req.NewPassword)
	u.verified = true
	patch.username = nil
	if res := patch.apply(x, u, false); res != nil {
		return res
	}
	u.questions = questions
	x.tenant.add(u)
	return jsonResponse(http.StatusCreated, u.wire())
}

// target returns the user named by the {id} in the path, or a 404.
func (x *exchange) target() (*user, *response) {
	u := x.tenant.users[x.r.PathValue("id")]
	if u == nil {
		return nil, messageError(http.StatusNotFound, "User not found.")
	}
	return u, nil
}

// getUser serves GET users/{id}.
func (s *Server) getUser(x *exchange) *response {
	if _, res := x.authorize(PermissionRead); res != nil {
		return res
	}
	u, res := x.target()
	if res != nil {
		return res
	}
	return jsonResponse(http.StatusOK, u.wire())
}

// updateUser serves PUT users/{id}: only the fields present in the body
// change, roles, verified and isActive included.
func (s *Server) updateUser(x *exchange) *response {
	if _, res := x.authorize(PermissionUpdate); res != nil {
		return res
	}
	u, res := x.target()
	if res != nil {
		return res
	}
	patch, res := x.parsePatch()
	if res != nil {
		return res
	}
	if res := patch.apply(x, u, false); res != nil {
		return res
	}
	return jsonResponse(http.StatusOK, u.wire())
}

// deleteUser serves DELETE users/{id}. A user cannot delete itself. The
// deleted user's tokens stop working.
func (s *Server) deleteUser(x *exchange) *response {
	caller, res := x.authorize(PermissionDelete)
	if res != nil {
		return res
	}
	u, res := x.target()
	if res != nil {
		return res
	}
	if u == caller {
		return badRequest("A user cannot delete itself.")
	}
	x.tenant.remove(u)
	s.revokeAll(u)
	return noContent()
}

// setUserQuestions serves POST users/{id}/questions.
func (s *Server) setUserQuestions(x *exchange) *response {
	if _, res := x.authorize(PermissionUpdate); res != nil {
		return res
	}
	u, res := x.target()
	if res != nil {
		return res
	}
	return x.setQuestions(u)
}
