// Package arxiv knows the shapes of arXiv's own data: paper identifiers,
// category names and the dates of the announcement schedule.
package arxiv

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ID is a parsed arXiv identifier. Base is the versionless, normalised form
// ("2401.12345", "hep-th/9901001"); Version is 0 when the input named none.
type ID struct {
	Base    string
	Version int
}

// String returns the identifier with its version, if any ("2401.12345v3").
func (id ID) String() string {
	if id.Version == 0 {
		return id.Base
	}
	return id.Base + "v" + strconv.Itoa(id.Version)
}

// IsOldStyle reports whether the id is of the pre-2007 "archive/YYMMNNN" form.
func (id ID) IsOldStyle() bool { return strings.Contains(id.Base, "/") }

// ErrInvalidID is wrapped by every ParseID error.
var ErrInvalidID = errors.New("invalid arXiv id")

// ParseID parses an arXiv identifier in any form people paste: new style
// ("2401.12345", "0704.0001", "2401.12345v3"), old style ("hep-th/9901001",
// "math.AG/0601001v2", the subject class being dropped as arXiv does), with an
// "arXiv:" prefix, or as an abs/pdf URL ("https://arxiv.org/abs/2401.12345v2",
// ".../pdf/2401.12345v2.pdf").
func ParseID(s string) (ID, error) {
	raw := s
	s = strings.TrimSpace(s)
	s = stripURL(s)
	if len(s) >= 6 && strings.EqualFold(s[:6], "arxiv:") {
		s = s[6:]
	}
	if s == "" {
		return ID{}, fmt.Errorf("%w: empty", ErrInvalidID)
	}
	base, version, err := splitVersion(s)
	if err != nil {
		return ID{}, fmt.Errorf("%w %q: %v", ErrInvalidID, raw, err)
	}
	if i := strings.IndexByte(base, '/'); i >= 0 {
		base, err = parseOldStyle(base[:i], base[i+1:])
	} else {
		err = checkNewStyle(base)
	}
	if err != nil {
		return ID{}, fmt.Errorf("%w %q: %v", ErrInvalidID, raw, err)
	}
	return ID{Base: base, Version: version}, nil
}

// stripURL turns arxiv.org abs/pdf/html URLs into the id they name.
func stripURL(s string) string {
	lower := strings.ToLower(s)
	for _, scheme := range []string{"https://", "http://"} {
		lower = strings.TrimPrefix(lower, scheme)
	}
	lower = strings.TrimPrefix(lower, "www.")
	lower = strings.TrimPrefix(lower, "export.")
	if !strings.HasPrefix(lower, "arxiv.org/") {
		return s
	}
	// Keep the original case of the path: old-style subject classes are
	// upper-case ("math.AG").
	rest := s[len(s)-len(lower)+len("arxiv.org/"):]
	for _, kind := range []string{"abs/", "pdf/", "html/", "format/"} {
		if strings.HasPrefix(rest, kind) {
			rest = rest[len(kind):]
			rest = strings.TrimSuffix(rest, ".pdf")
			if i := strings.IndexAny(rest, "?#"); i >= 0 {
				rest = rest[:i]
			}
			return strings.TrimSuffix(rest, "/")
		}
	}
	return s
}

func splitVersion(s string) (string, int, error) {
	i := strings.LastIndexByte(s, 'v')
	if i < 0 || i < strings.LastIndexByte(s, '/') {
		return s, 0, nil
	}
	digits := s[i+1:]
	if digits == "" {
		return "", 0, errors.New("version has no number")
	}
	v, err := strconv.Atoi(digits)
	if err != nil || v < 1 || digits[0] == '0' {
		return "", 0, fmt.Errorf("bad version %q", s[i:])
	}
	return s[:i], v, nil
}

// checkNewStyle accepts YYMM.NNNN (2007-04 .. 2014-12) and YYMM.NNNNN (2015-).
func checkNewStyle(s string) error {
	dot := strings.IndexByte(s, '.')
	if dot != 4 || !allDigits(s[:4]) || !allDigits(s[5:]) {
		return errors.New("want YYMM.NNNNN or archive/YYMMNNN")
	}
	yy, mm := atoi2(s[0:2]), atoi2(s[2:4])
	if mm < 1 || mm > 12 {
		return fmt.Errorf("month %02d out of range", mm)
	}
	n := len(s) - 5
	switch {
	case yy < 7 || (yy == 7 && mm < 4):
		return errors.New("new-style ids start in 0704")
	case yy < 15 && n != 4:
		return fmt.Errorf("ids before 1501 have 4 digits after the dot, got %d", n)
	case yy >= 15 && n != 5:
		return fmt.Errorf("ids from 1501 on have 5 digits after the dot, got %d", n)
	}
	return nil
}

// parseOldStyle validates "archive[.SC]/YYMMNNN" and drops the subject class,
// which arXiv itself ignores when resolving ids.
func parseOldStyle(archive, number string) (string, error) {
	if i := strings.IndexByte(archive, '.'); i >= 0 {
		sc := archive[i+1:]
		if len(sc) != 2 || strings.ToUpper(sc) != sc {
			return "", fmt.Errorf("bad subject class %q", sc)
		}
		archive = archive[:i]
	}
	archive = strings.ToLower(archive)
	if !oldArchives[archive] {
		return "", fmt.Errorf("unknown archive %q", archive)
	}
	if len(number) != 7 || !allDigits(number) {
		return "", fmt.Errorf("want 7 digits after %q/, got %q", archive, number)
	}
	mm := atoi2(number[2:4])
	if mm < 1 || mm > 12 {
		return "", fmt.Errorf("month %02d out of range", mm)
	}
	return archive + "/" + number, nil
}

// oldArchives are the archives that issued old-style identifiers.
var oldArchives = map[string]bool{
	"acc-phys": true, "adap-org": true, "alg-geom": true, "ao-sci": true,
	"astro-ph": true, "atom-ph": true, "bayes-an": true, "chao-dyn": true,
	"chem-ph": true, "cmp-lg": true, "comp-gas": true, "cond-mat": true,
	"cs": true, "dg-ga": true, "funct-an": true, "gr-qc": true,
	"hep-ex": true, "hep-lat": true, "hep-ph": true, "hep-th": true,
	"math": true, "math-ph": true, "mtrl-th": true, "nlin": true,
	"nucl-ex": true, "nucl-th": true, "patt-sol": true, "physics": true,
	"plasm-ph": true, "q-alg": true, "q-bio": true, "quant-ph": true,
	"solv-int": true, "supr-con": true,
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func atoi2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }
