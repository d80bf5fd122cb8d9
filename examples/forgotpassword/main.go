// Command forgotpassword walks through MeshyDB password recovery: it asks
// for a reset, checks the verification code the user received, and sets a
// new password.
//
// Configure it with flags or environment variables:
//
//	MESHYDB_CLIENT_KEY   -client-key   the account (required)
//	MESHYDB_TENANT       -tenant       the tenant (optional)
//	MESHYDB_PUBLIC_KEY   -public-key   the application (required)
//	MESHYDB_API_URL      -api-url      the API base (default: the hosted service)
//
//	go run ./examples/forgotpassword -username bob -code 123456 -new-password 'n3w!'
//
// Without -code it only asks for the reset and prints the (redacted) hash.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/meshydb/meshydb-go"
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

var errUsage = errors.New("not configured")

func run(ctx context.Context, args []string, out io.Writer) error {
	flags := flag.NewFlagSet("forgotpassword", flag.ContinueOnError)
	clientKey := flags.String("client-key", os.Getenv("MESHYDB_CLIENT_KEY"), "MeshyDB account `key` (MESHYDB_CLIENT_KEY)")
	tenant := flags.String("tenant", os.Getenv("MESHYDB_TENANT"), "tenant `name`, empty for the default (MESHYDB_TENANT)")
	publicKey := flags.String("public-key", os.Getenv("MESHYDB_PUBLIC_KEY"), "application public `key` (MESHYDB_PUBLIC_KEY)")
	apiURL := flags.String("api-url", envOr("MESHYDB_API_URL", meshydb.DefaultAPIURL), "API base `URL` (MESHYDB_API_URL)")
	username := flags.String("username", "", "user whose password is reset")
	code := flags.String("code", "", "verification code the user received")
	newPassword := flags.String("new-password", "", "the new password")
	if err := flags.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *clientKey == "" || *publicKey == "" || *username == "" {
		flags.Usage()
		return fmt.Errorf("%w: set MESHYDB_CLIENT_KEY, MESHYDB_PUBLIC_KEY and -username", errUsage)
	}

	db, err := meshydb.New(*clientKey, *tenant, *publicKey, meshydb.WithAPIURL(*apiURL))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()

	hash, err := db.ForgotPassword(ctx, *username)
	if err != nil {
		return fmt.Errorf("asking for a reset: %w", err)
	}
	fmt.Fprintf(out, "1. reset requested for %s, hash %v\n", *username, hash)
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
	return nil
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
