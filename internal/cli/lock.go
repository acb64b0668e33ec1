package cli

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// lockDataDir takes the data directory for one serve process, for as long
// as it runs: two servers on one directory would each save its search
// index and vectors over the other's. (Replicas on PostgreSQL each have a
// data directory of their own.) The lock is an flock on
// dir/paperboy.lock, so the kernel releases it when the process dies,
// however it dies; the file itself, holding the last holder's pid, is left
// in place, since removing it would race with the next server opening it.
func lockDataDir(dir string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	path := filepath.Join(dir, "paperboy.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock the data directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			pid, _ := os.ReadFile(path)
			return nil, fmt.Errorf("another paperboy serve is using %s (pid %s); stop it, or give this one its own --data-dir",
				dir, cmp.Or(string(bytes.TrimSpace(pid)), "unknown"))
		}
		return nil, fmt.Errorf("lock the data directory: %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
