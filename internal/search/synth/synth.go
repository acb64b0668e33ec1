// Package synth writes synthetic corpora whose statistics follow a real
// one, for 'paperboy gen-corpus' and for measuring the search engines at
// scales the real data does not reach. The server never imports it.
package synth

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/search/lexical"
)

// Options say how Generate writes synthetic documents.
type Options struct {
	Seed int64
	// Topical, when above 0, gives each document its source paper's topic:
	// that share of its words comes from the source's own title or
	// abstract, and the rest from the word frequencies of the papers of the
	// source's first category. At 0 all words come from the whole sample's
	// frequencies, so documents have no topics and no embedding of them
	// clusters: the worst case for a vector index.
	Topical float64
}

// Generate writes n synthetic documents to emit. It learns from sample the
// unigram frequencies of title and abstract words (so common words stay
// common and the vocabulary keeps its Zipf shape), the distributions of
// title, abstract and author-list lengths, author first and last names,
// category sets, dates and upvotes. Each document follows one sample paper
// (its source) in its lengths, categories and, as opts.Topical says, its
// words. A small share of words are new (recombined from two real words)
// so the vocabulary keeps growing with n as real corpora do. The output
// depends only on opts, sample and n.
func Generate(opts Options, sample []lexical.Document, n int, emit func(lexical.Document) error) error {
	if len(sample) == 0 {
		return errors.New("synth: generate: empty sample")
	}
	if opts.Topical < 0 || opts.Topical > 1 {
		return fmt.Errorf("synth: generate: topical share %g: want 0 to 1", opts.Topical)
	}
	m := learn(sample, opts.Topical > 0)
	m.topical = opts.Topical
	seed := opts.Seed
	rng := rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15))
	span := m.maxDay - m.minDay + 1
	var b strings.Builder
	for i := 0; i < n; i++ {
		src := &sample[rng.IntN(len(sample))]
		d := lexical.Document{ID: fmt.Sprintf("synth/%08d", i)}
		title, abstract := strings.Fields(src.Title), strings.Fields(src.Abstract)
		tv, av := m.title, m.abstract
		if c := m.byCategory[firstCategory(src)]; c != nil {
			tv, av = c.title, c.abstract
		}
		d.Title = tv.text(rng, &b, max(1, len(title)), title, m)
		d.Abstract = av.text(rng, &b, max(1, len(abstract)), abstract, m)
		for range len(src.Authors) {
			d.Authors = append(d.Authors, m.first.pick(rng)+" "+m.last.pick(rng))
		}
		d.Categories = src.Categories
		d.Date = fromDays(m.minDay + int32(rng.Int64N(int64(span))))
		d.Upvotes = sample[rng.IntN(len(sample))].Upvotes
		if err := emit(d); err != nil {
			return err
		}
	}
	return nil
}

type synthModel struct {
	topical         float64
	title, abstract *vocab
	// byCategory holds the title and abstract words of each first
	// category, for topical documents.
	byCategory     map[string]*fieldVocabs
	first, last    *vocab
	minDay, maxDay int32
}

type fieldVocabs struct{ title, abstract *vocab }

func firstCategory(d *lexical.Document) string {
	if len(d.Categories) == 0 {
		return ""
	}
	return d.Categories[0]
}

func learn(sample []lexical.Document, byCategory bool) *synthModel {
	tc, ac, fc, lc := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	m := &synthModel{minDay: 1 << 30, maxDay: -1 << 30}
	type counts struct{ title, abstract map[string]int }
	cats := map[string]*counts{} // by first category, when byCategory
	for i := range sample {
		d := &sample[i]
		var c *counts
		if byCategory {
			cat := firstCategory(d)
			if c = cats[cat]; c == nil {
				c = &counts{map[string]int{}, map[string]int{}}
				cats[cat] = c
			}
		}
		for _, w := range strings.Fields(d.Title) {
			tc[w]++
			if c != nil {
				c.title[w]++
			}
		}
		for _, w := range strings.Fields(d.Abstract) {
			ac[w]++
			if c != nil {
				c.abstract[w]++
			}
		}
		for _, a := range d.Authors {
			f := strings.Fields(a)
			if len(f) == 0 {
				continue
			}
			lc[f[len(f)-1]]++
			if len(f) > 1 {
				fc[strings.Join(f[:len(f)-1], " ")]++
			}
		}
		if !d.Date.IsZero() {
			day := toDays(d.Date)
			m.minDay, m.maxDay = min(m.minDay, day), max(m.maxDay, day)
		}
	}
	if m.minDay > m.maxDay {
		m.minDay = toDays(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
		m.maxDay = m.minDay + 365
	}
	if len(fc) == 0 {
		fc["A."] = 1
	}
	if len(lc) == 0 {
		lc["Author"] = 1
	}
	if len(tc) == 0 {
		tc["paper"] = 1
	}
	if len(ac) == 0 {
		ac["paper"] = 1
	}
	m.title, m.abstract, m.first, m.last = newVocab(tc), newVocab(ac), newVocab(fc), newVocab(lc)
	if byCategory {
		m.byCategory = make(map[string]*fieldVocabs, len(cats))
		for cat, c := range cats {
			if len(c.title) == 0 || len(c.abstract) == 0 {
				continue // such papers fall back to the whole sample's words
			}
			m.byCategory[cat] = &fieldVocabs{newVocab(c.title), newVocab(c.abstract)}
		}
	}
	return m
}

// vocab samples words by frequency with Walker's alias method (O(1) a draw).
type vocab struct {
	words []string
	prob  []float64
	alias []int32
}

func newVocab(counts map[string]int) *vocab {
	v := &vocab{}
	for w := range counts {
		v.words = append(v.words, w)
	}
	// Sorted so the model does not depend on map order.
	slices.Sort(v.words)
	n := len(v.words)
	total := 0
	for _, w := range v.words {
		total += counts[w]
	}
	v.prob = make([]float64, n)
	v.alias = make([]int32, n)
	scaled := make([]float64, n)
	var small, large []int32
	for i, w := range v.words {
		scaled[i] = float64(counts[w]) * float64(n) / float64(total)
		if scaled[i] < 1 {
			small = append(small, int32(i))
		} else {
			large = append(large, int32(i))
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		v.prob[s], v.alias[s] = scaled[s], l
		scaled[l] -= 1 - scaled[s]
		if scaled[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	for _, i := range append(small, large...) {
		v.prob[i], v.alias[i] = 1, i
	}
	return v
}

func (v *vocab) pick(rng *rand.Rand) string {
	i := rng.IntN(len(v.words))
	if rng.Float64() < v.prob[i] {
		return v.words[i]
	}
	return v.words[v.alias[i]]
}

// novelRate is the share of generated words that are new coinages.
const novelRate = 0.003

// text writes words drawn from v, or from source at the model's topical
// share.
func (v *vocab) text(rng *rand.Rand, b *strings.Builder, words int, source []string, m *synthModel) string {
	b.Reset()
	for i := 0; i < words; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		var w string
		if m.topical > 0 && len(source) > 0 && rng.Float64() < m.topical {
			w = source[rng.IntN(len(source))]
		} else {
			w = v.pick(rng)
		}
		if rng.Float64() < novelRate {
			// A coinage: the head of one word and the tail of another.
			x := m.abstract.pick(rng)
			w = strings.ToValidUTF8(w[:(len(w)+1)/2]+x[len(x)/2:], "")
		}
		b.WriteString(w)
	}
	return b.String()
}

// toDays and fromDays count whole days since the Unix epoch, as the index
// stores dates.
func toDays(t time.Time) int32 {
	if t.IsZero() {
		return 0
	}
	return int32(t.Unix() / 86400)
}

func fromDays(d int32) time.Time { return time.Unix(int64(d)*86400, 0).UTC() }
