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

	assert.Equal(t, "1. created 3 users\n"+
		"2. first page holds 2 of 3 matching users\n"+
		"3. all pages: [demo-user-1 (Ann) demo-user-2 (Ben) demo-user-3 (Cat)]\n"+
		"4. updated demo-user-1: Ann Archer, active false\n"+
		"5. active matches: 2 (inactive users are left out by default)\n"+
		"6. deleted them; fetching one now gives not found: true\n", out.String())
}

func TestRunWrongPassword(t *testing.T) {
	t.Setenv("MESHYDB_CLIENT_KEY", "")
	err := run(t.Context(), []string{"-password", "wrong"}, &bytes.Buffer{})
	assert.ErrorContains(t, err, "signing in")
}
