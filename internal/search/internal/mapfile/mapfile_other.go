//go:build !unix

package mapfile

import "os"

// Map reads the file: this platform's build does not map files, and
// release does nothing.
func Map(path string) (data []byte, release func(), err error) {
	b, err := os.ReadFile(path)
	return b, noop, err
}
