package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/meshydb/meshydb-go/meshydbtest"
)

// seedFile is the -seed file: accounts, with their role permissions and
// users. Omitted fields take the defaults shown:
//
//	{"accounts": [{
//	  "clientKey": "my-app", "publicKey": "my-app-public",
//	  "verification": "email",           // none, email, text or question
//	  "anonymousRegistration": true, "publicRegistration": true,
//	  "rolePermissions": {"reader": ["read"]},  // admin has all four by default
//	  "users": [{
//	    "tenant": "", "username": "bob", "password": "s3cret",
//	    "firstName": "", "lastName": "", "phoneNumber": "", "emailAddress": "",
//	    "roles": ["admin"], "verified": true, "inactive": false, "anonymous": false,
//	    "securityQuestions": [{"question": "First pet?", "answer": "Rex"}]
//	  }]
//	}]}
//
// An account with the clientKey of the -client-key flag replaces the
// flag's settings, and the -user users are added to it.
type seedFile struct {
	Accounts []seedAccount `json:"accounts"`
}

type seedAccount struct {
	ClientKey             string                              `json:"clientKey"`
	PublicKey             string                              `json:"publicKey"`
	Verification          *meshydbtest.VerificationMethod     `json:"verification"`
	AnonymousRegistration *bool                               `json:"anonymousRegistration"`
	PublicRegistration    *bool                               `json:"publicRegistration"`
	RolePermissions       map[string][]meshydbtest.Permission `json:"rolePermissions"`
	Users                 []seedUser                          `json:"users"`
}

type seedUser struct {
	Tenant            string                         `json:"tenant"`
	Username          string                         `json:"username"`
	Password          string                         `json:"password"`
	FirstName         string                         `json:"firstName"`
	LastName          string                         `json:"lastName"`
	PhoneNumber       string                         `json:"phoneNumber"`
	EmailAddress      string                         `json:"emailAddress"`
	Roles             []string                       `json:"roles"`
	Verified          *bool                          `json:"verified"`
	Inactive          bool                           `json:"inactive"`
	Anonymous         bool                           `json:"anonymous"`
	SecurityQuestions []meshydbtest.SecurityQuestion `json:"securityQuestions"`
}

// readSeed reads and decodes a -seed file, refusing unknown fields so
// that typos show.
func readSeed(path string) (*seedFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	file := &seedFile{}
	if err := dec.Decode(file); err != nil {
		return nil, fmt.Errorf("seed file %s: %w", path, err)
	}
	return file, nil
}

// merge adds file's accounts; one with the same clientKey as an account
// already there takes its place and keeps its users.
func (s *seedFile) merge(file *seedFile) {
	for _, a := range file.Accounts {
		replaced := false
		for i := range s.Accounts {
			if s.Accounts[i].ClientKey == a.ClientKey {
				a.Users = append(s.Accounts[i].Users, a.Users...)
				s.Accounts[i], replaced = a, true
			}
		}
		if !replaced {
			s.Accounts = append(s.Accounts, a)
		}
	}
}

// check finds what would make the server refuse the seed: missing keys
// and usernames, and a username used twice in one tenant.
func (s *seedFile) check() error {
	for _, a := range s.Accounts {
		if strings.TrimSpace(a.ClientKey) == "" || strings.TrimSpace(a.PublicKey) == "" {
			return fmt.Errorf("seed: every account needs a clientKey and a publicKey")
		}
		for role, perms := range a.RolePermissions {
			for _, p := range perms {
				if !slices.Contains(permissions, p) {
					return fmt.Errorf("seed: account %s: role %s: unknown permission %q (want create, read, update or delete)", a.ClientKey, role, p)
				}
			}
		}
		seen := map[[2]string]bool{}
		for _, u := range a.Users {
			if strings.TrimSpace(u.Username) == "" {
				return fmt.Errorf("seed: account %s: a user has no username", a.ClientKey)
			}
			key := [2]string{u.Tenant, strings.ToLower(u.Username)}
			if seen[key] {
				return fmt.Errorf("seed: account %s: username %q appears twice in tenant %q", a.ClientKey, u.Username, u.Tenant)
			}
			seen[key] = true
		}
	}
	return nil
}

var permissions = []meshydbtest.Permission{
	meshydbtest.PermissionCreate, meshydbtest.PermissionRead, meshydbtest.PermissionUpdate, meshydbtest.PermissionDelete,
}

// options returns the server options that create the seed's accounts.
func (s *seedFile) options() []meshydbtest.Option {
	var opts []meshydbtest.Option
	for _, a := range s.Accounts {
		opts = append(opts, meshydbtest.WithAccount(meshydbtest.Account{
			ClientKey:             a.ClientKey,
			PublicKey:             a.PublicKey,
			Verification:          verification(a.Verification),
			AnonymousRegistration: orTrue(a.AnonymousRegistration),
			PublicRegistration:    orTrue(a.PublicRegistration),
		}))
	}
	return opts
}

// apply sets the role permissions and adds the users of the seed.
func (s *seedFile) apply(srv *meshydbtest.Server) {
	for _, a := range s.Accounts {
		for role, perms := range a.RolePermissions {
			srv.SetRolePermissions(a.ClientKey, role, perms...)
		}
		for _, u := range a.Users {
			srv.AddUser(a.ClientKey, u.Tenant, meshydbtest.SeedUser{
				Username:          u.Username,
				Password:          u.Password,
				FirstName:         u.FirstName,
				LastName:          u.LastName,
				PhoneNumber:       u.PhoneNumber,
				EmailAddress:      u.EmailAddress,
				Roles:             u.Roles,
				Unverified:        !orTrue(u.Verified),
				Inactive:          u.Inactive,
				Anonymous:         u.Anonymous,
				SecurityQuestions: u.SecurityQuestions,
			})
		}
	}
}

// print describes the accounts and users to connect with.
func (s *seedFile) print(w io.Writer, url string) {
	for _, a := range s.Accounts {
		fmt.Fprintf(w, "account: clientKey=%s publicKey=%s verification=%s\n", a.ClientKey, a.PublicKey, verification(a.Verification))
		fmt.Fprintf(w, "  meshydb.New(%q, \"\", %q, meshydb.WithAPIURL(%q), meshydb.WithAuthURL(%q))\n",
			a.ClientKey, a.PublicKey, url, url)
		for _, u := range a.Users {
			fmt.Fprintf(w, "  user: %s", u.Username)
			if u.Tenant != "" {
				fmt.Fprintf(w, " (tenant %q)", u.Tenant)
			}
			if len(u.Roles) > 0 {
				fmt.Fprintf(w, " roles=%s", strings.Join(u.Roles, ","))
			}
			fmt.Fprintln(w)
		}
	}
}

func orTrue(b *bool) bool { return b == nil || *b }

// verification returns m, or VerifyEmail when it is not set.
func verification(m *meshydbtest.VerificationMethod) meshydbtest.VerificationMethod {
	if m == nil {
		return meshydbtest.VerifyEmail
	}
	return *m
}
