package meshydbtest

import (
	"fmt"
	"slices"
	"strings"
)

// Default credentials of the account [NewServer] creates when no
// [WithAccount] option is given.
const (
	DefaultClientKey = "meshydb-test"
	DefaultPublicKey = "meshydb-test-public"
)

// Account is a MeshyDB account the server knows: the clientKey that
// starts every URL, the application's publicKey (the OAuth2 client_id),
// and how the account verifies users.
type Account struct {
	// ClientKey is the first path segment of every URL, /{clientKey}/...
	ClientKey string
	// PublicKey is the client_id that connect/token and
	// connect/revocation require.
	PublicKey string
	// Verification is how new registrations are verified and how password
	// resets are proven. Its zero value is VerifyNone.
	Verification VerificationMethod
	// AnonymousRegistration enables users/register/anonymous.
	AnonymousRegistration bool
	// PublicRegistration enables users/register.
	PublicRegistration bool
}

// DefaultAccount returns the settings of the account that NewServer
// creates by default: [DefaultClientKey], [DefaultPublicKey], email
// verification, and both kinds of registration enabled.
func DefaultAccount() Account {
	return Account{
		ClientKey:             DefaultClientKey,
		PublicKey:             DefaultPublicKey,
		Verification:          VerifyEmail,
		AnonymousRegistration: true,
		PublicRegistration:    true,
	}
}

// VerificationMethod is how an account verifies new users and proves
// password resets.
type VerificationMethod int

const (
	// VerifyNone is the seed-era behaviour: registration needs no
	// verification (users/register answers 204) and a password reset needs
	// only the hash, no code.
	VerifyNone VerificationMethod = iota
	// VerifyEmail sends a 6-digit code by email, for registration and for
	// password resets. Registration requires an email address, and users
	// must be verified before they can log in.
	VerifyEmail
	// VerifyText is VerifyEmail by text message: registration requires a
	// phone number.
	VerifyText
	// VerifySecurityQuestion proves password resets with the answer to one
	// of the user's security questions, put in the hash's hint.
	// Registration needs no verification.
	VerifySecurityQuestion
)

var verificationNames = []string{"none", "email", "text", "question"}

// String returns "none", "email", "text" or "question".
func (m VerificationMethod) String() string {
	if m < 0 || int(m) >= len(verificationNames) {
		return fmt.Sprintf("VerificationMethod(%d)", int(m))
	}
	return verificationNames[m]
}

// MarshalText encodes m as its String form.
func (m VerificationMethod) MarshalText() ([]byte, error) {
	if m < 0 || int(m) >= len(verificationNames) {
		return nil, fmt.Errorf("meshydbtest: unknown verification method %d", int(m))
	}
	return []byte(m.String()), nil
}

// UnmarshalText reads "none", "email", "text" or "question" (also
// "securityquestion"), in any case.
func (m *VerificationMethod) UnmarshalText(text []byte) error {
	name := strings.ToLower(strings.TrimSpace(string(text)))
	if name == "securityquestion" {
		name = "question"
	}
	i := slices.Index(verificationNames, name)
	if i < 0 {
		return fmt.Errorf("meshydbtest: unknown verification method %q (want none, email, text or question)", text)
	}
	*m = VerificationMethod(i)
	return nil
}

// sendsCode reports whether m mails or texts a code.
func (m VerificationMethod) sendsCode() bool { return m == VerifyEmail || m == VerifyText }

// channel is the outbox channel m delivers codes by.
func (m VerificationMethod) channel() string {
	switch m {
	case VerifyEmail:
		return ChannelEmail
	case VerifyText:
		return ChannelText
	case VerifySecurityQuestion:
		return ChannelQuestion
	}
	return ""
}

// Permission is a user-management permission, granted to roles with
// [Server.SetRolePermissions].
type Permission string

// The permissions the users API checks.
const (
	PermissionCreate Permission = "create" // POST users
	PermissionRead   Permission = "read"   // GET users, GET users/{id}
	PermissionUpdate Permission = "update" // PUT users/{id}, POST users/{id}/questions
	PermissionDelete Permission = "delete" // DELETE users/{id}
)

// AdminRole is the role that every account grants all four permissions
// to, unless [Server.SetRolePermissions] changes it.
const AdminRole = "admin"

// account is an Account with its state: role permissions and tenants.
type account struct {
	Account
	perms   map[string][]Permission // role name -> permissions
	tenants map[string]*tenant      // tenant name -> users
}

func newAccount(a Account) *account {
	return &account{
		Account: a,
		perms: map[string][]Permission{
			AdminRole: {PermissionCreate, PermissionRead, PermissionUpdate, PermissionDelete},
		},
		tenants: make(map[string]*tenant),
	}
}

// tenant returns the named tenant, creating it on first use.
func (a *account) tenant(name string) *tenant {
	t := a.tenants[name]
	if t == nil {
		t = newTenant()
		a.tenants[name] = t
	}
	return t
}

// can reports whether u has perm through any of its roles.
func (a *account) can(u *user, perm Permission) bool {
	for _, r := range u.roles {
		if slices.Contains(a.perms[r.name], perm) {
			return true
		}
	}
	return false
}

// SetRolePermissions sets what users with role may do in the account
// clientKey, replacing what the role had. With no perms the role grants
// nothing, which also takes the default permissions away from [AdminRole].
// It panics when the account does not exist.
func (s *Server) SetRolePermissions(clientKey, role string, perms ...Permission) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustAccount(clientKey).perms[role] = slices.Clone(perms)
}

// mustAccount returns the account clientKey or panics; for the test-setup
// methods.
func (s *Server) mustAccount(clientKey string) *account {
	a := s.accounts[clientKey]
	if a == nil {
		panic(fmt.Sprintf("meshydbtest: no account %q", clientKey))
	}
	return a
}
