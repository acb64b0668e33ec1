//go:build unix

package mapfile

import (
	"fmt"
	"os"
	"syscall"
)

// Map maps a file read-only, or reads it into memory where it cannot be
// mapped (an empty file). The bytes of a mapping live in the page cache,
// not on the Go heap: the kernel reads them on first touch and may drop
// them again under memory pressure. Files are never rewritten in place
// (Save writes a new directory and renames it), so a mapping cannot be
// truncated under a reader; a file truncated before Open maps only the
// bytes it has, and decoding checks every length against them.
func Map(path string) (data []byte, mapped bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, false, err
	}
	size := fi.Size()
	if size <= 0 || size != int64(int(size)) {
		b, err := os.ReadFile(path)
		return b, false, err
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		// Some filesystems cannot map; read instead.
		b, rerr := os.ReadFile(path)
		if rerr != nil {
			return nil, false, fmt.Errorf("map %s: %w (read: %v)", path, err, rerr)
		}
		return b, false, nil
	}
	return b, true, nil
}

// Unmap releases a mapping made by Map.
func Unmap(b []byte) { _ = syscall.Munmap(b) }
