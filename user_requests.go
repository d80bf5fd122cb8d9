package meshydb

import (
	"fmt"
	"io"
	"log/slog"
	"strconv"
)

// SecurityAnswer is a security question with its answer in clear, as sent
// when setting a user's questions. The answer is redacted when printed or
// logged; the server stores only its hash.
type SecurityAnswer struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// String returns the question with the answer redacted.
func (a SecurityAnswer) String() string {
	return fmt.Sprintf("{Question:%q Answer:%s}", a.Question, redactedIfSet(a.Answer))
}

// Format makes every fmt verb print the redacted String form.
func (a SecurityAnswer) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, a.String()) }

// LogValue makes log/slog print the question with the answer redacted.
func (a SecurityAnswer) LogValue() slog.Value {
	return slog.GroupValue(slog.String("question", a.Question), slog.String("answer", redactedIfSet(a.Answer)))
}

// RegisterUser is the request of [MeshyDB.Register]. Username and
// NewPassword are required; the rest is sent only when set. NewPassword and
// the answers are redacted when printed or logged.
type RegisterUser struct {
	Username          string           `json:"username"`
	NewPassword       string           `json:"newPassword"`
	FirstName         string           `json:"firstName,omitempty"`
	LastName          string           `json:"lastName,omitempty"`
	PhoneNumber       string           `json:"phoneNumber,omitempty"`
	EmailAddress      string           `json:"emailAddress,omitempty"`
	SecurityQuestions []SecurityAnswer `json:"securityQuestions,omitempty"`
}

func (u *RegisterUser) check() error {
	if u == nil {
		return invalidArgument("user", "must not be nil")
	}
	return checkAccount(u.Username, u.NewPassword, u.SecurityQuestions)
}

// String returns u with NewPassword redacted.
func (u RegisterUser) String() string {
	type plain RegisterUser // the same fields, without this method
	p := plain(u)
	p.NewPassword = redactedIfSet(p.NewPassword)
	return fmt.Sprintf("%+v", p)
}

// Format makes every fmt verb print the redacted String form.
func (u RegisterUser) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, u.String()) }

// LogValue makes log/slog print u with NewPassword redacted.
func (u RegisterUser) LogValue() slog.Value { return slog.StringValue(u.String()) }

// NewUser is the request of [UsersService.Create]. Username and NewPassword
// are required; every other field is sent only when set, so the server's
// defaults apply to the rest. NewPassword and the answers are redacted when
// printed or logged.
type NewUser struct {
	Username          string           `json:"username"`
	NewPassword       string           `json:"newPassword"`
	FirstName         string           `json:"firstName,omitempty"`
	LastName          string           `json:"lastName,omitempty"`
	PhoneNumber       string           `json:"phoneNumber,omitempty"`
	EmailAddress      string           `json:"emailAddress,omitempty"`
	Verified          *bool            `json:"verified,omitempty"`
	IsActive          *bool            `json:"isActive,omitempty"`
	Roles             []string         `json:"roles,omitempty"`
	SecurityQuestions []SecurityAnswer `json:"securityQuestions,omitempty"`
}

func (u *NewUser) check() error {
	if u == nil {
		return invalidArgument("user", "must not be nil")
	}
	return checkAccount(u.Username, u.NewPassword, u.SecurityQuestions)
}

// String returns u with NewPassword redacted.
func (u NewUser) String() string {
	return fmt.Sprintf("{Username:%q NewPassword:%s FirstName:%q LastName:%q PhoneNumber:%q EmailAddress:%q Verified:%s IsActive:%s Roles:%q SecurityQuestions:%v}",
		u.Username, redactedIfSet(u.NewPassword), u.FirstName, u.LastName, u.PhoneNumber, u.EmailAddress,
		optionalBool(u.Verified), optionalBool(u.IsActive), u.Roles, u.SecurityQuestions)
}

// optionalBool prints an optional flag: "true", "false" or "unset".
func optionalBool(b *bool) string {
	if b == nil {
		return "unset"
	}
	return strconv.FormatBool(*b)
}

// Format makes every fmt verb print the redacted String form.
func (u NewUser) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, u.String()) }

// LogValue makes log/slog print u with NewPassword redacted.
func (u NewUser) LogValue() slog.Value { return slog.StringValue(u.String()) }

// UserUpdate is the request of [UsersService.UpdateMe] and
// [UsersService.Update]. Only the fields that are set (non-nil) are sent,
// so the server keeps every other field as it is:
//
//	c.Users.UpdateMe(ctx, &meshydb.UserUpdate{FirstName: new("Ann")})
//
// changes the first name and leaves the phone number, email and the rest
// alone. A field set to a pointer to "" clears it.
type UserUpdate struct {
	FirstName    *string `json:"firstName,omitempty"`
	LastName     *string `json:"lastName,omitempty"`
	PhoneNumber  *string `json:"phoneNumber,omitempty"`
	EmailAddress *string `json:"emailAddress,omitempty"`

	// Username, Verified, IsActive and Roles are accepted by seed-era
	// servers, and only by [UsersService.Update] on newer ones: roles
	// cannot be changed through users/me.
	Username *string   `json:"username,omitempty"`
	Verified *bool     `json:"verified,omitempty"`
	IsActive *bool     `json:"isActive,omitempty"`
	Roles    *[]string `json:"roles,omitempty"`
}

func (u *UserUpdate) check() error {
	if u == nil {
		return invalidArgument("update", "must not be nil")
	}
	if u.Username != nil {
		return checkUsername("update.Username", *u.Username)
	}
	return nil
}

// checkAccount checks the fields every new account needs.
func checkAccount(username, password string, answers []SecurityAnswer) error {
	if err := checkUsername("user.Username", username); err != nil {
		return err
	}
	if password == "" {
		return invalidArgument("user.NewPassword", "is required")
	}
	return checkAnswers("user.SecurityQuestions", answers, false)
}

// checkAnswers rejects security questions with a blank question or answer,
// and, when required, an empty list.
func checkAnswers(field string, answers []SecurityAnswer, required bool) error {
	if required && len(answers) == 0 {
		return invalidArgument(field, "must hold at least one question")
	}
	for i, a := range answers {
		if err := checkRequired(fmt.Sprintf("%s[%d].Question", field, i), a.Question); err != nil {
			return err
		}
		if err := checkRequired(fmt.Sprintf("%s[%d].Answer", field, i), a.Answer); err != nil {
			return err
		}
	}
	return nil
}
