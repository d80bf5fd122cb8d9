package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunOffline(t *testing.T) {
	t.Setenv("MESHYDB_CLIENT_KEY", "")
	var out bytes.Buffer

	require.NoError(t, run(t.Context(), nil, &out))

	assert.Equal(t, "1. signed in as bob (roles [user]); refresh token saved 1 time(s)\n"+
		"2. session restored from the saved refresh token for bob; saved 2 time(s)\n"+
		"3. signed out; the client now refuses calls: true\n"+
		"4. the revoked refresh token no longer restores a session: true\n", out.String())
}

func TestRunWrongPassword(t *testing.T) {
	t.Setenv("MESHYDB_CLIENT_KEY", "")
	err := run(t.Context(), []string{"-password", "wrong"}, &bytes.Buffer{})
	assert.ErrorContains(t, err, "Invalid username or password")
	assert.NotContains(t, err.Error(), "wrong")
}
