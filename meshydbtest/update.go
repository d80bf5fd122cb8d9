package meshydbtest

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// userPatch is a partial update of a user: nil fields were absent from the
// body and stay as they are.
type userPatch struct {
	firstName, lastName       *string
	phoneNumber, emailAddress *string
	username                  *string
	verified, active          *bool
	roles                     *[]string
}

// parsePatch reads a PUT body. Keys match ignoring case and unknown keys
// (id, anonymous, securityQuestions, ...) are ignored. A string field set
// to null is cleared; a boolean or roles set to null is left alone. Roles
// may be plain names or {"name": ...} objects.
func (x *exchange) parsePatch() (*userPatch, *response) {
	var fields map[string]json.RawMessage
	if res := x.decode(&fields); res != nil {
		return nil, res
	}
	p := &userPatch{}
	for key, raw := range fields {
		var ok bool
		switch strings.ToLower(key) {
		case "firstname":
			p.firstName, ok = patchString(raw)
		case "lastname":
			p.lastName, ok = patchString(raw)
		case "phonenumber":
			p.phoneNumber, ok = patchString(raw)
		case "emailaddress":
			p.emailAddress, ok = patchString(raw)
		case "username":
			p.username, ok = patchString(raw)
			ok = ok && strings.TrimSpace(*p.username) != ""
		case "verified":
			p.verified, ok = patchBool(raw)
		case "isactive":
			p.active, ok = patchBool(raw)
		case "roles":
			p.roles, ok = patchRoles(raw)
		default:
			ok = true
		}
		if !ok {
			return nil, badRequest("The " + key + " field has a value of the wrong type.")
		}
	}
	return p, nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func patchString(raw json.RawMessage) (*string, bool) {
	s := ""
	if isNull(raw) {
		return &s, true
	}
	return &s, json.Unmarshal(raw, &s) == nil
}

func patchBool(raw json.RawMessage) (*bool, bool) {
	if isNull(raw) {
		return nil, true
	}
	var b bool
	return &b, json.Unmarshal(raw, &b) == nil
}

func patchRoles(raw json.RawMessage) (*[]string, bool) {
	if isNull(raw) {
		return nil, true
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return nil, false
	}
	names := make([]string, 0, len(items))
	for _, item := range items {
		var name string
		if json.Unmarshal(item, &name) != nil {
			var obj struct {
				Name string `json:"name"`
			}
			if json.Unmarshal(item, &obj) != nil {
				return nil, false
			}
			name = obj.Name
		}
		if strings.TrimSpace(name) == "" {
			return nil, false
		}
		names = append(names, name)
	}
	return &names, true
}

// apply checks p against u and the tenant, then applies it all, or
// nothing. With self set (users/me), a change to the roles is refused;
// sending the roles the user already has is fine.
func (p *userPatch) apply(x *exchange, u *user, self bool) *response {
	if p.username != nil && x.tenant.taken(*p.username, u) {
		return badRequest("The username must be unique.")
	}
	email, phone := "", ""
	if p.emailAddress != nil {
		email = *p.emailAddress
	}
	if p.phoneNumber != nil {
		phone = *p.phoneNumber
	}
	if res := checkContact(email, phone); res != nil {
		return res
	}
	if self && p.roles != nil && !sameRoles(*p.roles, u.roleNames()) {
		return badRequest("Roles cannot be changed via users/me.")
	}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&u.firstName, p.firstName)
	set(&u.lastName, p.lastName)
	set(&u.phoneNumber, p.phoneNumber)
	set(&u.emailAddress, p.emailAddress)
	if p.username != nil && *p.username != u.username {
		x.tenant.rename(u, *p.username)
	}
	if p.verified != nil {
		u.verified = *p.verified
	}
	if p.active != nil {
		u.active = *p.active
	}
	if p.roles != nil {
		u.setRoles(*p.roles, x.now)
	}
	return nil
}

// sameRoles reports whether a and b hold the same role names, in any
// order.
func sameRoles(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}
