package topicmap

import (
	"math"
	"slices"
	"strings"

	"github.com/viterin/vek/vek32"
)

// PhraseModel embeds short texts and knows how informative a word is
// (embed.Model).
type PhraseModel interface {
	EmbedText(text string) []float32
	IDF(term string) (float32, bool)
}

// MaxKeyphrases is the most phrases Keyphrases returns.
const MaxKeyphrases = 10

type kpCand struct {
	phrase
	count   int
	inTitle bool
	score   float64
}

// Keyphrases returns up to n phrases (1-4 content words, as written) that
// say what a paper is about, best first: candidates are the runs of
// content words of its title and abstract (split at punctuation and
// function words, LaTeX reduced to text), scored by their embedding's
// similarity to the paper's (vec, KeyBERT's idea with the corpus model),
// how informative their words are (idf), how often the paper says them,
// and whether the title does; phrases sharing most stems with a better
// one are left out, and a single word pays a small penalty. The weights
// were chosen on 'paperboy eval topics' (three settings tried; see
// doc.go).
func Keyphrases(m PhraseModel, title, abstract string, vec []float32, n int) []string {
	cands := gather(title, abstract, 1, 4)
	if len(cands) == 0 {
		return nil
	}
	if vec == nil {
		vec = m.EmbedText(title + " \n " + title + " \n " + abstract)
	}
	maxIDF := 0.0
	idfs := make([]float64, len(cands))
	for i := range cands {
		idfs[i] = meanIDF(m, cands[i].key)
		maxIDF = max(maxIDF, idfs[i])
	}
	for i := range cands {
		c := &cands[i]
		pv := m.EmbedText(c.surface)
		sim := float64(vek32.Dot(pv, vec))
		inf := idfs[i] / max(maxIDF, 1e-9)
		s := sim + 0.35*inf + 0.15*math.Log1p(float64(c.count))
		if c.inTitle {
			s += 0.3
		}
		switch c.n {
		case 1:
			s -= 0.1
		case 2, 3:
			s += 0.05
		}
		c.score = s
	}
	return pick(cands, n)
}

// BaselineKeyphrases is the tf-idf baseline: the phrases of 1-3 words
// with the highest count × summed idf of their words.
func BaselineKeyphrases(m PhraseModel, title, abstract string, n int) []string {
	cands := gather(title, abstract, 1, 3)
	for i := range cands {
		c := &cands[i]
		c.score = float64(c.count) * meanIDF(m, c.key) * float64(c.n)
	}
	return pick(cands, n)
}

// gather collects the distinct candidates of a paper with their counts.
func gather(title, abstract string, minN, maxN int) []kpCand {
	at := map[string]int{}
	var cands []kpCand
	add := func(text string, inTitle bool) {
		for _, p := range candidates(text, minN, maxN) {
			if i, ok := at[p.key]; ok {
				cands[i].count++
				cands[i].inTitle = cands[i].inTitle || inTitle
				continue
			}
			at[p.key] = len(cands)
			cands = append(cands, kpCand{phrase: p, count: 1, inTitle: inTitle})
		}
	}
	add(title, true)
	add(abstract, false)
	return cands
}

// meanIDF is the mean idf of a phrase's words (a hyphenated word's
// parts); a word the model does not know is rare, and counts as the
// rarest word it knows would (12).
func meanIDF(m PhraseModel, key string) float64 {
	var sum float64
	n := 0
	for _, st := range strings.Fields(key) {
		for _, part := range strings.Split(st, "-") {
			if part == "" {
				continue
			}
			idf, ok := m.IDF(part)
			if !ok {
				idf = 12
			}
			sum += float64(idf)
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// pick returns the n best-scored candidates' surfaces, near-duplicates
// left out.
func pick(cands []kpCand, n int) []string {
	slices.SortStableFunc(cands, func(a, b kpCand) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return a.pos - b.pos
	})
	var keys, out []string
	for _, c := range cands {
		if len(out) == n {
			break
		}
		dup := false
		for _, k := range keys {
			if overlaps(k, c.key) {
				dup = true
				break
			}
		}
		if !dup {
			keys = append(keys, c.key)
			out = append(out, c.surface)
		}
	}
	return out
}
