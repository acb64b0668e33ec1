//go:build !unix

package lexical

import "os"

// mapFile reads the file: this platform's build does not map files.
func mapFile(path string) ([]byte, bool, error) {
	b, err := os.ReadFile(path)
	return b, false, err
}

func unmapFile([]byte) {}
