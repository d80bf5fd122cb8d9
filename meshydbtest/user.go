package meshydbtest

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
)

// dateLayout is how the server writes dates: .NET's round-trip form, with
// seven fraction digits and a numeric zone, e.g.
// "2026-12-04T20:00:00.0000000+00:00".
const dateLayout = "2006-01-02T15:04:05.0000000-07:00"

// tenant holds one tenant's users.
type tenant struct {
	users  map[string]*user // by id
	byName map[string]*user // by folded username
}

func newTenant() *tenant {
	return &tenant{users: make(map[string]*user), byName: make(map[string]*user)}
}

// lookup finds a user by username, ignoring case.
func (t *tenant) lookup(username string) *user {
	return t.byName[foldName(username)]
}

// taken reports whether username belongs to a user other than self.
func (t *tenant) taken(username string, self *user) bool {
	u := t.lookup(username)
	return u != nil && u != self
}

func (t *tenant) add(u *user) {
	t.users[u.id] = u
	t.byName[foldName(u.username)] = u
}

func (t *tenant) remove(u *user) {
	delete(t.users, u.id)
	delete(t.byName, foldName(u.username))
}

func (t *tenant) rename(u *user, username string) {
	delete(t.byName, foldName(u.username))
	u.username = username
	t.byName[foldName(username)] = u
}

// foldName is the key usernames are unique by: they match ignoring case.
func foldName(username string) string { return strings.ToLower(username) }

// user is a stored user.
type user struct {
	id           string
	seq          uint64 // creation order, the default search order
	username     string
	firstName    string
	lastName     string
	phoneNumber  string
	emailAddress string
	verified     bool
	active       bool
	anonymous    bool
	roles        []role
	questions    []question
	password     passwordHash
	stamp        string // changes with the password; binds reset hashes
	lastAccessed time.Time
}

// role is a role granted to a user.
type role struct {
	name  string
	added time.Time
}

// question is a security question. The answer is kept so that the outbox
// can show it; the API only ever returns its hash.
type question struct {
	question   string
	answer     string
	answerHash string
}

// newUser returns a user with a fresh id and the server's next sequence
// number; the lock must be held.
func (s *Server) newUser(username, password string) *user {
	s.seq++
	return &user{
		id:       newID(),
		seq:      s.seq,
		username: username,
		active:   true,
		password: hashPassword(password),
		stamp:    rand.Text(),
	}
}

// newID returns a random id shaped like a MongoDB ObjectId.
func newID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// setPassword changes u's password and invalidates its reset hashes.
func (u *user) setPassword(password string) {
	u.password = hashPassword(password)
	u.stamp = rand.Text()
}

// setRoles replaces u's roles with names, keeping the date of each role
// it already had.
func (u *user) setRoles(names []string, now time.Time) {
	roles := make([]role, 0, len(names))
	for _, name := range names {
		r := role{name: name, added: now}
		for _, old := range u.roles {
			if old.name == name {
				r.added = old.added
			}
		}
		roles = append(roles, r)
	}
	u.roles = roles
}

// roleNames returns the names of u's roles.
func (u *user) roleNames() []string {
	names := make([]string, len(u.roles))
	for i, r := range u.roles {
		names[i] = r.name
	}
	return names
}

// userJSON is the wire form of a user.
type userJSON struct {
	ID                string         `json:"id"`
	Username          string         `json:"username"`
	FirstName         string         `json:"firstName"`
	LastName          string         `json:"lastName"`
	Verified          bool           `json:"verified"`
	IsActive          bool           `json:"isActive"`
	PhoneNumber       string         `json:"phoneNumber"`
	EmailAddress      string         `json:"emailAddress"`
	Roles             []roleJSON     `json:"roles"`
	SecurityQuestions []questionJSON `json:"securityQuestions"`
	Anonymous         bool           `json:"anonymous"`
	LastAccessed      *string        `json:"lastAccessed"`
}

type roleJSON struct {
	Name      string `json:"name"`
	AddedDate string `json:"addedDate"`
}

type questionJSON struct {
	Question   string `json:"question"`
	AnswerHash string `json:"answerHash"`
}

// wire returns u as the API sends it.
func (u *user) wire() userJSON {
	w := userJSON{
		ID:                u.id,
		Username:          u.username,
		FirstName:         u.firstName,
		LastName:          u.lastName,
		Verified:          u.verified,
		IsActive:          u.active,
		PhoneNumber:       u.phoneNumber,
		EmailAddress:      u.emailAddress,
		Roles:             make([]roleJSON, len(u.roles)),
		SecurityQuestions: make([]questionJSON, len(u.questions)),
		Anonymous:         u.anonymous,
	}
	for i, r := range u.roles {
		w.Roles[i] = roleJSON{Name: r.name, AddedDate: formatDate(r.added)}
	}
	for i, q := range u.questions {
		w.SecurityQuestions[i] = questionJSON{Question: q.question, AnswerHash: q.answerHash}
	}
	if !u.lastAccessed.IsZero() {
		text := formatDate(u.lastAccessed)
		w.LastAccessed = &text
	}
	return w
}

// formatDate writes t the way the server writes every date.
func formatDate(t time.Time) string { return t.UTC().Format(dateLayout) }
