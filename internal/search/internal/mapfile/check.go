package mapfile

import (
	"bufio"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
)

// ErrChecksum is returned by Check for a file whose trailing CRC-32 does
// not match its body, or that is too short to have one.
var ErrChecksum = errors.New("checksum mismatch or truncated")

// Check verifies a file that ends in the little-endian CRC-32 (IEEE) of
// everything before it, reading it with read(2) rather than through a
// mapping: the pages pass through the page cache without being mapped
// into the process, so verifying does not make the whole file count in
// its resident memory, as touching every page of a mapping would.
func Check(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() < 4 {
		return ErrChecksum
	}
	h := crc32.NewIEEE()
	r := bufio.NewReaderSize(f, 1<<20)
	if _, err := io.CopyN(h, r, fi.Size()-4); err != nil {
		return err
	}
	var sum [4]byte
	if _, err := io.ReadFull(r, sum[:]); err != nil {
		return err
	}
	if binary.LittleEndian.Uint32(sum[:]) != h.Sum32() {
		return ErrChecksum
	}
	return nil
}
