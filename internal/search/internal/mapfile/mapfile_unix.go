//go:build unix

package mapfile

import (
	"fmt"
	"os"
	"sync"
	"syscall"
)

// Map maps a file read-only, or reads it into memory where it cannot be
// mapped (an empty file). The bytes of a mapping live in the page cache,
// not on the Go heap: the kernel reads them on first touch and may drop
// them again under memory pressure. Files are never rewritten in place
// (Save writes a new directory and renames it), so a mapping cannot be
// truncated under a reader; a file truncated before Open maps only the
// bytes it has, and decoding checks every length against them.
//
// release unmaps a mapping (once, however often it is called) and does
// nothing for bytes that were read, so callers need not tell the two apart.
func Map(path string) (data []byte, release func(), err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	size := fi.Size()
	if size <= 0 || size != int64(int(size)) {
		b, err := os.ReadFile(path)
		return b, noop, err
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		// Some filesystems cannot map; read instead.
		b, rerr := os.ReadFile(path)
		if rerr != nil {
			return nil, nil, fmt.Errorf("map %s: %w (read: %v)", path, err, rerr)
		}
		return b, noop, nil
	}
	return b, sync.OnceFunc(func() { _ = syscall.Munmap(b) }), nil
}
