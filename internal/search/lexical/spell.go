package lexical

import (
	"bytes"
	"cmp"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// Correction is a word of a query that no paper holds, and the indexed
// terms nearest to it in spelling.
type Correction struct {
	Word string // as typed
	// Terms are index terms (stems), each held by enough papers
	// (minSpellDF, minSpellShare), the likeliest first: at most maxCandidates.
	Terms []string
}

// maxCandidates is how many terms a Correction offers: the caller, who
// can see how papers write each, chooses among them.
const maxCandidates = 6

// minSpellDF and minSpellShare say how many papers must hold a term for
// it to be suggested: at least 2, and at least one in 10,000 (8 of the 80k
// real papers). Rarer terms are as likely to be typos themselves: four of
// the real papers write "transfomer".
const (
	minSpellDF    = 2
	minSpellShare = 1e-4
)

// Corrections returns, for each plain word of query that no paper holds,
// the index term nearest to it, and of those the most frequent. Terms are
// stems, and a misspelt word keeps its suffix ("attentoin" stems to
// itself, "attention" to "attent"), so a term is near when it is within
// edit distance 2 (1 for words of up to 4 letters) of the word's stem, or,
// failing that, of the word without a suffix of up to 3 letters. Words with no near
// term have no correction. The first call on a snapshot reads the whole
// term dictionary (later ones the list of frequent terms it keeps), so it
// is meant for queries that found nothing.
func (ix *Index) Corrections(query string) []Correction {
	sn := ix.snap.Load()
	a := analyzers.Get().(*analyzer)
	defer analyzers.Put(a)
	var out []Correction
	for _, w := range strings.Fields(query) {
		if strings.ContainsAny(w, `:"`) || strings.HasPrefix(w, "-") {
			continue // fields, phrases and exclusions are the reader's exact choice
		}
		var terms []string
		a.text(w, 0, func(t string, _ int, joined bool) {
			if !joined {
				terms = append(terms, t)
			}
		})
		if len(terms) != 1 || sn.df(terms[0]) > 0 {
			continue
		}
		if ts := sn.nearestTerms(terms[0], strings.ToLower(w)); len(ts) > 0 {
			out = append(out, Correction{Word: w, Terms: ts})
		}
	}
	return out
}

// df is the number of papers holding term t (deleted ones included).
func (sn *snapshot) df(t string) int {
	n := 0
	for _, v := range sn.segs {
		if i := v.seg.lookup(t); i >= 0 {
			n += int(v.seg.termDF[i])
		}
	}
	return n
}

// nearestTerms returns the terms of enough papers near stem
// and then those near word without a short suffix (see Corrections), each
// list nearest first and then most frequent, at most maxCandidates in all.
// Stripping a suffix is the weaker guess ("gausian" less "ian" is the
// term "gaus", while "gaussian" is one letter from its stem), so its
// terms come second.
func (sn *snapshot) nearestTerms(stem, word string) []string {
	limit := 2
	if len([]rune(stem)) <= 4 {
		limit = 1
	}
	minDF := max(minSpellDF, int(minSpellShare*float64(sn.live())))
	near := func(n int) bool { return n-len(stem) <= limit && len(stem)-n <= limit }
	stemMask := runeMask(stem)
	nearMask := func(m uint64) bool {
		return bits.OnesCount64(m&^stemMask) <= limit && bits.OnesCount64(stemMask&^m) <= limit
	}
	out := sn.nearest(limit, minDF, near, nearMask, func(term string) int { return EditDistance(stem, term, limit) })
	// The word less a suffix of 1 to maxSuffix bytes is this long.
	short, long := len(word)-maxSuffix-limit, len(word)-1+limit
	nearCut := func(n int) bool { return n >= short && n <= long }
	// A prefix of word has no rune word lacks.
	wordMask := runeMask(word)
	if !isASCII(word) {
		wordMask |= runeMask(string(utf8.RuneError)) // a cut inside a rune reads as one
	}
	// and holds every rune of word less maxSuffix bytes (when those
	// bytes are whole runes).
	var headMask uint64
	if isASCII(word) && len(word) > maxSuffix {
		headMask = runeMask(word[:len(word)-maxSuffix])
	}
	cutMask := func(m uint64) bool {
		return bits.OnesCount64(m&^wordMask) <= limit && bits.OnesCount64(headMask&^m) <= limit
	}
	for _, t := range sn.nearest(limit, minDF, nearCut, cutMask, func(term string) int {
		d := limit + 1
		for cut := 1; cut <= maxSuffix && len(word)-cut >= len(term)-limit; cut++ {
			if n := len(term) - (len(word) - cut); n <= limit && -n <= limit {
				d = min(d, EditDistance(word[:len(word)-cut], term, limit))
			}
		}
		return d
	}) {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out[:min(len(out), maxCandidates)]
}

// nearest returns the terms of at least minDF papers, 4 letters or more,
// at distance at most limit, nearest first and then most frequent;
// length rules terms out by their length in bytes, and mask by their
// runeMask, before distance measures them: both only rule out terms
// that are too far, and the mask rules out nearly all of the rest of the
// dictionary, which measuring made the slowest part of a search at 200k
// papers (most queries with an unknown name).
func (sn *snapshot) nearest(limit, minDF int, length func(int) bool, mask func(uint64) bool, distance func(string) int) []string {
	dist := map[string]int{}
	df := map[string]int{}
	sp := sn.spellTerms(minDF)
	for i, term := range sp.terms {
		if !length(len(term)) || !mask(sp.masks[i]) {
			continue
		}
		if d := distance(term); d <= limit {
			dist[term], df[term] = d, sp.df[i]
		}
	}
	out := make([]string, 0, len(dist))
	for term := range dist {
		out = append(out, term)
	}
	slices.SortFunc(out, func(a, b string) int {
		return cmp.Or(cmp.Compare(dist[a], dist[b]), cmp.Compare(df[b], df[a]), cmp.Compare(a, b))
	})
	return out[:min(len(out), maxCandidates)]
}

// spellList is what spelling corrections choose from: the terms of at
// least minDF papers, 4 bytes or more, not field terms, with their
// document frequencies.
type spellList struct {
	minDF int
	terms []string
	df    []int
	masks []uint64 // runeMask of each term
}

// runeMask is the set of runes of s, each rune mapped to one of 64 bits.
// An edit changes one rune, so a string within edit distance k of s lacks
// at most k of the runes s has, and their bits: strings whose masks
// differ by more are farther (a rune whose bit another rune shares only
// hides a difference).
func runeMask(s string) uint64 {
	var m uint64
	for _, r := range s {
		var b uint
		switch {
		case r >= 'a' && r <= 'z':
			b = uint(r - 'a')
		case r >= '0' && r <= '9':
			b = 26 + uint(r-'0')
		default:
			b = 36 + uint(r)%28
		}
		m |= 1 << b
	}
	return m
}

// spellTerms returns the snapshot's spell list, made once per snapshot
// (and minDF): measuring the edit distance of every term of the
// dictionary for each unknown word took over half the CPU of a search
// server at a million papers; most terms are too rare to be suggested.
func (sn *snapshot) spellTerms(minDF int) *spellList {
	if sp := sn.spell.Load(); sp != nil && sp.minDF == minDF {
		return sp
	}
	total := map[string]int{}
	for _, v := range sn.segs {
		s := v.seg
		for i := range s.numTerms() {
			b := s.term(i)
			if len(b) < 4 || bytes.IndexByte(b, ':') >= 0 {
				continue
			}
			total[string(b)] += int(s.termDF[i])
		}
	}
	sp := &spellList{minDF: minDF}
	for t, n := range total {
		if n >= minDF {
			sp.terms = append(sp.terms, t)
		}
	}
	slices.Sort(sp.terms)
	sp.df = make([]int, len(sp.terms))
	sp.masks = make([]uint64, len(sp.terms))
	for i, t := range sp.terms {
		sp.df[i] = total[t]
		sp.masks[i] = runeMask(t)
	}
	sn.spell.Store(sp)
	return sp
}

// maxSuffix is the longest suffix a misspelt word may keep beyond its stem.
const maxSuffix = 3

// EditDistance is the Levenshtein distance of a and b in runes, or
// limit+1 once it must exceed limit.
func EditDistance(a, b string, limit int) int {
	if len(a) < 64 && len(b) < 64 && isASCII(a) && isASCII(b) {
		return asciiDistance(a, b, limit)
	}
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return min(prev[len(rb)], limit+1)
}

// Completions returns up to n index terms that complete prefix (or that
// prefix runs past: terms are stems, so "splatti" is completed by
// "splat"), the most frequent first. prefix is lower case and folded
// (Fold). Field terms (au:, cat:) are not completions.
func (ix *Index) Completions(prefix string, n int) []string {
	if prefix == "" || n <= 0 {
		return nil
	}
	sn := ix.snap.Load()
	df := map[string]int{}
	for _, v := range sn.segs {
		s := v.seg
		// Terms that start with prefix are a run of the sorted dictionary.
		i := sort.Search(s.numTerms(), func(i int) bool { return string(s.term(i)) >= prefix })
		for ; i < s.numTerms() && strings.HasPrefix(string(s.term(i)), prefix); i++ {
			df[string(s.term(i))] += int(s.termDF[i])
		}
		// Stems that prefix runs past, at least 4 letters long.
		for l := 4; l < len(prefix); l++ {
			if j := s.lookup(prefix[:l]); j >= 0 {
				df[prefix[:l]] += int(s.termDF[j])
			}
		}
	}
	terms := make([]string, 0, len(df))
	for t := range df {
		if !strings.Contains(t, ":") {
			terms = append(terms, t)
		}
	}
	sort.Slice(terms, func(a, b int) bool {
		if df[terms[a]] != df[terms[b]] {
			return df[terms[a]] > df[terms[b]]
		}
		return terms[a] < terms[b]
	})
	return terms[:min(n, len(terms))]
}

// asciiDistance is EditDistance for short ASCII strings, without
// allocating: spelling corrections measure it for thousands of terms.
func asciiDistance(a, b string, limit int) int {
	var rows [2][64]int
	prev, cur := &rows[0], &rows[1]
	for j := 0; j <= len(b); j++ {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], limit+1)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
