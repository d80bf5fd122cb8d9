package meshydb_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshydb/meshydb-go"
)

// Secrets used by the redaction tests; none of them may show up in printed
// or logged output.
const (
	rhUsername = "username_testermctesterson"
	rhHash     = "rh-secret-hash-0f3c9a"
	rhCode     = "rh-secret-code-771"
)

// rhDecoded returns a hash decoded from the wire, as ForgotPassword returns
// it, with a verification code filled in by the app.
func rhDecoded(t *testing.T) *meshydb.PasswordResetHash {
	t.Helper()
	var h meshydb.PasswordResetHash
	require.NoError(t, json.Unmarshal([]byte(`{"username":"`+rhUsername+`","expires":"2019-10-18T15:11:55.2413015-05:00",
		"hash":"`+rhHash+`","attempt":2,"hint":"First pet?"}`), &h))
	h.VerificationCode = rhCode
	return &h
}

// rhHandBuilt returns a hash built by hand.
func rhHandBuilt() *meshydb.PasswordResetHash {
	return &meshydb.PasswordResetHash{
		Username:         rhUsername,
		Expires:          time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
		Hash:             rhHash,
		VerificationCode: rhCode,
	}
}

// rhAssertRedacted checks that out shows the username and "[REDACTED]" but
// neither secret.
func rhAssertRedacted(t *testing.T, out string) {
	t.Helper()
	assert.NotContains(t, out, rhHash, "the hash leaked")
	assert.NotContains(t, out, rhCode, "the verification code leaked")
	assert.Contains(t, out, "[REDACTED]")
	assert.Contains(t, out, rhUsername)
}

func TestPasswordResetHash_FmtRedacts(t *testing.T) {
	t.Parallel()
	hashes := map[string]func(*testing.T) *meshydb.PasswordResetHash{
		"decoded":    rhDecoded,
		"hand built": func(*testing.T) *meshydb.PasswordResetHash { return rhHandBuilt() },
	}
	for hname, mk := range hashes {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d", "%10.3v"} {
			t.Run(hname+"/value/"+verb, func(t *testing.T) {
				t.Parallel()
				rhAssertRedacted(t, fmt.Sprintf(verb, *mk(t)))
			})
			t.Run(hname+"/pointer/"+verb, func(t *testing.T) {
				t.Parallel()
				rhAssertRedacted(t, fmt.Sprintf(verb, mk(t)))
			})
		}
		t.Run(hname+"/others", func(t *testing.T) {
			t.Parallel()
			h := mk(t)
			outs := map[string]string{
				"Sprint value":    fmt.Sprint(*h),
				"Sprint pointer":  fmt.Sprint(h),
				"Sprintln":        fmt.Sprintln(h, *h),
				"String":          h.String(),
				"slice":           fmt.Sprintf("%+v", []*meshydb.PasswordResetHash{h}),
				"slice of values": fmt.Sprintf("%#v", []meshydb.PasswordResetHash{*h}),
				"map":             fmt.Sprintf("%v", map[string]meshydb.PasswordResetHash{"k": *h}),
				"exported field":  fmt.Sprintf("%+v", struct{ Hash *meshydb.PasswordResetHash }{h}),
				"errorf":          fmt.Errorf("reset failed for %v", h).Error(),
			}
			var logBuf bytes.Buffer
			log.New(&logBuf, "", 0).Printf("hash: %+v", h)
			outs["log.Printf"] = logBuf.String()
			for name, out := range outs {
				t.Run(name, func(t *testing.T) { rhAssertRedacted(t, out) })
			}
		})
	}
}

func TestPasswordResetHash_FmtShowsFields(t *testing.T) {
	t.Parallel()
	out := fmt.Sprintf("%v", rhDecoded(t))
	assert.Contains(t, out, rhUsername)
	assert.Contains(t, out, "First pet?")
	assert.Contains(t, out, "2", "attempt")

	// An unset secret shows as empty, not as [REDACTED]: a log reader can
	// tell a missing verification code from a present one.
	h := rhHandBuilt()
	h.VerificationCode = ""
	out = fmt.Sprintf("%+v", h)
	assert.Equal(t, 1, strings.Count(out, "[REDACTED]"), out)

	var nilHash *meshydb.PasswordResetHash
	assert.NotPanics(t, func() { _ = fmt.Sprintf("%v", nilHash) })
}

func TestPasswordResetHash_SlogRedacts(t *testing.T) {
	t.Parallel()
	handlers := map[string]func(*bytes.Buffer) slog.Handler{
		"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
	}
	hashes := map[string]func(*testing.T) *meshydb.PasswordResetHash{
		"decoded":    rhDecoded,
		"hand built": func(*testing.T) *meshydb.PasswordResetHash { return rhHandBuilt() },
	}
	logs := map[string]func(*slog.Logger, *meshydb.PasswordResetHash){
		"value attr":   func(l *slog.Logger, h *meshydb.PasswordResetHash) { l.Info("reset", "hash", *h) },
		"pointer attr": func(l *slog.Logger, h *meshydb.PasswordResetHash) { l.Info("reset", "hash", h) },
		"slog.Any":     func(l *slog.Logger, h *meshydb.PasswordResetHash) { l.Info("reset", slog.Any("hash", h)) },
		"in group":     func(l *slog.Logger, h *meshydb.PasswordResetHash) { l.Info("reset", slog.Group("req", "hash", h)) },
		"With":         func(l *slog.Logger, h *meshydb.PasswordResetHash) { l.With("hash", h).Info("reset") },
	}
	for hname, mk := range hashes {
		for lname, logIt := range logs {
			for fname, newHandler := range handlers {
				t.Run(hname+"/"+lname+"/"+fname, func(t *testing.T) {
					t.Parallel()
					var buf bytes.Buffer
					logIt(slog.New(newHandler(&buf)), mk(t))
					out := buf.String()
					rhAssertRedacted(t, out)
					assert.NotContains(t, out, "LogValue panicked")
					if fname == "json" {
						var line map[string]any
						require.NoError(t, json.Unmarshal(buf.Bytes(), &line), out)
						attrs := line
						if g, ok := line["req"].(map[string]any); ok {
							attrs = g
						}
						logged, ok := attrs["hash"].(map[string]any)
						require.True(t, ok, "hash is logged as a group: %s", out)
						assert.Equal(t, rhUsername, logged["username"])
						assert.Equal(t, "[REDACTED]", logged["hash"])
						assert.Equal(t, "[REDACTED]", logged["verificationCode"])
					}
				})
			}
		}
	}
}

func TestPasswordResetHash_JSONRoundTrip(t *testing.T) {
	t.Parallel()
	for _, shape := range []string{
		"1900-01-01T00:00:00.000Z",
		"2019-01-01T00:00:00.0000000+00:00",
		"2019-10-18T15:11:55.2413015-05:00",
		"1/1/1900",
		"1-1-2019",
		"not a date",
		"",
	} {
		t.Run(shape, func(t *testing.T) {
			t.Parallel()
			in := fmt.Sprintf(`{"username":"José","expires":%q,"hash":"randomlygeneratedhash","attempt":3,
				"hint":"Favourite colour?","verificationCode":"123456"}`, shape)
			var h meshydb.PasswordResetHash
			require.NoError(t, json.Unmarshal([]byte(in), &h))
			assert.Equal(t, "José", h.Username)
			assert.Equal(t, "randomlygeneratedhash", h.Hash)
			assert.Equal(t, 3, h.Attempt)
			assert.Equal(t, "Favourite colour?", h.Hint)
			assert.Equal(t, "123456", h.VerificationCode)

			wantExpires := fmt.Sprintf(`"expires":%q`, shape)
			for name, v := range map[string]any{"value": h, "pointer": &h} {
				out, err := json.Marshal(v)
				require.NoError(t, err, name)
				assert.JSONEq(t, in, string(out), name)
				assert.Contains(t, string(out), wantExpires, "%s: expires text must round-trip byte for byte", name)
			}

			// Through a wrapper, as an app would store it, and back again.
			type stored struct {
				Hash meshydb.PasswordResetHash `json:"hash"`
			}
			wrapped, err := json.Marshal(stored{Hash: h})
			require.NoError(t, err)
			var back stored
			require.NoError(t, json.Unmarshal(wrapped, &back))
			again, err := json.Marshal(back.Hash)
			require.NoError(t, err)
			assert.JSONEq(t, in, string(again))
			assert.True(t, h.Expires.Equal(back.Hash.Expires))
		})
	}
}

func TestPasswordResetHash_UnmarshalExpires(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		in          string
		want        time.Time
		wantExpires string // expected "expires" in the re-marshalled JSON; "" for none
	}{
		{"seed", `{"username":"u","hash":"h","expires":"1900-01-01T00:00:00.000Z"}`,
			time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), `"1900-01-01T00:00:00.000Z"`},
		{"seven fraction digits", `{"username":"u","hash":"h","expires":"2019-10-18T15:11:55.2413015-05:00"}`,
			time.Date(2019, 10, 18, 20, 11, 55, 241301500, time.UTC), `"2019-10-18T15:11:55.2413015-05:00"`},
		{"slash date", `{"username":"u","hash":"h","expires":"1/1/1900"}`,
			time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), `"1/1/1900"`},
		{"dash date", `{"username":"u","hash":"h","expires":"1-1-2019"}`,
			time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), `"1-1-2019"`},
		{"unreadable", `{"username":"u","hash":"h","expires":"not a date"}`, time.Time{}, `"not a date"`},
		{"number", `{"username":"u","hash":"h","expires":12345}`, time.Time{}, `12345`},
		{"null", `{"username":"u","hash":"h","expires":null}`, time.Time{}, ``},
		{"missing", `{"username":"u","hash":"h"}`, time.Time{}, ``},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var h meshydb.PasswordResetHash
			require.NoError(t, json.Unmarshal([]byte(tc.in), &h), "a date must never fail the decode")
			assert.True(t, tc.want.Equal(h.Expires), "Expires = %v, want %v", h.Expires, tc.want)
			assert.Equal(t, tc.want.IsZero(), h.Expires.IsZero())

			out, err := json.Marshal(h)
			require.NoError(t, err)
			var m map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(out, &m))
			if tc.wantExpires == "" {
				assert.NotContains(t, m, "expires")
			} else {
				assert.Equal(t, tc.wantExpires, string(m["expires"]))
			}
		})
	}
}

func TestPasswordResetHash_UnmarshalReplacesOldState(t *testing.T) {
	t.Parallel()
	var h meshydb.PasswordResetHash
	require.NoError(t, json.Unmarshal([]byte(`{"username":"a","expires":"1/1/1900","hash":"h1","attempt":2,"hint":"q","verificationCode":"c"}`), &h))
	require.NoError(t, json.Unmarshal([]byte(`{"username":"b","hash":"h2"}`), &h))
	assert.Equal(t, "b", h.Username)
	assert.Equal(t, "h2", h.Hash)
	assert.Zero(t, h.Attempt)
	assert.Empty(t, h.Hint)
	assert.Empty(t, h.VerificationCode)
	assert.True(t, h.Expires.IsZero())
	out, err := json.Marshal(h)
	require.NoError(t, err)
	assert.JSONEq(t, `{"username":"b","hash":"h2"}`, string(out), "the old expires text must be gone")
}

func TestPasswordResetHash_UnmarshalRejectsBadJSON(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`[1]`, `"x"`, `{"username":5}`, `{"attempt":"one"}`, `{`} {
		var h meshydb.PasswordResetHash
		assert.Error(t, json.Unmarshal([]byte(in), &h), in)
	}
}

func TestPasswordResetHash_MarshalChangedOrHandBuiltExpires(t *testing.T) {
	t.Parallel()
	// A decoded hash whose Expires the app changed marshals the new value.
	h := rhDecoded(t)
	h.Expires = time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	out, err := json.Marshal(h)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"expires":"2031-05-06T07:08:09Z"`)
	assert.NotContains(t, string(out), "2019-10-18T15:11:55.2413015-05:00")

	// Changing it back to the decoded instant echoes the original text again.
	h.Expires = time.Date(2019, 10, 18, 20, 11, 55, 241301500, time.UTC)
	out, err = json.Marshal(h)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"expires":"2019-10-18T15:11:55.2413015-05:00"`)

	// A hand-built hash marshals RFC 3339 and keeps the secrets: its JSON
	// form is for storage, not for logs.
	out, err = json.Marshal(rhHandBuilt())
	require.NoError(t, err)
	assert.JSONEq(t, `{"username":"`+rhUsername+`","expires":"2030-01-02T03:04:05Z","hash":"`+rhHash+
		`","verificationCode":"`+rhCode+`"}`, string(out))

	// The zero hash has nothing to say about expiry.
	out, err = json.Marshal(meshydb.PasswordResetHash{})
	require.NoError(t, err)
	assert.NotContains(t, string(out), "expires")
}
