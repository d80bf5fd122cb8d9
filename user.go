package meshydb

import (
	"bytes"
	"encoding/json"
)

// User is a MeshyDB user as the server returns it. Decoding is tolerant:
// any field may be null or missing, roles may come as plain strings
// (seed-era servers) or as objects, and dates may be in any shape MeshyDB
// has used (see [Timestamp]).
type User struct {
	ID                string             `json:"id"`
	Username          string             `json:"username"`
	FirstName         string             `json:"firstName"`
	LastName          string             `json:"lastName"`
	Verified          bool               `json:"verified"`
	IsActive          bool               `json:"isActive"`
	PhoneNumber       string             `json:"phoneNumber"`
	EmailAddress      string             `json:"emailAddress"`
	Roles             []Role             `json:"roles"`
	SecurityQuestions []SecurityQuestion `json:"securityQuestions"`
	Anonymous         bool               `json:"anonymous"`
	LastAccessed      Timestamp          `json:"lastAccessed"`
}

// Role is a role granted to a user.
type Role struct {
	Name string `json:"name"`
	// AddedDate is when the role was granted; zero when the server sent
	// the role as a plain string.
	AddedDate Timestamp `json:"addedDate"`
}

// SecurityQuestion is a security question as the server returns it: the
// answer is only ever sent back hashed.
type SecurityQuestion struct {
	Question   string `json:"question"`
	AnswerHash string `json:"answerHash"`
}

// UnmarshalJSON reads a role given as "admin" or as
// {"name": "admin", "addedDate": "..."}.
func (r *Role) UnmarshalJSON(data []byte) error {
	*r = Role{}
	if name, ok := jsonString(data); ok {
		r.Name = name
		return nil
	}
	if r.decodeFlat(data) {
		return nil
	}
	type plain Role // the same fields, without this method
	*r = Role{}
	return json.Unmarshal(data, (*plain)(r))
}

var roleNameKey, roleAddedDateKey = []byte("name"), []byte("addedDate")

// decodeFlat reads the usual role object without a nested json.Unmarshal:
// search pages hold a role per user, and that saves four allocations each.
func (r *Role) decodeFlat(data []byte) bool {
	obj, ok := newFlatObject(data)
	for ok {
		key, value, done, valid := obj.next()
		switch {
		case !valid:
			return false
		case done:
			return true
		case string(value) == "null":
		case bytes.EqualFold(key, roleNameKey): // as encoding/json matches keys
			r.Name, ok = jsonString(value)
		case bytes.EqualFold(key, roleAddedDateKey):
			ok = r.AddedDate.UnmarshalJSON(value) == nil
		}
	}
	return false
}
