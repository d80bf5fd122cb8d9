package meshydbtest

import "net/http"

// me serves GET users/me.
func (s *Server) me(x *exchange) *response {
	u, res := x.authenticate()
	if res != nil {
		return res
	}
	return jsonResponse(http.StatusOK, u.wire())
}

// updateMe serves PUT users/me: only the fields present in the body
// change, and the roles cannot.
func (s *Server) updateMe(x *exchange) *response {
	u, res := x.authenticate()
	if res != nil {
		return res
	}
	patch, res := x.parsePatch()
	if res != nil {
		return res
	}
	if res := patch.apply(x, u, true); res != nil {
		return res
	}
	return jsonResponse(http.StatusOK, u.wire())
}

// changeMyPassword serves POST users/me/password. It invalidates the
// user's reset hashes; its sessions stay signed in.
func (s *Server) changeMyPassword(x *exchange) *response {
	u, res := x.authenticate()
	if res != nil {
		return res
	}
	var req struct {
		PreviousPassword string `json:"previousPassword"`
		NewPassword      string `json:"newPassword"`
	}
	if res := x.decode(&req); res != nil {
		return res
	}
	switch {
	case u.anonymous:
		return badRequest("Anonymous users cannot change their password.")
	case req.NewPassword == "":
		return badRequest("The newPassword is required.")
	case !u.password.matches(req.PreviousPassword):
		return badRequest("The previous password does not match.")
	}
	u.setPassword(req.NewPassword)
	return noContent()
}

// setMyQuestions serves POST users/me/questions.
func (s *Server) setMyQuestions(x *exchange) *response {
	u, res := x.authenticate()
	if res != nil {
		return res
	}
	return x.setQuestions(u)
}

// setQuestions replaces u's security questions with those in the body.
func (x *exchange) setQuestions(u *user) *response {
	var req struct {
		SecurityQuestions []answerJSON `json:"securityQuestions"`
	}
	if res := x.decode(&req); res != nil {
		return res
	}
	questions, res := questionsFrom(req.SecurityQuestions, true)
	if res != nil {
		return res
	}
	u.questions = questions
	return noContent()
}
