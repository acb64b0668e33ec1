package search

import (
	"strings"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/search/fusion"
)

func TestHybridKeepsLexicalFirstAndAddsSemantic(t *testing.T) {
	lex := []fusion.Scored{{ID: "a", Score: 12}, {ID: "b", Score: 6}, {ID: "c", Score: 5}}
	sem := []fusion.Scored{{ID: "d", Score: 0.9}, {ID: "a", Score: 0.8}, {ID: "e", Score: 0.2}}
	fused := func(f Fusion) string {
		var ids []string
		for _, r := range Fuse(f, lex, sem, 5) {
			ids = append(ids, r.ID)
		}
		return strings.Join(ids, " ")
	}
	// Convex, lexical at 0.6: a (0.6 + 0.4·6/7 ≈ 0.94), d (0.4, the
	// semantic top), b (0.6·1/7 ≈ 0.09), c and e (0): a clear lexical
	// winner stays first; a strong semantic match passes weak words.
	if got := fused(DefaultFusion); got != "a d b c e" {
		t.Errorf("default fusion %q", got)
	}
	// Lexical at 0.95: d falls behind b.
	if got := fused(Fusion{Alpha: 0.95}); got != "a b d c e" {
		t.Errorf("alpha 0.95 %q", got)
	}
	// Reciprocal ranks at half weight ignore the margins.
	if got := fused(Fusion{Method: FuseRRF, K: 60, Weight: 0.5}); got != "a b c d e" {
		t.Errorf("rrf %q", got)
	}
	if got := fused(Fusion{Method: FuseRRF, K: 60, Weight: 1}); got != "a d b c e" {
		t.Errorf("rrf equal weights %q", got)
	}
}
