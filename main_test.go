package meshydb_test

import (
	"fmt"
	"net/http"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if any goroutine started by a test outlives it:
// retry timers, request goroutines and response readers must all end.
func TestMain(m *testing.M) {
	code := m.Run()
	// Keep-alive connections in the process-wide transport are pooled on
	// purpose; close them so that only real leaks remain.
	if t, ok := http.DefaultTransport.(interface{ CloseIdleConnections() }); ok {
		t.CloseIdleConnections()
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}
