package store

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrInvalidText is returned for text that a database cannot hold alike:
// PostgreSQL refuses NUL bytes and invalid UTF-8 in text columns, which
// SQLite would store. Both backends refuse them, so that they behave the
// same; lookups by such text find nothing (ErrNotFound).
var ErrInvalidText = fmt.Errorf("invalid text: %w", ErrInvalid)

// checkText returns ErrInvalidText, naming the field and the byte offset,
// for the first value that holds a NUL byte or invalid UTF-8.
func checkText(fields ...string) error {
	for i := 0; i+1 < len(fields); i += 2 {
		name, v := fields[i], fields[i+1]
		if at := strings.IndexByte(v, 0); at >= 0 {
			return fmt.Errorf("%s: NUL byte at offset %d: %w", name, at, ErrInvalidText)
		}
		if !utf8.ValidString(v) {
			at := 0
			for at < len(v) {
				r, n := utf8.DecodeRuneInString(v[at:])
				if r == utf8.RuneError && n == 1 {
					break
				}
				at += n
			}
			return fmt.Errorf("%s: invalid UTF-8 at offset %d: %w", name, at, ErrInvalidText)
		}
	}
	return nil
}

// storable is text made fit to store where it is only metadata (a
// browser's User-Agent): invalid bytes and NULs are replaced.
func storable(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}
