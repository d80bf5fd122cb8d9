package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/meshydb/meshydb-go/meshydbtest"
)

// flags is the parsed command line.
type flags struct {
	addr     string
	account  meshydbtest.Account
	users    []seedUser
	seedFile string
}

// parseFlags reads the command line; usage and errors go to out.
func parseFlags(args []string, out io.Writer) (*flags, error) {
	f := &flags{account: meshydbtest.DefaultAccount()}
	fs := flag.NewFlagSet("meshydb-emulator", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "`host:port` to listen on; port 0 picks a free one")
	fs.StringVar(&f.account.ClientKey, "client-key", meshydbtest.DefaultClientKey, "the account's clientKey")
	fs.StringVar(&f.account.PublicKey, "public-key", meshydbtest.DefaultPublicKey, "the account's publicKey (OAuth2 client_id)")
	fs.TextVar(&f.account.Verification, "verification", meshydbtest.VerifyEmail, "how the account verifies users, a `method`: none, email, text or question")
	fs.Func("user", "a verified user `name:password[:role,...]` in the default tenant; repeatable", func(v string) error {
		u, err := parseUser(v)
		if err == nil {
			f.users = append(f.users, u)
		}
		return err
	})
	fs.StringVar(&f.seedFile, "seed", "", "JSON `file` of accounts and users to add")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if strings.TrimSpace(f.account.ClientKey) == "" || strings.TrimSpace(f.account.PublicKey) == "" {
		return nil, fmt.Errorf("%w: -client-key and -public-key must not be empty", errUsage)
	}
	return f, nil
}

// parseUser reads a -user value, name:password[:role,...].
func parseUser(v string) (seedUser, error) {
	parts := strings.SplitN(v, ":", 3)
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return seedUser{}, errors.New("want name:password[:role,...]")
	}
	u := seedUser{Username: parts[0], Password: parts[1]}
	if len(parts) == 3 && parts[2] != "" {
		u.Roles = strings.Split(parts[2], ",")
	}
	return u, nil
}

// seed combines the flag account, its -user users and the -seed file.
func (f *flags) seed() (*seedFile, error) {
	s := &seedFile{Accounts: []seedAccount{{
		ClientKey:             f.account.ClientKey,
		PublicKey:             f.account.PublicKey,
		Verification:          &f.account.Verification,
		AnonymousRegistration: &f.account.AnonymousRegistration,
		PublicRegistration:    &f.account.PublicRegistration,
		Users:                 f.users,
	}}}
	if f.seedFile != "" {
		file, err := readSeed(f.seedFile)
		if err != nil {
			return nil, err
		}
		s.merge(file)
	}
	return s, s.check()
}
