package arxiv

import (
	"fmt"
	"strconv"
	"strings"
)

// VersionEntry is one entry of a paper's version list as arXiv's metadata
// writes it: in the OAI arXivRaw format (XML) and in the Kaggle dump made
// from it (JSON).
type VersionEntry struct {
	Label string `json:"version" xml:"version,attr"` // "v2"
	Date  string `json:"created" xml:"date"`         // "Mon, 2 Apr 2007 19:18:42 GMT"
}

// ParseVersion reads a version label, "v2", as its number. The "v" may be
// missing: arXivRaw's schema does not require it.
func ParseVersion(label string) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(label), "v"))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("bad version %q", label)
	}
	return n, nil
}
