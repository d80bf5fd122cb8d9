// Package demo connects the example programs either to a real MeshyDB,
// configured by MESHYDB_* variables or flags, or, by default, to an
// in-memory meshydbtest server seeded with demo users.
package demo

import (
	"flag"
	"fmt"
	"os"

	"github.com/meshydb/meshydb-go"
	"github.com/meshydb/meshydb-go/meshydbtest"
)

// Target is where an example sends its calls.
type Target struct {
	ClientKey, Tenant, PublicKey string
	APIURL, AuthURL              string

	// Server is the in-memory server when no real one is configured.
	Server *meshydbtest.Server
}

// Flags registers the connection flags on fs, defaulting to the MESHYDB_*
// variables.
func Flags(fs *flag.FlagSet) *Target {
	t := &Target{}
	fs.StringVar(&t.ClientKey, "client-key", os.Getenv("MESHYDB_CLIENT_KEY"), "MeshyDB account `key`; empty runs against an in-memory server (MESHYDB_CLIENT_KEY)")
	fs.StringVar(&t.Tenant, "tenant", os.Getenv("MESHYDB_TENANT"), "tenant `name`, empty for the default (MESHYDB_TENANT)")
	fs.StringVar(&t.PublicKey, "public-key", os.Getenv("MESHYDB_PUBLIC_KEY"), "application public `key` (MESHYDB_PUBLIC_KEY)")
	fs.StringVar(&t.APIURL, "api-url", envOr("MESHYDB_API_URL", meshydb.DefaultAPIURL), "API base `URL` (MESHYDB_API_URL)")
	fs.StringVar(&t.AuthURL, "auth-url", envOr("MESHYDB_AUTH_URL", meshydb.DefaultAuthURL), "auth base `URL` (MESHYDB_AUTH_URL)")
	return t
}

// Open returns a MeshyDB for the target. Without a client key it starts an
// in-memory server, seeds it with seed, and points at it; call Close when
// done.
func (t *Target) Open(seed func(srv *meshydbtest.Server), opts ...meshydb.Option) (*meshydb.MeshyDB, error) {
	if t.ClientKey == "" {
		t.Server = meshydbtest.NewServer()
		seed(t.Server)
		t.ClientKey, t.PublicKey = meshydbtest.DefaultClientKey, meshydbtest.DefaultPublicKey
		t.APIURL, t.AuthURL = t.Server.URL, t.Server.URL
	} else if t.PublicKey == "" {
		return nil, fmt.Errorf("MESHYDB_PUBLIC_KEY (or -public-key) is required with MESHYDB_CLIENT_KEY")
	}
	opts = append([]meshydb.Option{meshydb.WithAPIURL(t.APIURL), meshydb.WithAuthURL(t.AuthURL)}, opts...)
	return meshydb.New(t.ClientKey, t.Tenant, t.PublicKey, opts...)
}

// Offline reports whether the target is the in-memory server.
func (t *Target) Offline() bool { return t.Server != nil }

// Close stops the in-memory server, if any.
func (t *Target) Close() {
	if t.Server != nil {
		t.Server.Close()
	}
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
