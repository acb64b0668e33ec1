package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	Time      uint32 // passes over memory
	MemoryKiB uint32
	Threads   uint8
}

// DefaultParams follow RFC 9106's second recommendation (64 MiB, one
// pass): about 130 ms per hash on the reference machine.
var DefaultParams = Params{Time: 1, MemoryKiB: 64 * 1024, Threads: 2}

const (
	saltLen = 16
	keyLen  = 32
	// maxMemoryKiB bounds what a stored hash may ask for (1 GiB), so that a
	// tampered row cannot make one sign-in allocate without limit.
	maxMemoryKiB = 1 << 20
)

// ErrMalformedHash is returned for a stored hash that is not a PHC-encoded
// argon2id hash.
var ErrMalformedHash = errors.New("auth: malformed password hash")

// Hasher hashes and checks passwords with argon2id. Each hash takes
// Params.MemoryKiB of memory, so at most a fixed number run at once: a
// flood of sign-ins queues instead of exhausting memory. It is safe for
// concurrent use.
type Hasher struct {
	params Params
	sem    chan struct{}
	// idKey derives a key: argon2.IDKey, which tests observe.
	idKey func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte
}

// NewHasher returns a Hasher with the cost parameters that runs at most
// concurrent hashes at a time.
func NewHasher(p Params, concurrent int) *Hasher {
	return &Hasher{params: p, sem: make(chan struct{}, max(1, concurrent)), idKey: argon2.IDKey}
}

// acquire waits for a hashing slot or for ctx to end.
func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("auth: waiting to hash a password: %w", ctx.Err())
	}
}

func (h *Hasher) release() { <-h.sem }

// Hash returns the PHC encoding of password's argon2id hash with a new
// random salt: $argon2id$v=19$m=65536,t=1,p=2$SALT$HASH.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, saltLen)
	rand.Read(salt) // never fails (crypto/rand)
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	key := h.idKey([]byte(password), salt, h.params.Time, h.params.MemoryKiB, h.params.Threads, keyLen)
	h.release()
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.params.MemoryKiB, h.params.Time, h.params.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether password matches the encoded hash, comparing in
// constant time with the hash's own parameters (so raising DefaultParams
// keeps old hashes valid). An empty encoded hash (an unknown user, an
// account without a password) is checked against a dummy hash and fails:
// the caller spends the same time either way, so timing does not tell
// whether an account exists.
func (h *Hasher) Verify(ctx context.Context, encoded, password string) (bool, error) {
	if encoded == "" {
		if err := h.acquire(ctx); err != nil {
			return false, err
		}
		h.idKey([]byte(password), make([]byte, saltLen), h.params.Time, h.params.MemoryKiB, h.params.Threads, keyLen)
		h.release()
		return false, nil
	}
	p, salt, want, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	got := h.idKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	h.release()
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

func decodeHash(encoded string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, ErrMalformedHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, ErrMalformedHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil ||
		p.MemoryKiB == 0 || p.MemoryKiB > maxMemoryKiB || p.Time == 0 || p.Time > 16 || p.Threads == 0 {
		return p, nil, nil, ErrMalformedHash
	}
	b64 := base64.RawStdEncoding
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, ErrMalformedHash
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, ErrMalformedHash
	}
	return p, salt, key, nil
}

// RuleError is a username, password or email that breaks a rule; its
// text is meant for the person who typed it.
type RuleError struct{ Msg string }

func (e *RuleError) Error() string { return e.Msg }

// Password length limits, in characters. The maximum keeps hashing cost
// independent of what a client sends.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 256
)

// CheckPassword applies the password rules: 10 to 256 characters, and not
// the username.
func CheckPassword(username, password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLen:
		return &RuleError{fmt.Sprintf("The password must have at least %d characters.", MinPasswordLen)}
	case n > MaxPasswordLen:
		return &RuleError{fmt.Sprintf("The password must have at most %d characters.", MaxPasswordLen)}
	case strings.EqualFold(password, username):
		return &RuleError{"The password must not be the username."}
	}
	return nil
}

// CheckUsername applies the username rules: 3 to 30 letters, digits,
// "_" or "-" (ASCII only, so that look-alike names cannot be registered).
func CheckUsername(name string) error {
	if len(name) < 3 || len(name) > 30 {
		return &RuleError{"The username must have 3 to 30 characters."}
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return &RuleError{"The username may contain only letters, digits, “_” and “-”."}
		}
	}
	return nil
}
