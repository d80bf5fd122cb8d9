package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func offline(t *testing.T) {
	t.Setenv("MESHYDB_CLIENT_KEY", "")
	t.Setenv("MESHYDB_PUBLIC_KEY", "")
}

func TestRunOfflineWholeFlow(t *testing.T) {
	offline(t)
	var out bytes.Buffer

	require.NoError(t, run(t.Context(), nil, &out))

	lines := out.String()
	for _, step := range []string{"0. offline", "1. reset requested for bob", "2. verification code accepted", "3. password reset", "4. signed in with the new password as bob"} {
		assert.Contains(t, lines, step)
	}
	assert.Contains(t, lines, "Hash:[REDACTED]")
	assert.Equal(t, 6, strings.Count(lines, "\n"), lines)
}

func TestRunOfflineUnknownUser(t *testing.T) {
	offline(t)
	err := run(t.Context(), []string{"-username", "nobody"}, &bytes.Buffer{})
	assert.ErrorContains(t, err, "404")
}

func TestRunNeedsPublicKeyWithClientKey(t *testing.T) {
	offline(t)
	err := run(t.Context(), []string{"-client-key", "acme"}, &bytes.Buffer{})
	assert.ErrorIs(t, err, errUsage)
	assert.ErrorContains(t, err, "MESHYDB_PUBLIC_KEY")
}

func TestRunBadFlag(t *testing.T) {
	err := run(t.Context(), []string{"-no-such-flag"}, &bytes.Buffer{})
	assert.ErrorIs(t, err, errUsage)
}
