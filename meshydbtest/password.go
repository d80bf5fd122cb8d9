package meshydbtest

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// passwordIterations is the PBKDF2 work factor: enough to keep passwords
// out of memory in clear, low enough for tests that log in many times.
const passwordIterations = 4096

// passwordHash is a salted PBKDF2-SHA256 hash of a password.
type passwordHash struct {
	salt []byte
	key  []byte
}

func hashPassword(password string) passwordHash {
	salt := make([]byte, 16)
	rand.Read(salt)
	return passwordHash{salt: salt, key: derive(password, salt)}
}

// matches reports, in constant time, whether password is the one hashed.
func (p passwordHash) matches(password string) bool {
	return hmac.Equal(derive(password, p.salt), p.key)
}

func derive(password string, salt []byte) []byte {
	key, err := pbkdf2.Key(sha256.New, password, salt, passwordIterations, sha256.Size)
	if err != nil {
		panic("meshydbtest: pbkdf2: " + err.Error()) // only for an invalid key length
	}
	return key
}

// newQuestion stores a security question with its answer and the hash the
// API shows for it.
func newQuestion(q, answer string) question {
	salt := make([]byte, 16)
	rand.Read(salt)
	sum := sha256.Sum256(append(salt, normalizeAnswer(answer)...))
	return question{
		question:   q,
		answer:     answer,
		answerHash: base64.StdEncoding.EncodeToString(append(salt, sum[:]...)),
	}
}

// normalizeAnswer makes answers match regardless of case and surrounding
// space.
func normalizeAnswer(answer string) string {
	return strings.ToLower(strings.TrimSpace(answer))
}
