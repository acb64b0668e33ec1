package lexical

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestCorrections(t *testing.T) {
	var docs []Document
	for i := range 6 {
		docs = append(docs, Document{ID: fmt.Sprintf("2501.%05d", i), Title: "Attention for transformers", Abstract: "Gaussian splatting renders scenes."})
		// "gaus" is "gausian" less a suffix, but "gaussian" is nearer.
		docs = append(docs, Document{ID: fmt.Sprintf("2502.%05d", i), Title: "GAUS, a system", Abstract: "gaus gaus"})
	}
	docs = append(docs, Document{ID: "2501.00099", Title: "Attentoin, a typo in one paper", Abstract: "splattign"})
	ix := newTestIndex(t, docs)
	for query, want := range map[string]string{
		"zzqxjvbnonexistentword":        "",
		"attentoin":                     "", // one paper holds the typo: it is a word here
		"gausian splating":              "gausian:gaussian,gaus splating:splat",
		"transfomers":                   "transfomers:transform",
		"attention":                     "",
		`"gausian" au:gausian -gausian`: "",
	} {
		got := ""
		for _, c := range ix.Corrections(query) {
			if got != "" {
				got += " "
			}
			got += c.Word + ":" + strings.Join(c.Terms, ",")
		}
		if got != want {
			t.Errorf("Corrections(%q) = %q, want %q", query, got, want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b  string
		limit int
		want  int
	}{
		{"atention", "attention", 2, 1}, {"kitten", "sitting", 5, 3}, {"kitten", "sitting", 2, 3},
		{"", "abc", 5, 3}, {"gaußian", "gaussian", 5, 2}, {"naïve", "naive", 2, 1}, {"same", "same", 0, 0},
	} {
		if got := EditDistance(c.a, c.b, c.limit); got != c.want {
			t.Errorf("EditDistance(%q, %q, %d) = %d, want %d", c.a, c.b, c.limit, got, c.want)
		}
	}
}

// The rune masks that rule terms out before their edit distance is
// measured never rule out a term within the distance: checked on random
// strings and random edits of them, non-ASCII runes included.
func TestRuneMaskNeverRulesOutANearTerm(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	alphabet := []rune("abcdefghijklmnopqrstuvwxyz0123456789éüßπ-")
	word := func(n int) []rune {
		w := make([]rune, n)
		for i := range w {
			w[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return w
	}
	for range 20000 {
		a := word(2 + rng.IntN(10))
		b := append([]rune(nil), a...)
		for range rng.IntN(3) {
			switch i := rng.IntN(len(b) + 1); rng.IntN(3) {
			case 0:
				b = append(b[:i], append([]rune{alphabet[rng.IntN(len(alphabet))]}, b[i:]...)...)
			case 1:
				if i < len(b) {
					b = append(b[:i], b[i+1:]...)
				}
			default:
				if i < len(b) {
					b[i] = alphabet[rng.IntN(len(alphabet))]
				}
			}
		}
		d := EditDistance(string(a), string(b), 3)
		ma, mb := runeMask(string(a)), runeMask(string(b))
		if bits.OnesCount64(ma&^mb) > d || bits.OnesCount64(mb&^ma) > d {
			t.Fatalf("%q and %q: distance %d, masks differ by %d and %d", string(a), string(b), d, bits.OnesCount64(ma&^mb), bits.OnesCount64(mb&^ma))
		}
	}
}
