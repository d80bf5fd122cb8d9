package meshydbtest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/meshydb/meshydb-go"
	"github.com/meshydb/meshydb-go/meshydbtest"
)

// A password reset end to end: the code the user would have received by
// email is read from the server's outbox.
func ExampleNewServer() {
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
	hash.VerificationCode = srv.LastCode("bob")
	if err := db.ResetPassword(ctx, hash, "new-pass"); err != nil {
		log.Fatal(err)
	}
	c, err := db.Login(ctx, "bob", "new-pass")
	if err != nil {
		log.Fatal(err)
	}
	me, err := c.Users.Me(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signed in as", me.Username)
	// Output: signed in as bob
}

// Making the next request fail, to see how a client copes.
func ExampleServer_InjectFault() {
	srv := meshydbtest.NewServer()
	defer srv.Close()
	srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{Username: "bob", Password: "pw"})
	srv.InjectFault(meshydbtest.Fault{Method: "POST", Path: "users/forgotpassword", Status: 503})

	db, _ := meshydb.New(meshydbtest.DefaultClientKey, "", meshydbtest.DefaultPublicKey,
		meshydb.WithAPIURL(srv.URL), meshydb.WithAuthURL(srv.URL))
	_, err := db.ForgotPassword(context.Background(), "bob")
	fmt.Println(err, srv.RequestsTo("POST", "users/forgotpassword"))
	// Output: <nil> 2
}
