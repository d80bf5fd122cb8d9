package meshydb_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshydb/meshydb-go"
)

// The secrets of one password-recovery flow. None may reach a log line.
const (
	logSecretHash     = "hash-5ecret-7f3a"
	logSecretCode     = "code-5ecret-913"
	logSecretPassword = "passw0rd-5ecret!"
)

// TestLoggerNeverSeesSecrets runs a whole forgot/check/reset flow, with a
// retried 503 and a failing call, through a debug-level logger, and checks
// that every attempt is logged and that no secret appears anywhere in the
// output, even when the app logs the hash itself.
func TestLoggerNeverSeesSecrets(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		switch r.URL.Path {
		case "/acme/users/forgotpassword":
			if calls.Add(1) == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			_, _ = io.WriteString(w, `{"username":"bob","expires":"1/1/2030","hash":"`+logSecretHash+`"}`)
		case "/acme/users/checkhash":
			_, _ = io.WriteString(w, `true`)
		case "/acme/users/resetpassword":
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"message":"Hash expired."}`)
		}
	}))
	defer srv.Close()

	var out bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	db, err := meshydb.New("acme", "tenant-1", "pk",
		meshydb.WithHTTPClient(srv.Client()),
		meshydb.WithAPIURL(srv.URL),
		meshydb.WithLogger(logger),
		meshydb.WithRetry(meshydb.RetryPolicy{MaxAttempts: 2, BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond}),
	)
	require.NoError(t, err)
	ctx := t.Context()

	hash, err := db.ForgotPassword(ctx, "bob")
	require.NoError(t, err)
	hash.VerificationCode = logSecretCode
	logger.InfoContext(ctx, "app logs the hash", "hash", hash)
	ok, err := db.CheckHash(ctx, hash)
	require.NoError(t, err)
	require.True(t, ok)
	err = db.ResetPassword(ctx, hash, logSecretPassword)
	require.ErrorIs(t, err, meshydb.ErrBadRequest)
	logger.ErrorContext(ctx, "reset failed", "err", err)

	logged := out.String()
	for _, secret := range []string{logSecretHash, logSecretCode, logSecretPassword} {
		assert.NotContains(t, logged, secret)
	}

	var records []map[string]any
	for line := range strings.Lines(logged) {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
		records = append(records, rec)
	}
	type entry struct {
		Level, Msg, Route string
		Attempt, Status   float64
	}
	var got []entry
	for _, rec := range records {
		e := entry{Level: rec["level"].(string), Msg: rec["msg"].(string)}
		e.Route, _ = rec["route"].(string)
		e.Attempt, _ = rec["attempt"].(float64)
		e.Status, _ = rec["status"].(float64)
		got = append(got, e)
	}
	assert.Equal(t, []entry{
		{"DEBUG", "meshydb request", "users/forgotpassword", 1, 503},
		{"WARN", "meshydb retrying", "users/forgotpassword", 1, 0},
		{"DEBUG", "meshydb request", "users/forgotpassword", 2, 200},
		{"INFO", "app logs the hash", "", 0, 0},
		{"DEBUG", "meshydb request", "users/checkhash", 1, 200},
		{"DEBUG", "meshydb request", "users/resetpassword", 1, 400},
		{"ERROR", "reset failed", "", 0, 0},
	}, got)
	assert.Contains(t, logged, `"hash":"[REDACTED]"`)
	assert.Contains(t, logged, `"method":"POST"`)
	assert.Contains(t, logged, `"duration":`)
}

// TestLoggerSilentBelowDebug checks that at the default Info level the SDK
// adds nothing to the log for successful calls.
func TestLoggerSilentBelowDebug(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"username":"bob","expires":"1/1/2030","hash":"h"}`)
	}))
	defer srv.Close()
	var out bytes.Buffer
	db, err := meshydb.New("acme", "", "pk",
		meshydb.WithHTTPClient(srv.Client()), meshydb.WithAPIURL(srv.URL),
		meshydb.WithLogger(slog.New(slog.NewTextHandler(&out, nil))))
	require.NoError(t, err)

	_, err = db.ForgotPassword(t.Context(), "bob")

	require.NoError(t, err)
	assert.Empty(t, out.String())
}
