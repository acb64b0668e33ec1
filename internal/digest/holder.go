package digest

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// A sender's name in leases is "machine/pid/token": the host name with the
// PID namespace the process runs in, its process id, and a random token
// that tells apart two senders of one process. A sender that finds a digest
// leased by a process of its own machine that is gone (an interrupted
// 'digest send', a crashed serve) takes it over at once rather than waiting
// for the lease to expire. A holder on another machine cannot be checked
// from here and keeps its lease until it expires; so does a name that is
// not in this form.

// newOwner names this process's sender.
func newOwner() string {
	var r [4]byte
	rand.Read(r[:])
	return fmt.Sprintf("%s/%d/%s", machine(), os.Getpid(), hex.EncodeToString(r[:]))
}

// machine is the host name, with the PID namespace where there is one:
// containers sharing a host name but not their processes (host networking)
// must not judge each other's process ids.
var machine = sync.OnceValue(func() string {
	host, _ := os.Hostname()
	host = strings.ReplaceAll(cmp.Or(host, "paperboy"), "/", "_")
	if ns, err := os.Readlink("/proc/self/ns/pid"); err == nil {
		// "pid:[4026531836]"
		host += "+" + strings.Trim(strings.TrimPrefix(ns, "pid:"), "[]")
	}
	return host
})

// holderGone reports whether owner names a process of this machine that
// no longer runs. A reused process id makes it answer false, which only
// means waiting for the lease to expire.
func holderGone(owner string) bool {
	parts := strings.Split(owner, "/")
	if len(parts) != 3 || parts[0] != machine() {
		return false
	}
	pid, err := strconv.Atoi(parts[1])
	if err != nil || pid <= 0 || pid == os.Getpid() {
		return false
	}
	err = syscall.Kill(pid, 0)
	return errors.Is(err, syscall.ESRCH)
}
