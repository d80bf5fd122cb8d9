package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunWholeFlow(t *testing.T) {
	var paths []string
	var resetBody map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.Path)
		switch r.URL.Path {
		case "/acme/users/forgotpassword":
			_, _ = w.Write([]byte(`{"username":"bob","expires":"1/1/2030","hash":"s3cret-hash"}`))
		case "/acme/users/checkhash":
			_, _ = w.Write([]byte(`true`))
		case "/acme/users/resetpassword":
			require.NoError(t, json.NewDecoder(r.Body).Decode(&resetBody))
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer srv.Close()

	var out bytes.Buffer
	err := run(context.Background(), []string{
		"-client-key", "acme", "-public-key", "pk", "-api-url", srv.URL,
		"-username", "bob", "-code", "123456", "-new-password", "n3w",
	}, &out)

	require.NoError(t, err)
	assert.Equal(t, []string{"/acme/users/forgotpassword", "/acme/users/checkhash", "/acme/users/resetpassword"}, paths)
	assert.Equal(t, map[string]any{
		"username": "bob", "expires": "1/1/2030", "hash": "s3cret-hash",
		"verificationCode": "123456", "newPassword": "n3w",
	}, resetBody)
	assert.Contains(t, out.String(), "3. password reset")
	assert.NotContains(t, out.String(), "s3cret-hash")
}

func TestRunNotConfigured(t *testing.T) {
	t.Setenv("MESHYDB_CLIENT_KEY", "")
	t.Setenv("MESHYDB_PUBLIC_KEY", "")
	err := run(context.Background(), nil, &bytes.Buffer{})
	assert.ErrorIs(t, err, errUsage)
	assert.ErrorContains(t, err, "MESHYDB_CLIENT_KEY")
}
