//go:build !unix

package mapfile

import "os"

// Map reads the file: this platform's build does not map files.
func Map(path string) ([]byte, bool, error) {
	b, err := os.ReadFile(path)
	return b, false, err
}

// Unmap releases a mapping made by Map (nothing here).
func Unmap([]byte) {}
