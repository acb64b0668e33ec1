package auth

import (
	"context"
	"errors"
	"golang.org/x/crypto/argon2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// cheap keeps the tests fast; the algorithm is the same.
var cheap = Params{Time: 1, MemoryKiB: 1024, Threads: 1}

func TestHashAndVerify(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(cheap, 2)
	enc, err := h.Hash(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash %q is not PHC-encoded argon2id", enc)
	}
	if again, _ := h.Hash(ctx, "correct horse battery"); again == enc {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	if ok, err := h.Verify(ctx, enc, "correct horse battery"); !ok || err != nil {
		t.Errorf("Verify(right password) = %v, %v", ok, err)
	}
	if ok, err := h.Verify(ctx, enc, "correct horse batterY"); ok || err != nil {
		t.Errorf("Verify(wrong password) = %v, %v", ok, err)
	}
	// A hash made with other parameters is checked with its own.
	other, _ := NewHasher(Params{Time: 2, MemoryKiB: 2048, Threads: 2}, 1).Hash(ctx, "pw")
	if ok, _ := h.Verify(ctx, other, "pw"); !ok {
		t.Error("a hash with other parameters does not verify")
	}
	for _, bad := range []string{"x", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"} {
		if _, err := h.Verify(ctx, bad, "pw"); !errors.Is(err, ErrMalformedHash) {
			t.Errorf("Verify(%q) = %v, want ErrMalformedHash", bad, err)
		}
	}
}

// TestVerifyWithoutHashSpendsAHash: checking a password for an unknown
// user derives one key at the cost of a known user's (same memory, time
// and threads), so timing does not tell whether an account exists. The
// work is observed, not timed: wall time on a busy machine proves nothing.
func TestVerifyWithoutHashSpendsAHash(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(Params{Time: 2, MemoryKiB: 16 * 1024, Threads: 1}, 1)
	enc, _ := h.Hash(ctx, "some password")
	type cost struct {
		time, memory uint32
		threads      uint8
	}
	var calls []cost
	h.idKey = func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
		calls = append(calls, cost{time, memory, threads})
		return argon2.IDKey(password, salt, time, memory, threads, keyLen)
	}
	if ok, _ := h.Verify(ctx, enc, "guess guess guess"); ok {
		t.Fatal("a wrong password verified")
	}
	if ok, _ := h.Verify(ctx, "", "anything"); ok {
		t.Fatal("an empty hash verified")
	}
	if len(calls) != 2 || calls[0] != calls[1] {
		t.Errorf("key derivations for a known and an unknown user: %+v; want one each at the same cost", calls)
	}
}

func TestHasherBoundsConcurrentHashes(t *testing.T) {
	h := NewHasher(cheap, 2)
	var running, most atomic.Int32
	// Observe the semaphore directly: hashing holds a slot.
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.acquire(context.Background())
			n := running.Add(1)
			for {
				m := most.Load()
				if n <= m || most.CompareAndSwap(m, n) {
					break
				}
			}
			time.Sleep(5 * time.Millisecond)
			running.Add(-1)
			h.release()
		}()
	}
	wg.Wait()
	if most.Load() != 2 {
		t.Errorf("%d hashes ran at once, want at most 2", most.Load())
	}
	// A caller that gives up while waiting gets its context's error.
	h.acquire(context.Background())
	h.acquire(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, "pw"); !errors.Is(err, context.Canceled) {
		t.Errorf("Hash while full with a cancelled context = %v", err)
	}
}

func TestPasswordAndUsernameRules(t *testing.T) {
	for _, tc := range []struct {
		user, pw string
		ok       bool
	}{
		{"ada", "short", false},
		{"ada", "ten chars!", true},
		{"ada", strings.Repeat("é", 256), true},
		{"ada", strings.Repeat("x", 257), false},
		{"adalovelace", "AdaLovelace", false},
	} {
		if err := CheckPassword(tc.user, tc.pw); (err == nil) != tc.ok {
			t.Errorf("CheckPassword(%q, %q) = %v", tc.user, tc.pw, err)
		}
	}
	for name, ok := range map[string]bool{
		"ab": false, "abc": true, "Ada_Lovelace-2": true, strings.Repeat("a", 30): true, strings.Repeat("a", 31): false,
		"ada lovelace": false, "аda": false, "ada@x": false, "": false,
	} {
		if err := CheckUsername(name); (err == nil) != ok {
			t.Errorf("CheckUsername(%q) = %v", name, err)
		}
	}
}

func TestTokens(t *testing.T) {
	a, ha := NewToken()
	b, _ := NewToken()
	if a == b || len(a) != 43 || !WellFormedToken(a) {
		t.Fatalf("tokens %q, %q", a, b)
	}
	if ha != HashToken(a) || len(ha) != 64 || strings.Contains(ha, a) {
		t.Errorf("hash %q of %q", ha, a)
	}
	for _, bad := range []string{"", "short", a + "x", strings.Repeat("!", 43)} {
		if WellFormedToken(bad) {
			t.Errorf("WellFormedToken(%q) = true", bad)
		}
	}
	if !Equal(a, a) || Equal(a, b) {
		t.Error("Equal is wrong")
	}
}
