package meshydbtest

import (
	"fmt"
	"strings"
)

// SeedUser is a user to add with [Server.AddUser]. Zero values are the
// defaults: active, verified, not anonymous, no roles, so a seeded user can
// log in straight away.
type SeedUser struct {
	Username string
	// Password is stored hashed. An anonymous user with no Password gets
	// the fixed anonymous password "nopassword".
	Password     string
	FirstName    string
	LastName     string
	PhoneNumber  string
	EmailAddress string
	// Roles are role names; AdminRole grants every user-management
	// permission.
	Roles []string
	// Unverified leaves the user awaiting verification: accounts that
	// verify by email or text ([VerifyEmail], the default account, and
	// [VerifyText]) refuse to log it in.
	Unverified bool
	// Inactive makes the user inactive: it cannot log in and is left out
	// of searches unless they ask for inactive users.
	Inactive bool
	// Anonymous makes the user anonymous, as if created by
	// users/register/anonymous.
	Anonymous         bool
	SecurityQuestions []SecurityQuestion
}

// SecurityQuestion is a security question with its answer in clear, for
// seeding users.
type SecurityQuestion struct {
	Question string
	Answer   string
}

// anonymousPassword is the fixed password of anonymous users.
const anonymousPassword = "nopassword"

// AddUser adds a user to the tenant of the account clientKey (tenant ""
// is the default tenant) and returns its id. It is meant for test setup
// and panics when the account does not exist, the username is blank, or
// the username is taken in that tenant (usernames match ignoring case).
func (s *Server) AddUser(clientKey, tenant string, seed SeedUser) (id string) {
	if strings.TrimSpace(seed.Username) == "" {
		panic("meshydbtest: AddUser: blank username")
	}
	password := seed.Password
	if seed.Anonymous && password == "" {
		password = anonymousPassword
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.mustAccount(clientKey).tenant(tenant)
	if t.lookup(seed.Username) != nil {
		panic(fmt.Sprintf("meshydbtest: AddUser: username %q is taken in tenant %q", seed.Username, tenant))
	}
	now := s.now()
	u := s.newUser(seed.Username, password)
	u.firstName, u.lastName = seed.FirstName, seed.LastName
	u.phoneNumber, u.emailAddress = seed.PhoneNumber, seed.EmailAddress
	u.verified, u.active, u.anonymous = !seed.Unverified, !seed.Inactive, seed.Anonymous
	u.setRoles(seed.Roles, now)
	for _, q := range seed.SecurityQuestions {
		u.questions = append(u.questions, newQuestion(q.Question, q.Answer))
	}
	t.add(u)
	return u.id
}
