package meshydb_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"

	"golang.org/x/oauth2"

	"github.com/meshydb/meshydb-go"
	"github.com/meshydb/meshydb-go/meshydbtest"
)

// exampleServer starts an in-memory MeshyDB (see package meshydbtest) with
// no users, and returns it with a db pointed at it. The caller closes it.
func exampleServer(opts ...meshydbtest.Option) (*meshydbtest.Server, *meshydb.MeshyDB) {
	srv := meshydbtest.NewServer(opts...)
	db, err := meshydb.New(meshydbtest.DefaultClientKey, "", meshydbtest.DefaultPublicKey,
		meshydb.WithAPIURL(srv.URL), meshydb.WithAuthURL(srv.URL))
	if err != nil {
		srv.Close()
		log.Fatal(err)
	}
	return srv, db
}

func ExampleMeshyDB_UsernameExists() {
	srv, db := exampleServer()
	defer srv.Close()
	srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{Username: "bob", Password: "s3cret"})
	ctx := context.Background()

	for _, name := range []string{"bob", "carol"} {
		exists, err := db.UsernameExists(ctx, name)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(name, exists)
	}
	// Output:
	// bob true
	// carol false
}

func ExampleMeshyDB_RegisterAnonymous() {
	srv, db := exampleServer()
	defer srv.Close()
	ctx := context.Background()

	user, err := db.RegisterAnonymous(ctx, "guest-42")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(user.Username, user.Anonymous)

	_, err = db.RegisterAnonymous(ctx, "guest-42") // the name is taken
	fmt.Println(errors.Is(err, meshydb.ErrBadRequest))
	// Output:
	// guest-42 true
	// true
}

// An app signs each device in as its own anonymous user: the first call
// registers it, later calls sign the same user in again.
func ExampleMeshyDB_LoginAnonymously() {
	srv, db := exampleServer()
	defer srv.Close()
	ctx := context.Background()

	first, err := db.LoginAnonymously(ctx, "device-7f3a")
	if err != nil {
		log.Fatal(err)
	}
	again, err := db.LoginAnonymously(ctx, "device-7f3a")
	if err != nil {
		log.Fatal(err)
	}
	me, err := first.Users.Me(ctx)
	if err != nil {
		log.Fatal(err)
	}
	meAgain, err := again.Users.Me(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(me.Username, me.Anonymous, me.ID == meAgain.ID)
	// Output:
	// device-7f3a true true
}

func ExampleMeshyDB_Register() {
	srv, db := exampleServer() // an account that verifies users by email
	defer srv.Close()
	ctx := context.Background()

	hash, err := db.Register(ctx, &meshydb.RegisterUser{
		Username:     "ann",
		NewPassword:  "s3cret-Pass",
		FirstName:    "Ann",
		EmailAddress: "ann@example.com",
	})
	if err != nil {
		log.Fatal(err)
	}
	// Ann types in the code MeshyDB mailed her; the test server keeps it.
	hash.VerificationCode = srv.LastCode("ann")
	if err := db.Verify(ctx, hash); err != nil {
		log.Fatal(err)
	}

	c, err := db.Login(ctx, "ann", "s3cret-Pass")
	if err != nil {
		log.Fatal(err)
	}
	me, err := c.Users.Me(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(me.Username, me.Verified)
	// Output:
	// ann true
}

func ExampleMeshyDB_Verify() {
	srv, db := exampleServer()
	defer srv.Close()
	ctx := context.Background()
	hash, err := db.Register(ctx, &meshydb.RegisterUser{
		Username: "ann", NewPassword: "s3cret-Pass", EmailAddress: "ann@example.com",
	})
	if err != nil {
		log.Fatal(err)
	}

	hash.VerificationCode = "wrong"
	fmt.Println(errors.Is(db.Verify(ctx, hash), meshydb.ErrBadRequest))

	hash.VerificationCode = srv.LastCode("ann")
	fmt.Println(db.Verify(ctx, hash))

	// A hash verifies once: the user is verified now.
	fmt.Println(errors.Is(db.Verify(ctx, hash), meshydb.ErrBadRequest))
	// Output:
	// true
	// <nil>
	// true
}

// Check the code as soon as the user enters it, to say "wrong code" before
// going any further.
func ExampleMeshyDB_CheckVerificationHash() {
	srv, db := exampleServer()
	defer srv.Close()
	ctx := context.Background()
	hash, err := db.Register(ctx, &meshydb.RegisterUser{
		Username: "ann", NewPassword: "s3cret-Pass", EmailAddress: "ann@example.com",
	})
	if err != nil {
		log.Fatal(err)
	}

	for _, code := range []string{"wrong", srv.LastCode("ann")} {
		hash.VerificationCode = code
		ok, err := db.CheckVerificationHash(ctx, hash)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(ok)
	}
	// Output:
	// false
	// true
}

func ExampleMeshyDB_CheckHash() {
	srv, db := exampleServer()
	defer srv.Close()
	srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{
		Username: "bob", Password: "s3cret", EmailAddress: "bob@example.com",
	})
	ctx := context.Background()

	hash, err := db.ForgotPassword(ctx, "bob")
	if err != nil {
		log.Fatal(err)
	}
	for _, code := range []string{"wrong", srv.LastCode("bob")} {
		hash.VerificationCode = code
		ok, err := db.CheckHash(ctx, hash)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(ok)
	}
	// Output:
	// false
	// true
}

// With an account that proves password resets by security questions, each
// attempt asks another of the user's questions.
func ExampleMeshyDB_ForgotPasswordAttempt() {
	account := meshydbtest.DefaultAccount()
	account.Verification = meshydbtest.VerifySecurityQuestion
	srv, db := exampleServer(meshydbtest.WithAccount(account))
	defer srv.Close()
	srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{
		Username: "bob", Password: "s3cret",
		SecurityQuestions: []meshydbtest.SecurityQuestion{
			{Question: "Name of your first pet?", Answer: "Rex"},
			{Question: "Town you were born in?", Answer: "Leeds"},
		},
	})
	ctx := context.Background()

	hash, err := db.ForgotPasswordAttempt(ctx, "bob", 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(hash.Hint)

	// Bob cannot remember, so the app asks the next question.
	hash, err = db.ForgotPasswordAttempt(ctx, "bob", 2)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(hash.Hint)

	hash.VerificationCode = "Leeds"
	if err := db.ResetPassword(ctx, hash, "n3w-s3cret"); err != nil {
		log.Fatal(err)
	}
	fmt.Println("password reset")
	// Output:
	// Name of your first pet?
	// Town you were born in?
	// password reset
}

func ExampleMeshyDB_LoginWithRefreshToken() {
	srv, db := exampleServer()
	defer srv.Close()
	srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{Username: "bob", Password: "s3cret"})
	ctx := context.Background()

	c, err := db.Login(ctx, "bob", "s3cret")
	if err != nil {
		log.Fatal(err)
	}
	saved := c.RefreshToken() // kept in the app's secure storage

	// Later, after a restart:
	c, err = db.LoginWithRefreshToken(ctx, saved)
	if err != nil {
		log.Fatal(err)
	}
	me, err := c.Users.Me(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("restored", me.Username)

	// The refresh token was rotated: the saved one is spent, so save
	// c.RefreshToken() again (or use WithTokenObserver).
	_, err = db.LoginWithRefreshToken(ctx, saved)
	fmt.Println(errors.Is(err, meshydb.ErrBadRequest))
	// Output:
	// restored bob
	// true
}

// Resume restores a whole saved token without asking the server for a new
// one.
func ExampleMeshyDB_Resume() {
	srv, db := exampleServer()
	defer srv.Close()
	srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{Username: "bob", Password: "s3cret"})
	ctx := context.Background()

	c, err := db.Login(ctx, "bob", "s3cret")
	if err != nil {
		log.Fatal(err)
	}
	tok, err := c.Token(ctx)
	if err != nil {
		log.Fatal(err)
	}
	saved, err := json.Marshal(tok) // a secret: store it safely
	if err != nil {
		log.Fatal(err)
	}

	// Later, after a restart:
	var restored oauth2.Token
	if err := json.Unmarshal(saved, &restored); err != nil {
		log.Fatal(err)
	}
	c, err = db.Resume(&restored)
	if err != nil {
		log.Fatal(err)
	}
	me, err := c.Users.Me(ctx)
	if err != nil {
		log.Fatal(err)
	}
	// The login was the only token request: Resume made none.
	fmt.Println(me.Username, "token requests:", srv.RequestsTo("POST", "connect/token"))
	// Output:
	// bob token requests: 1
}

func ExampleClient_UserInfo() {
	srv, db := exampleServer()
	defer srv.Close()
	srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{
		Username: "bob", Password: "s3cret", FirstName: "Bob", LastName: "Smith",
		Roles: []string{"editor"},
	})
	ctx := context.Background()
	c, err := db.Login(ctx, "bob", "s3cret")
	if err != nil {
		log.Fatal(err)
	}

	info, err := c.UserInfo(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.Login, info.Name, info.Roles)
	// Output:
	// bob Bob Smith [editor]
}

// Token gives the access token to code that calls MeshyDB by itself; it
// is refreshed first when it is about to expire.
func ExampleClient_Token() {
	srv, db := exampleServer()
	defer srv.Close()
	srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{Username: "bob", Password: "s3cret"})
	ctx := context.Background()
	c, err := db.Login(ctx, "bob", "s3cret")
	if err != nil {
		log.Fatal(err)
	}

	tok, err := c.Token(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.Type(), tok.Valid(), tok.RefreshToken != "")
	// Output:
	// Bearer true true
}

func ExampleUsersService_Me() {
	srv, db := exampleServer()
	defer srv.Close()
	srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{
		Username: "bob", Password: "s3cret", FirstName: "Bob", Roles: []string{"editor"},
	})
	ctx := context.Background()
	c, err := db.Login(ctx, "bob", "s3cret")
	if err != nil {
		log.Fatal(err)
	}

	me, err := c.Users.Me(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(me.Username, me.FirstName, me.Verified, me.IsActive, me.Roles[0].Name)
	// Output:
	// bob Bob true true editor
}

// Only the fields set in the UserUpdate change; the rest stay as they are.
func ExampleUsersService_UpdateMe() {
	srv, db := exampleServer()
	defer srv.Close()
	srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{
		Username: "ann", Password: "s3cret", FirstName: "Anne", PhoneNumber: "+44 20 7946 0000",
	})
	ctx := context.Background()
	c, err := db.Login(ctx, "ann", "s3cret")
	if err != nil {
		log.Fatal(err)
	}

	me, err := c.Users.UpdateMe(ctx, &meshydb.UserUpdate{FirstName: new("Ann")})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(me.FirstName, me.PhoneNumber)
	// Output:
	// Ann +44 20 7946 0000
}

func ExampleUsersService_ChangePassword() {
	srv, db := exampleServer()
	defer srv.Close()
	srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{Username: "bob", Password: "s3cret"})
	ctx := context.Background()
	c, err := db.Login(ctx, "bob", "s3cret")
	if err != nil {
		log.Fatal(err)
	}

	err = c.Users.ChangePassword(ctx, "not-my-password", "n3w-s3cret")
	fmt.Println(errors.Is(err, meshydb.ErrBadRequest))

	if err := c.Users.ChangePassword(ctx, "s3cret", "n3w-s3cret"); err != nil {
		log.Fatal(err)
	}
	_, err = db.Login(ctx, "bob", "n3w-s3cret")
	fmt.Println(err)
	// Output:
	// true
	// <nil>
}

func ExampleUsersService_UpdateMySecurityQuestions() {
	srv, db := exampleServer()
	defer srv.Close()
	srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{Username: "bob", Password: "s3cret"})
	ctx := context.Background()
	c, err := db.Login(ctx, "bob", "s3cret")
	if err != nil {
		log.Fatal(err)
	}

	questions := []meshydb.SecurityAnswer{{Question: "Name of your first pet?", Answer: "Rex"}}
	if err := c.Users.UpdateMySecurityQuestions(ctx, questions); err != nil {
		log.Fatal(err)
	}
	fmt.Println(questions) // answers are never printed

	me, err := c.Users.Me(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(me.SecurityQuestions[0].Question) // the server keeps only a hash of the answer
	// Output:
	// [{Question:"Name of your first pet?" Answer:[REDACTED]}]
	// Name of your first pet?
}

func ExampleUsersService_Create() {
	srv, db := exampleServer()
	defer srv.Close()
	srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{
		Username: "admin", Password: "admin-pass", Roles: []string{meshydbtest.AdminRole},
	})
	ctx := context.Background()
	admin, err := db.Login(ctx, "admin", "admin-pass")
	if err != nil {
		log.Fatal(err)
	}

	user, err := admin.Users.Create(ctx, &meshydb.NewUser{
		Username:    "carol",
		NewPassword: "s3cret-Pass",
		FirstName:   "Carol",
		Roles:       []string{"editor"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(user.Username, user.FirstName, user.Verified, user.IsActive, user.Roles[0].Name)

	_, err = db.Login(ctx, "carol", "s3cret-Pass")
	fmt.Println(err)
	// Output:
	// carol Carol true true editor
	// <nil>
}

func ExampleUsersService_Get() {
	srv, db := exampleServer()
	defer srv.Close()
	srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{
		Username: "admin", Password: "admin-pass", Roles: []string{meshydbtest.AdminRole},
	})
	bobID := srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{
		Username: "bob", Password: "s3cret", FirstName: "Bob",
	})
	ctx := context.Background()
	admin, err := db.Login(ctx, "admin", "admin-pass")
	if err != nil {
		log.Fatal(err)
	}

	user, err := admin.Users.Get(ctx, bobID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(user.Username, user.FirstName)

	_, err = admin.Users.Get(ctx, "no-such-id")
	fmt.Println(errors.Is(err, meshydb.ErrNotFound))
	// Output:
	// bob Bob
	// true
}

// An admin deactivates a user, who can no longer sign in.
func ExampleUsersService_Update() {
	srv, db := exampleServer()
	defer srv.Close()
	srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{
		Username: "admin", Password: "admin-pass", Roles: []string{meshydbtest.AdminRole},
	})
	bobID := srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{Username: "bob", Password: "s3cret"})
	ctx := context.Background()
	admin, err := db.Login(ctx, "admin", "admin-pass")
	if err != nil {
		log.Fatal(err)
	}

	user, err := admin.Users.Update(ctx, bobID, &meshydb.UserUpdate{IsActive: new(false)})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(user.Username, user.IsActive)

	_, err = db.Login(ctx, "bob", "s3cret")
	fmt.Println(errors.Is(err, meshydb.ErrBadRequest))
	// Output:
	// bob false
	// true
}

func ExampleUsersService_Delete() {
	srv, db := exampleServer()
	defer srv.Close()
	srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{
		Username: "admin", Password: "admin-pass", Roles: []string{meshydbtest.AdminRole},
	})
	bobID := srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{Username: "bob", Password: "s3cret"})
	ctx := context.Background()
	admin, err := db.Login(ctx, "admin", "admin-pass")
	if err != nil {
		log.Fatal(err)
	}

	if err := admin.Users.Delete(ctx, bobID); err != nil {
		log.Fatal(err)
	}
	_, err = admin.Users.Get(ctx, bobID)
	fmt.Println(errors.Is(err, meshydb.ErrNotFound))
	// Output:
	// true
}

func ExampleUsersService_UpdateSecurityQuestions() {
	srv, db := exampleServer()
	defer srv.Close()
	srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{
		Username: "admin", Password: "admin-pass", Roles: []string{meshydbtest.AdminRole},
	})
	bobID := srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{Username: "bob", Password: "s3cret"})
	ctx := context.Background()
	admin, err := db.Login(ctx, "admin", "admin-pass")
	if err != nil {
		log.Fatal(err)
	}

	err = admin.Users.UpdateSecurityQuestions(ctx, bobID, []meshydb.SecurityAnswer{
		{Question: "Name of your first pet?", Answer: "Rex"},
		{Question: "Town you were born in?", Answer: "Leeds"},
	})
	if err != nil {
		log.Fatal(err)
	}
	user, err := admin.Users.Get(ctx, bobID)
	if err != nil {
		log.Fatal(err)
	}
	for _, q := range user.SecurityQuestions {
		fmt.Println(q.Question)
	}
	// Output:
	// Name of your first pet?
	// Town you were born in?
}

func ExampleUsersService_Search() {
	srv, db := exampleServer()
	defer srv.Close()
	for _, seed := range []meshydbtest.SeedUser{
		{Username: "admin", Password: "admin-pass", Roles: []string{meshydbtest.AdminRole}},
		{Username: "zane", Password: "pw"},
		{Username: "ann", Password: "pw"},
		{Username: "andy", Password: "pw", Inactive: true},
		{Username: "bob", Password: "pw"},
	} {
		srv.AddUser(meshydbtest.DefaultClientKey, "", seed)
	}
	ctx := context.Background()
	admin, err := db.Login(ctx, "admin", "admin-pass")
	if err != nil {
		log.Fatal(err)
	}

	page, err := admin.Users.Search(ctx, &meshydb.UserSearch{
		Name:       "an",
		ActiveOnly: new(false), // inactive users too
		OrderBy:    `{"username": 1}`,
		PageSize:   2,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(page.TotalRecords, "users match; page", page.Page, "holds:")
	for _, user := range page.Results {
		fmt.Println(user.Username, user.IsActive)
	}
	// Output:
	// 3 users match; page 1 holds:
	// andy false
	// ann true
}

// All fetches pages as the loop needs them: breaking out after bob leaves
// the last page unfetched.
func ExampleUsersService_All() {
	srv, db := exampleServer()
	defer srv.Close()
	for _, seed := range []meshydbtest.SeedUser{
		{Username: "admin", Password: "admin-pass", Roles: []string{meshydbtest.AdminRole}},
		{Username: "ann", Password: "pw"},
		{Username: "bob", Password: "pw"},
		{Username: "carol", Password: "pw"},
		{Username: "dan", Password: "pw"},
	} {
		srv.AddUser(meshydbtest.DefaultClientKey, "", seed)
	}
	ctx := context.Background()
	admin, err := db.Login(ctx, "admin", "admin-pass")
	if err != nil {
		log.Fatal(err)
	}

	for user, err := range admin.Users.All(ctx, &meshydb.UserSearch{OrderBy: `{"username": 1}`, PageSize: 2}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(user.Username)
		if user.Username == "bob" {
			break
		}
	}
	fmt.Println("pages fetched:", srv.RequestsTo("GET", "users"))
	// Output:
	// admin
	// ann
	// bob
	// pages fetched: 2
}

// A UserUpdate changes only the fields that are set: nil leaves a field
// alone, and a pointer to "" clears it.
func ExampleUserUpdate() {
	srv, db := exampleServer()
	defer srv.Close()
	srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{
		Username: "bob", Password: "s3cret",
		FirstName: "Bob", LastName: "Smith", PhoneNumber: "+44 20 7946 0000",
	})
	ctx := context.Background()
	c, err := db.Login(ctx, "bob", "s3cret")
	if err != nil {
		log.Fatal(err)
	}

	me, err := c.Users.UpdateMe(ctx, &meshydb.UserUpdate{
		LastName:    new("Jones"), // changed
		PhoneNumber: new(""),      // cleared
		// FirstName is nil: kept
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %s %q\n", me.FirstName, me.LastName, me.PhoneNumber)
	// Output:
	// Bob Jones ""
}

// Package meshydbtest runs the whole MeshyDB users API in memory, so an
// app's flows can be tested offline. Here a password reset: the code that
// MeshyDB would have mailed is read from the server's outbox.
func Example_meshydbtest() {
	srv := meshydbtest.NewServer()
	defer srv.Close()
	srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{
		Username: "bob", Password: "old-pass", EmailAddress: "bob@example.com",
	})
	db, err := meshydb.New(meshydbtest.DefaultClientKey, "", meshydbtest.DefaultPublicKey,
		meshydb.WithAPIURL(srv.URL), meshydb.WithAuthURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	hash, err := db.ForgotPassword(ctx, "bob")
	if err != nil {
		log.Fatal(err)
	}
	msg := srv.Outbox()[0]
	fmt.Println(msg.Purpose, "code sent by", msg.Channel, "to", msg.To)

	hash.VerificationCode = srv.LastCode("bob")
	if err := db.ResetPassword(ctx, hash, "new-pass"); err != nil {
		log.Fatal(err)
	}
	_, err = db.Login(ctx, "bob", "old-pass")
	fmt.Println("old password refused:", errors.Is(err, meshydb.ErrBadRequest))
	_, err = db.Login(ctx, "bob", "new-pass")
	fmt.Println("new password error:", err)
	// Output:
	// reset code sent by email to bob@example.com
	// old password refused: true
	// new password error: <nil>
}
