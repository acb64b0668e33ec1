package web

import "github.com/paperboy-dev/paperboy/internal/auth"

// The tests hash passwords with argon2id at its cheapest. At the
// production cost (64 MiB a hash) the hashes of sign-ins and of the
// hostile-input tests' thousands of requests took most of this package's
// test time; no test here is about the cost, and internal/auth tests the
// real parameters.
func init() { passwords = auth.NewHasher(auth.Params{Time: 1, MemoryKiB: 64, Threads: 1}, 2) }
