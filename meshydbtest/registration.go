package meshydbtest

import (
	"net/http"
	"strings"
)

// usernameExists serves GET users/{username}/exists.
func (s *Server) usernameExists(x *exchange) *response {
	exists := x.tenant.lookup(x.r.PathValue("username")) != nil
	return jsonResponse(http.StatusOK, map[string]bool{"exists": exists})
}

// registerAnonymous serves POST users/register/anonymous: 201 with the new
// anonymous user, who logs in with the password "nopassword".
func (s *Server) registerAnonymous(x *exchange) *response {
	var req struct {
		Username string `json:"username"`
	}
	if res := x.decode(&req); res != nil {
		return res
	}
	switch {
	case !x.acct.AnonymousRegistration:
		return badRequest("Anonymous registration is not enabled.")
	case strings.TrimSpace(req.Username) == "":
		return badRequest("The username is required.")
	case x.tenant.lookup(req.Username) != nil:
		return badRequest("The username must be unique.")
	}
	u := s.newUser(req.Username, anonymousPassword)
	u.anonymous = true
	x.tenant.add(u)
	return jsonResponse(http.StatusCreated, u.wire())
}

// register serves POST users/register. With email or text verification
// it answers 201 with a verification hash and sends the code; otherwise
// the user is verified at once and it answers 204.
func (s *Server) register(x *exchange) *response {
	var req struct {
		Username          string       `json:"username"`
		NewPassword       string       `json:"newPassword"`
		FirstName         string       `json:"firstName"`
		LastName          string       `json:"lastName"`
		PhoneNumber       string       `json:"phoneNumber"`
		EmailAddress      string       `json:"emailAddress"`
		SecurityQuestions []answerJSON `json:"securityQuestions"`
	}
	if res := x.decode(&req); res != nil {
		return res
	}
	method := x.acct.Verification
	switch {
	case !x.acct.PublicRegistration:
		return badRequest("Public registration is not enabled.")
	case strings.TrimSpace(req.Username) == "":
		return badRequest("The username is required.")
	case req.NewPassword == "":
		return badRequest("The newPassword is required.")
	case x.tenant.lookup(req.Username) != nil:
		return badRequest("The username must be unique.")
	case method == VerifyEmail && req.EmailAddress == "":
		return badRequest("An email address is required to verify the user.")
	case method == VerifyText && req.PhoneNumber == "":
		return badRequest("A phone number is required to verify the user.")
	}
	if res := checkContact(req.EmailAddress, req.PhoneNumber); res != nil {
		return res
	}
	questions, res := questionsFrom(req.SecurityQuestions, false)
	if res != nil {
		return res
	}
	u := s.newUser(req.Username, req.NewPassword)
	u.firstName, u.lastName = req.FirstName, req.LastName
	u.phoneNumber, u.emailAddress = req.PhoneNumber, req.EmailAddress
	u.questions = questions
	x.tenant.add(u)
	if !method.sendsCode() {
		u.verified = true
		return noContent()
	}
	h := x.issueHash(PurposeVerify, u, 1, "")
	x.send(u, PurposeVerify, x.codeFor(h.Hash))
	return jsonResponse(http.StatusCreated, h)
}

// verify serves POST users/verify: 204 once the user is verified.
func (s *Server) verify(x *exchange) *response {
	var req hashRequest
	if res := x.decode(&req); res != nil {
		return res
	}
	if field := req.missing(true, false); field != "" {
		return badRequest("The " + field + " is required.")
	}
	u, res := x.redeem(PurposeVerify, &req)
	if res != nil {
		return res
	}
	u.verified = true
	return noContent()
}
