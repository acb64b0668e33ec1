package synth

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode"

	"github.com/paperboy-dev/paperboy/internal/search/lexical"
)

// Sentences writes n synthetic documents made of the sample's real
// sentences, recombined: each document follows one sample paper (its
// source) in its categories and number of sentences, and each of its
// abstract's sentences is a real sentence of another paper, from the
// source's first category with probability topical and from the whole
// sample otherwise. Titles join the first half of one real title to the
// second half of another; authors are real names of random papers. Unlike
// Generate's word salad the text reads like papers (real phrases, real
// co-occurrence inside a sentence), but at topical 0 its topics are mixed
// across sentences, so embeddings of it cluster poorly: the hard case for a
// vector index that the scale benchmark measures. The output depends only
// on seed, topical, sample and n.
func Sentences(seed int64, topical float64, sample []lexical.Document, n int, emit func(lexical.Document) error) error {
	if len(sample) == 0 {
		return errors.New("synth: sentences: empty sample")
	}
	if topical < 0 || topical > 1 {
		return fmt.Errorf("synth: sentences: topical share %g: want 0 to 1", topical)
	}
	var all []string
	byCat := map[string][]int32{}
	counts := make([]int, len(sample))
	var minDay, maxDay int32 = 1 << 30, -1 << 30
	for i := range sample {
		d := &sample[i]
		c := firstCategory(d)
		for _, s := range splitSentences(d.Abstract) {
			byCat[c] = append(byCat[c], int32(len(all)))
			all = append(all, s)
			counts[i]++
		}
		day := int32(d.Date.Unix() / 86400)
		minDay, maxDay = min(minDay, day), max(maxDay, day)
	}
	if len(all) == 0 {
		return errors.New("synth: sentences: the sample has no abstracts")
	}
	rng := rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x6a09e667f3bcc909))
	var b strings.Builder
	for i := 0; i < n; i++ {
		si := rng.IntN(len(sample))
		src := &sample[si]
		pool := byCat[firstCategory(src)]
		d := lexical.Document{ID: fmt.Sprintf("synth/%08d", i), Categories: src.Categories}
		t1 := strings.Fields(src.Title)
		t2 := strings.Fields(sample[rng.IntN(len(sample))].Title)
		d.Title = strings.Join(append(t1[:(len(t1)+1)/2:(len(t1)+1)/2], t2[len(t2)/2:]...), " ")
		b.Reset()
		for k := range max(1, counts[si]) {
			var s string
			if len(pool) > 0 && rng.Float64() < topical {
				s = all[pool[rng.IntN(len(pool))]]
			} else {
				s = all[rng.IntN(len(all))]
			}
			if k > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(s)
		}
		d.Abstract = b.String()
		for range len(src.Authors) {
			au := sample[rng.IntN(len(sample))].Authors
			if len(au) > 0 {
				d.Authors = append(d.Authors, au[rng.IntN(len(au))])
			}
		}
		d.Date = fromDays(minDay + int32(rng.Int64N(int64(maxDay-minDay+1))))
		d.Upvotes = sample[rng.IntN(len(sample))].Upvotes
		if err := emit(d); err != nil {
			return err
		}
	}
	return nil
}

// splitSentences cuts an abstract after '.', '?' or '!' followed by a
// space and an upper-case letter (so "e.g. the" and "3.5 times" stay).
func splitSentences(text string) []string {
	var out []string
	rs := []rune(strings.Join(strings.Fields(text), " "))
	start := 0
	for i := 0; i+2 < len(rs); i++ {
		if (rs[i] == '.' || rs[i] == '?' || rs[i] == '!') && rs[i+1] == ' ' && unicode.IsUpper(rs[i+2]) {
			out = append(out, string(rs[start:i+1]))
			start = i + 2
		}
	}
	if start < len(rs) {
		out = append(out, string(rs[start:]))
	}
	return out
}
