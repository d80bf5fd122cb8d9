// Command meshydb-emulator serves an in-memory MeshyDB users server (the
// meshydbtest package) as a standalone process, for trying the SDK, the
// examples or another MeshyDB client offline.
//
//	go run ./cmd/meshydb-emulator -addr 127.0.0.1:8080 -user bob:s3cret:admin
//
// It prints its URL, which is the base for both the API and the auth
// host, and the account to connect with. The codes a real server would
// email or text are printed as they are issued.
//
// Flags:
//
//	-addr host:port        where to listen (default 127.0.0.1:8080; port 0 picks one)
//	-client-key key        the account's clientKey (default meshydb-test)
//	-public-key key        the account's publicKey (default meshydb-test-public)
//	-verification method   none, email, text or question (default email)
//	-user name:password[:role,...]
//	                       a verified user in the default tenant; repeatable
//	-seed file.json        more accounts and users; see seed.go for the format
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/meshydb/meshydb-go/meshydbtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, "meshydb-emulator:", err)
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "meshydb-emulator:", err)
		os.Exit(1)
	}
}

// errUsage marks an error in the command line.
var errUsage = errors.New("usage")

// shutdownTimeout bounds how long run waits for requests in flight once
// ctx is done.
const shutdownTimeout = 5 * time.Second

// run serves the emulator configured by args until ctx is done, writing
// its address, account and outbox to stdout.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	out := &lockedWriter{w: stdout}
	cfg, err := parseFlags(args, out)
	if err != nil {
		return err
	}
	seed, err := cfg.seed()
	if err != nil {
		return err
	}
	handler := meshydbtest.NewHandler(append(seed.options(), meshydbtest.WithOutboxHook(func(m meshydbtest.Message) {
		printMessage(out, m)
	}))...)
	seed.apply(handler)

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(out, "meshydb-emulator listening on %s\n", url)
	seed.print(out, url)

	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// printMessage shows an outbox message as the emulator's stand-in for
// sending it.
func printMessage(w io.Writer, m meshydbtest.Message) {
	to := ""
	if m.To != "" {
		to = " to " + m.To
	}
	fmt.Fprintf(w, "outbox: %s code for %q (account %s, tenant %q) by %s%s: %s\n",
		m.Purpose, m.Username, m.ClientKey, m.Tenant, m.Channel, to, m.Code)
}

// lockedWriter serialises writes from concurrent requests.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
