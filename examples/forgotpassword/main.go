// Command forgotpassword walks through MeshyDB password recovery: it asks
// for a reset, checks the verification code the user received, sets a new
// password, and signs in with it.
//
// With no configuration it runs offline against an in-memory MeshyDB
// (meshydbtest) seeded with the user "bob", reading the code from the
// server's outbox:
//
//	go run ./examples/forgotpassword
//
// To use a real MeshyDB, set MESHYDB_CLIENT_KEY, MESHYDB_PUBLIC_KEY and
// optionally MESHYDB_TENANT, MESHYDB_API_URL and MESHYDB_AUTH_URL (or the
// matching flags), and say who and with which code:
//
//	go run ./examples/forgotpassword -username bob                  # sends the code
//	go run ./examples/forgotpassword -username bob -code 123456 -new-password 'n3w!'
//
// Against a real server the hash is not kept between the two runs, so the
// second run asks for a new reset; MeshyDB accepts the code with the new
// hash only while the code is still current.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/meshydb/meshydb-go/examples/internal/demo"
	"github.com/meshydb/meshydb-go/meshydbtest"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "forgotpassword:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

// The demo user seeded into the in-memory server.
const (
	demoUsername    = "bob"
	demoOldPassword = "forgotten-Passw0rd"
	demoNewPassword = "n3w-Passw0rd!"
)

func run(ctx context.Context, args []string, out io.Writer) error {
	flags := flag.NewFlagSet("forgotpassword", flag.ContinueOnError)
	target := demo.Flags(flags)
	username := flags.String("username", demoUsername, "user whose password is reset")
	code := flags.String("code", "", "verification code the user received (read from the outbox offline)")
	newPassword := flags.String("new-password", demoNewPassword, "the new password")
	if err := flags.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}

	db, err := target.Open(func(srv *meshydbtest.Server) {
		srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{
			Username: demoUsername, Password: demoOldPassword, EmailAddress: "bob@example.com",
		})
	})
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	defer target.Close()
	if target.Offline() {
		fmt.Fprintf(out, "0. offline: in-memory MeshyDB at %s with user %q\n", target.APIURL, demoUsername)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()

	hash, err := db.ForgotPassword(ctx, *username)
	if err != nil {
		return fmt.Errorf("asking for a reset: %w", err)
	}
	fmt.Fprintf(out, "1. reset requested for %s: %v\n", *username, hash)

	if target.Offline() {
		*code = target.Server.LastCode(*username) // what MeshyDB would have emailed
		fmt.Fprintln(out, "   (offline: the code was read from the server's outbox)")
	}
	if *code == "" {
		fmt.Fprintln(out, "   run again with -code and -new-password once the user has the code")
		return nil
	}

	hash.VerificationCode = *code
	valid, err := db.CheckHash(ctx, hash)
	if err != nil {
		return fmt.Errorf("checking the code: %w", err)
	}
	if !valid {
		return errors.New("the verification code is not valid")
	}
	fmt.Fprintln(out, "2. verification code accepted")

	if err := db.ResetPassword(ctx, hash, *newPassword); err != nil {
		return fmt.Errorf("resetting the password: %w", err)
	}
	fmt.Fprintln(out, "3. password reset")

	client, err := db.Login(ctx, *username, *newPassword)
	if err != nil {
		return fmt.Errorf("signing in with the new password: %w", err)
	}
	me, err := client.Users.Me(ctx)
	if err != nil {
		return fmt.Errorf("reading the signed-in user: %w", err)
	}
	fmt.Fprintf(out, "4. signed in with the new password as %s\n", me.Username)
	return client.Logout(ctx)
}
