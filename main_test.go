package meshydb_test

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/meshydb/meshydb-go"
)

// TestMain fails the run if any goroutine started by a test outlives it:
// retry timers, request goroutines and response readers must all end.
func TestMain(m *testing.M) {
	code := m.Run()
	// Keep-alive connections in the SDK's shared pool are kept on purpose;
	// close them so that only real leaks remain.
	if db, err := meshydb.New("leak-check", "", "pk"); err == nil {
		db.CloseIdleConnections()
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}
