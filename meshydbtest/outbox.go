package meshydbtest

import (
	"slices"
	"strings"
)

// Channels a Message can go by.
const (
	ChannelEmail    = "email"    // a code mailed to the user's email address
	ChannelText     = "text"     // a code texted to the user's phone number
	ChannelQuestion = "question" // the answer to the security question in the hash's hint
)

// Purposes of a Message.
const (
	PurposeReset  = "reset"  // a password reset (users/forgotpassword)
	PurposeVerify = "verify" // a registration to verify (users/register)
)

// Message is what a real server would have sent a user: a verification
// code by email or text. For accounts that use [VerifySecurityQuestion],
// Channel is "question" and Code is the answer the user is expected to
// give.
type Message struct {
	ClientKey string
	Tenant    string
	Username  string
	Channel   string // ChannelEmail, ChannelText or ChannelQuestion
	To        string // the email address or phone number, if the user has one
	Code      string
	Purpose   string // PurposeReset or PurposeVerify
}

// Outbox returns every message issued so far, oldest first.
func (s *Server) Outbox() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.outbox)
}

// LastCode returns the code of the newest message to username (matched
// ignoring case, in any account or tenant), or "" when there is none.
func (s *Server) LastCode(username string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range slices.Backward(s.outbox) {
		if strings.EqualFold(m.Username, username) {
			return m.Code
		}
	}
	return ""
}

// send puts m into the outbox and queues it for the hook; the lock must be
// held.
func (x *exchange) send(u *user, purpose, code string) {
	m := Message{
		ClientKey: x.acct.ClientKey,
		Tenant:    x.tenantName,
		Username:  u.username,
		Channel:   x.acct.Verification.channel(),
		Code:      code,
		Purpose:   purpose,
	}
	switch m.Channel {
	case ChannelEmail:
		m.To = u.emailAddress
	case ChannelText:
		m.To = u.phoneNumber
	}
	x.s.outbox = append(x.s.outbox, m)
	x.mail = append(x.mail, m)
}

// deliver calls the outbox hook with msgs; the lock must not be held.
func (s *Server) deliver(msgs []Message) {
	if s.hook == nil {
		return
	}
	for _, m := range msgs {
		s.hook(m)
	}
}
