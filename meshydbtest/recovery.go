package meshydbtest

import (
	"fmt"
	"net/http"
	"strings"
)

// forgotPassword serves POST users/forgotpassword: it answers the reset
// hash and puts the code (or, for security questions, the expected
// answer) into the outbox.
func (s *Server) forgotPassword(x *exchange) *response {
	var req struct {
		Username string `json:"username"`
		Attempt  int    `json:"attempt"`
	}
	if res := x.decode(&req); res != nil {
		return res
	}
	if strings.TrimSpace(req.Username) == "" {
		return badRequest("The username is required.")
	}
	u := x.tenant.lookup(req.Username)
	switch {
	case u == nil:
		return messageError(http.StatusNotFound, "User not found.")
	case u.anonymous:
		return badRequest("Anonymous users cannot recover a password.")
	}
	attempt := max(req.Attempt, 1)
	hint := ""
	if x.acct.Verification == VerifySecurityQuestion {
		switch {
		case len(u.questions) == 0:
			return badRequest("The user has no security questions.")
		case attempt > len(u.questions):
			return badRequest(fmt.Sprintf("The user has only %d security questions.", len(u.questions)))
		}
		hint = u.questions[attempt-1].question
	}
	h := x.issueHash(PurposeReset, u, attempt, hint)
	switch x.acct.Verification {
	case VerifyEmail, VerifyText:
		x.send(u, PurposeReset, x.codeFor(h.Hash))
	case VerifySecurityQuestion:
		x.send(u, PurposeReset, u.questions[attempt-1].answer)
	}
	return jsonResponse(http.StatusOK, h)
}

// checkHash serves POST users/checkhash for reset and verification hashes
// alike: a bare true or false.
func (s *Server) checkHash(x *exchange) *response {
	var req hashRequest
	if res := x.decode(&req); res != nil {
		return res
	}
	if field := req.missing(true, false); field != "" {
		return badRequest("The " + field + " is required.")
	}
	_, resetErr := x.redeem(PurposeReset, &req)
	_, verifyErr := x.redeem(PurposeVerify, &req)
	return jsonResponse(http.StatusOK, resetErr == nil || verifyErr == nil)
}

// resetPassword serves POST users/resetpassword. A successful reset
// invalidates every reset hash of the user and signs out its sessions
// (revokes its refresh tokens).
func (s *Server) resetPassword(x *exchange) *response {
	var req hashRequest
	if res := x.decode(&req); res != nil {
		return res
	}
	if field := req.missing(false, true); field != "" {
		return badRequest("The " + field + " is required.")
	}
	u, res := x.redeem(PurposeReset, &req)
	if res != nil {
		return res
	}
	u.setPassword(req.NewPassword)
	s.revokeRefreshTokens(u)
	return noContent()
}
