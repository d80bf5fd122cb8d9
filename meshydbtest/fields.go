package meshydbtest

import (
	"net/mail"
	"strings"
)

// validEmail reports whether s is a plain email address, like
// "ann@example.com".
func validEmail(s string) bool {
	addr, err := mail.ParseAddress(s)
	return err == nil && addr.Name == "" && addr.Address == s && strings.Contains(s, "@")
}

// validPhone reports whether s is a phone number: an optional leading +,
// then 7 to 15 digits, which may be grouped with spaces, dashes, dots and
// parentheses.
func validPhone(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0:
		case strings.ContainsRune(" -.()", r):
		default:
			return false
		}
	}
	return digits >= 7 && digits <= 15
}

// checkContact returns the 400 for a malformed email address or phone
// number; empty ones are fine.
func checkContact(email, phone string) *response {
	if email != "" && !validEmail(email) {
		return badRequest("The email address is not valid.")
	}
	if phone != "" && !validPhone(phone) {
		return badRequest("The phone number is not valid.")
	}
	return nil
}

// answerJSON is a security question with its answer, as clients send it.
type answerJSON struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// questionsFrom checks and converts the questions a client sent.
func questionsFrom(answers []answerJSON, required bool) ([]question, *response) {
	if required && len(answers) == 0 {
		return nil, badRequest("At least one security question is required.")
	}
	qs := make([]question, 0, len(answers))
	for _, a := range answers {
		if strings.TrimSpace(a.Question) == "" || strings.TrimSpace(a.Answer) == "" {
			return nil, badRequest("Every security question needs a question and an answer.")
		}
		qs = append(qs, newQuestion(a.Question, a.Answer))
	}
	return qs, nil
}
