// Command session signs a user in, saves the refresh token the way an app
// would between restarts, restores the session from it, and signs out.
//
// With no configuration it runs offline against an in-memory MeshyDB
// (meshydbtest) seeded with the user "bob":
//
//	go run ./examples/session
//
// To use a real MeshyDB, set MESHYDB_CLIENT_KEY and MESHYDB_PUBLIC_KEY (and
// optionally MESHYDB_TENANT, MESHYDB_API_URL, MESHYDB_AUTH_URL) and pass
// -username and -password.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/meshydb/meshydb-go"
	"github.com/meshydb/meshydb-go/examples/internal/demo"
	"github.com/meshydb/meshydb-go/meshydbtest"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "session:", err)
		os.Exit(1)
	}
}

// tokenStore stands in for the app's secure storage of the refresh token.
type tokenStore struct {
	mu    sync.Mutex
	token string
	saves int
}

func (s *tokenStore) save(_ *meshydb.Client, tok *oauth2.Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token, s.saves = tok.RefreshToken, s.saves+1
}

func (s *tokenStore) load() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token
}

func run(ctx context.Context, args []string, out io.Writer) error {
	flags := flag.NewFlagSet("session", flag.ContinueOnError)
	target := demo.Flags(flags)
	username := flags.String("username", "bob", "user to sign in")
	password := flags.String("password", "s3cret-Passw0rd", "the user's password")
	if err := flags.Parse(args); err != nil {
		return err
	}

	store := &tokenStore{}
	db, err := target.Open(func(srv *meshydbtest.Server) {
		srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{
			Username: "bob", Password: "s3cret-Passw0rd", FirstName: "Bob", Roles: []string{"user"},
		})
	}, meshydb.WithTokenObserver(store.save))
	if err != nil {
		return err
	}
	defer target.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()

	client, err := db.Login(ctx, *username, *password)
	if err != nil {
		return fmt.Errorf("signing in: %w", err)
	}
	info, err := client.UserInfo(ctx)
	if err != nil {
		return fmt.Errorf("reading user info: %w", err)
	}
	fmt.Fprintf(out, "1. signed in as %s (roles %v); refresh token saved %d time(s)\n", info.Login, info.Roles, store.saves)

	// The app restarts: all it has is the saved refresh token.
	restored, err := db.LoginWithRefreshToken(ctx, store.load())
	if err != nil {
		return fmt.Errorf("restoring the session: %w", err)
	}
	me, err := restored.Users.Me(ctx)
	if err != nil {
		return fmt.Errorf("reading the signed-in user: %w", err)
	}
	fmt.Fprintf(out, "2. session restored from the saved refresh token for %s; saved %d time(s)\n", me.Username, store.saves)

	if err := restored.Logout(ctx); err != nil {
		return fmt.Errorf("signing out: %w", err)
	}
	_, err = restored.Users.Me(ctx)
	fmt.Fprintf(out, "3. signed out; the client now refuses calls: %v\n", errors.Is(err, meshydb.ErrLoggedOut))

	_, err = db.LoginWithRefreshToken(ctx, store.load())
	fmt.Fprintf(out, "4. the revoked refresh token no longer restores a session: %v\n", errors.Is(err, meshydb.ErrBadRequest))
	return nil
}
