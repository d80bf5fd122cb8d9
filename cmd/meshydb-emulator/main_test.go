package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/meshydb/meshydb-go"
	"github.com/meshydb/meshydb-go/meshydbtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer safe to write and read concurrently.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// find waits for re to match the output and returns its first group.
func (b *syncBuffer) find(t *testing.T, re *regexp.Regexp) string {
	t.Helper()
	var match []string
	require.Eventually(t, func() bool {
		match = re.FindStringSubmatch(b.String())
		return match != nil
	}, 5*time.Second, 5*time.Millisecond, "output so far:\n%s", b)
	return match[1]
}

var listeningRE = regexp.MustCompile(`listening on (http://\S+)`)

// start runs the emulator with args until the test ends, and returns its
// URL and output.
func start(t *testing.T, args ...string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), out) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err, "run after cancel")
		case <-time.After(10 * time.Second):
			t.Error("run did not stop after its context was cancelled")
		}
	})
	select {
	case err := <-done:
		t.Fatalf("run stopped early: %v\n%s", err, out)
	default:
	}
	return out.find(t, listeningRE), out
}

func newDB(t *testing.T, url, clientKey, publicKey string) *meshydb.MeshyDB {
	t.Helper()
	db, err := meshydb.New(clientKey, "", publicKey, meshydb.WithAPIURL(url), meshydb.WithAuthURL(url))
	require.NoError(t, err)
	return db
}

func TestRunServesAndStops(t *testing.T) {
	url, out := start(t, "-user", "bob:old-pass:admin", "-user", "ann:pw")
	assert.Contains(t, out.String(), "clientKey=meshydb-test publicKey=meshydb-test-public verification=email")
	assert.Contains(t, out.String(), "user: bob roles=admin")

	db := newDB(t, url, meshydbtest.DefaultClientKey, meshydbtest.DefaultPublicKey)
	ctx := t.Context()
	c, err := db.Login(ctx, "bob", "old-pass")
	require.NoError(t, err, "-user users are verified")
	page, err := c.Users.Search(ctx, nil)
	require.NoError(t, err, "and have their role")
	assert.Equal(t, 2, page.TotalRecords)

	hash, err := db.ForgotPassword(ctx, "bob")
	require.NoError(t, err)
	hash.VerificationCode = out.find(t, regexp.MustCompile(`outbox: reset code for "bob" .* by email: (\d{6})`))
	require.NoError(t, db.ResetPassword(ctx, hash, "new-pass"))
	_, err = db.Login(ctx, "bob", "new-pass")
	require.NoError(t, err)
}

func TestRunWithSeedFile(t *testing.T) {
	seed := filepath.Join(t.TempDir(), "seed.json")
	require.NoError(t, os.WriteFile(seed, []byte(`{"accounts": [{
		"clientKey": "shop", "publicKey": "shop-public", "verification": "text",
		"publicRegistration": false,
		"rolePermissions": {"reader": ["read"]},
		"users": [
			{"username": "rita", "password": "pw", "roles": ["reader"], "phoneNumber": "+15555550100"},
			{"username": "nick", "password": "pw", "verified": false},
			{"tenant": "eu", "username": "rita", "password": "pw-eu"}
		]
	}]}`), 0o600))
	url, out := start(t, "-seed", seed, "-user", "bob:pw")
	assert.Contains(t, out.String(), "clientKey=shop publicKey=shop-public verification=text")

	shop := newDB(t, url, "shop", "shop-public")
	ctx := t.Context()
	c, err := shop.Login(ctx, "rita", "pw")
	require.NoError(t, err)
	_, err = c.Users.Search(ctx, nil)
	require.NoError(t, err, "reader may read")
	_, err = c.Users.Create(ctx, &meshydb.NewUser{Username: "x", NewPassword: "x"})
	assert.ErrorIs(t, err, meshydb.ErrForbidden)

	_, err = shop.Login(ctx, "nick", "pw")
	assert.ErrorIs(t, err, meshydb.ErrBadRequest, "unverified")
	_, err = shop.Register(ctx, &meshydb.RegisterUser{Username: "new", NewPassword: "pw", PhoneNumber: "+15555550101"})
	assert.ErrorIs(t, err, meshydb.ErrBadRequest, "registration disabled")

	eu, err := meshydb.New("shop", "eu", "shop-public", meshydb.WithAPIURL(url), meshydb.WithAuthURL(url))
	require.NoError(t, err)
	_, err = eu.Login(ctx, "rita", "pw-eu")
	require.NoError(t, err)

	// The flag account is still there.
	_, err = newDB(t, url, meshydbtest.DefaultClientKey, meshydbtest.DefaultPublicKey).Login(ctx, "bob", "pw")
	require.NoError(t, err)

	_, err = shop.ForgotPassword(ctx, "rita")
	require.NoError(t, err)
	out.find(t, regexp.MustCompile(`outbox: reset code for "rita" \(account shop, tenant ""\) by text to \+15555550100: (\d{6})`))
}

func TestRunRejectsBadConfiguration(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
		return path
	}
	tests := []struct {
		name  string
		args  []string
		usage bool
	}{
		{"unknown flag", []string{"-nope"}, true},
		{"user without password", []string{"-user", "bob"}, true},
		{"unknown verification", []string{"-verification", "carrier-pigeon"}, true},
		{"empty client key", []string{"-client-key", ""}, true},
		{"stray argument", []string{"serve"}, true},
		{"duplicate user", []string{"-user", "bob:a", "-user", "BOB:b"}, false},
		{"missing seed file", []string{"-seed", filepath.Join(dir, "none.json")}, false},
		{"seed typo", []string{"-seed", write("typo.json", `{"accounts": [{"clientKey": "a", "publicKey": "b", "userz": []}]}`)}, false},
		{"seed bad permission", []string{"-seed", write("perm.json", `{"accounts": [{"clientKey": "a", "publicKey": "b", "rolePermissions": {"r": ["fly"]}}]}`)}, false},
		{"seed account without key", []string{"-seed", write("key.json", `{"accounts": [{"clientKey": "a"}]}`)}, false},
		{"bad address", []string{"-addr", "256.0.0.1:1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(t.Context(), append([]string{"-addr", "127.0.0.1:0"}, tt.args...), &syncBuffer{})
			require.Error(t, err)
			assert.Equal(t, tt.usage, errors.Is(err, errUsage), "%v", err)
		})
	}
}

func TestRunHelp(t *testing.T) {
	out := &syncBuffer{}
	err := run(t.Context(), []string{"-h"}, out)
	assert.ErrorIs(t, err, flag.ErrHelp)
	assert.Contains(t, out.String(), "-user")
	assert.Contains(t, out.String(), "-seed")
}
