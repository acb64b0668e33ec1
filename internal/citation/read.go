package citation

import (
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"
)

// readAll reads a whole file, refusing one over MaxFileBytes and one that
// is not UTF-8 text (a binary file, or a legacy Latin-1 export that would
// import as mojibake). A byte-order mark is dropped.
func readAll(r io.Reader) (string, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return "", fmt.Errorf("citation: read file: %w", err)
	}
	if len(data) > MaxFileBytes {
		return "", tooLarge("the file is larger than %d MB", MaxFileBytes>>20)
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return "", syntaxError(1+bytes.Count(data[:i], []byte("\n")), "a NUL byte: this is not a text file")
	}
	if !utf8.Valid(data) {
		at := 0
		for at < len(data) {
			r, n := utf8.DecodeRune(data[at:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			at += n
		}
		return "", syntaxError(1+bytes.Count(data[:at], []byte("\n")), "not UTF-8 text: save the file as UTF-8")
	}
	return string(data), nil
}
