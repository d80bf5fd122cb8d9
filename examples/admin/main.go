// Command admin manages users as an administrator: it creates users,
// searches them page by page, updates one, and deletes them again.
//
// With no configuration it runs offline against an in-memory MeshyDB
// (meshydbtest) seeded with the administrator "admin":
//
//	go run ./examples/admin
//
// To use a real MeshyDB, set MESHYDB_CLIENT_KEY and MESHYDB_PUBLIC_KEY (and
// optionally MESHYDB_TENANT, MESHYDB_API_URL, MESHYDB_AUTH_URL) and pass the
// credentials of a user allowed to manage users with -username and
// -password. It creates and then deletes users named demo-user-1 to
// demo-user-3.
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
	"github.com/meshydb/meshydb-go/examples/internal/demo"
	"github.com/meshydb/meshydb-go/meshydbtest"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "admin:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	flags := flag.NewFlagSet("admin", flag.ContinueOnError)
	target := demo.Flags(flags)
	username := flags.String("username", "admin", "a user allowed to manage users")
	password := flags.String("password", "adm1n-Passw0rd", "that user's password")
	if err := flags.Parse(args); err != nil {
		return err
	}
	db, err := target.Open(func(srv *meshydbtest.Server) {
		srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{
			Username: "admin", Password: "adm1n-Passw0rd", Roles: []string{meshydbtest.AdminRole},
		})
	})
	if err != nil {
		return err
	}
	defer target.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()

	admin, err := db.Login(ctx, *username, *password)
	if err != nil {
		return fmt.Errorf("signing in: %w", err)
	}
	defer func() { _ = admin.Logout(ctx) }()

	var ids []string
	for i, first := range []string{"Ann", "Ben", "Cat"} {
		user, err := admin.Users.Create(ctx, &meshydb.NewUser{
			Username:    fmt.Sprintf("demo-user-%d", i+1),
			NewPassword: "initial-Passw0rd",
			FirstName:   first,
			Roles:       []string{"member"},
		})
		if err != nil {
			return fmt.Errorf("creating a user: %w", err)
		}
		ids = append(ids, user.ID)
	}
	fmt.Fprintf(out, "1. created %d users\n", len(ids))

	search := &meshydb.UserSearch{Name: "demo-user", OrderBy: `{"username": 1}`, PageSize: 2}
	page, err := admin.Users.Search(ctx, search)
	if err != nil {
		return fmt.Errorf("searching: %w", err)
	}
	fmt.Fprintf(out, "2. first page holds %d of %d matching users\n", len(page.Results), page.TotalRecords)

	var names []string
	for user, err := range admin.Users.All(ctx, search) {
		if err != nil {
			return fmt.Errorf("walking the pages: %w", err)
		}
		names = append(names, user.Username+" ("+user.FirstName+")")
	}
	fmt.Fprintf(out, "3. all pages: %v\n", names)

	updated, err := admin.Users.Update(ctx, ids[0], &meshydb.UserUpdate{LastName: new("Archer"), IsActive: new(false)})
	if err != nil {
		return fmt.Errorf("updating: %w", err)
	}
	fmt.Fprintf(out, "4. updated %s: %s %s, active %v\n", updated.Username, updated.FirstName, updated.LastName, updated.IsActive)

	active, err := admin.Users.Search(ctx, &meshydb.UserSearch{Name: "demo-user"})
	if err != nil {
		return fmt.Errorf("searching active users: %w", err)
	}
	fmt.Fprintf(out, "5. active matches: %d (inactive users are left out by default)\n", active.TotalRecords)

	for _, id := range ids {
		if err := admin.Users.Delete(ctx, id); err != nil {
			return fmt.Errorf("deleting: %w", err)
		}
	}
	_, err = admin.Users.Get(ctx, ids[0])
	fmt.Fprintf(out, "6. deleted them; fetching one now gives not found: %v\n", errors.Is(err, meshydb.ErrNotFound))
	return nil
}
