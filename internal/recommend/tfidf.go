package recommend

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// TfidfOptions are a tf-idf vectorizer's settings, named after
// scikit-learn's TfidfVectorizer, which the defaults follow in arxiv-sanity-lite's
// configuration.
type TfidfOptions struct {
	StopWords   map[string]bool // dropped before n-grams are formed
	MaxN        int             // n-grams of 1 to MaxN words
	MaxFeatures int             // the most frequent terms kept (by total count)
	MinDF       int             // terms in fewer papers are dropped
	MaxDF       float64         // terms in more than this share of papers are dropped
	Sublinear   bool            // tf is 1 + ln(count)
}

// SanityTfidf is arxiv-sanity-lite's vectorizer: TfidfVectorizer(strip_accents
// 'unicode', lowercase, English stop words, token_pattern
// (?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b, ngram_range (1,2), max_features 20000,
// norm l2, sublinear_tf, max_df 0.1, min_df 5).
func SanityTfidf() TfidfOptions {
	return TfidfOptions{StopWords: EnglishStopWords(), MaxN: 2, MaxFeatures: 20000, MinDF: 5, MaxDF: 0.1, Sublinear: true}
}

// Tfidf maps texts to L2-normalised sparse tf-idf vectors over a
// vocabulary fitted on a corpus.
type Tfidf struct {
	opts  TfidfOptions
	vocab map[string]int32
	idf   []float32
}

// Terms is the vocabulary's size.
func (t *Tfidf) Terms() int { return len(t.idf) }

// FitTfidf fits the vocabulary and the smoothed idf, ln((1+n)/(1+df))+1, on
// texts and returns the vectorizer and the texts' vectors, one row each.
func FitTfidf(texts []string, opts TfidfOptions) (*Tfidf, *Matrix) {
	// One tokenising pass: every distinct term gets a provisional id and
	// each text keeps its terms' ids for building its vector afterwards.
	ids := map[string]int32{}
	var names []string
	var df, tf, lastDoc []int32
	docTerms := make([][]int32, len(texts))
	for d, text := range texts {
		var terms []int32
		eachTermBytes(text, opts, func(term []byte) {
			id, ok := ids[string(term)]
			if !ok {
				id = int32(len(names))
				name := string(term)
				ids[name] = id
				names = append(names, name)
				df, tf, lastDoc = append(df, 0), append(tf, 0), append(lastDoc, -1)
			}
			tf[id]++
			if lastDoc[id] != int32(d) {
				lastDoc[id] = int32(d)
				df[id]++
			}
			terms = append(terms, id)
		})
		docTerms[d] = terms
	}
	maxDocs := opts.MaxDF * float64(len(texts))
	var kept []int32
	for id := range names {
		if int(df[id]) >= opts.MinDF && float64(df[id]) <= maxDocs {
			kept = append(kept, int32(id))
		}
	}
	// The most frequent first; scikit-learn breaks ties unpredictably,
	// here alphabetically.
	slices.SortFunc(kept, func(a, b int32) int {
		if c := cmp.Compare(tf[b], tf[a]); c != 0 {
			return c
		}
		return strings.Compare(names[a], names[b])
	})
	if opts.MaxFeatures > 0 && len(kept) > opts.MaxFeatures {
		kept = kept[:opts.MaxFeatures]
	}
	slices.SortFunc(kept, func(a, b int32) int { return strings.Compare(names[a], names[b]) })
	t := &Tfidf{opts: opts, vocab: make(map[string]int32, len(kept)), idf: make([]float32, len(kept))}
	col := make([]int32, len(names))
	for i := range col {
		col[i] = -1
	}
	n := float64(len(texts))
	for c, id := range kept {
		col[id] = int32(c)
		t.vocab[names[id]] = int32(c)
		t.idf[c] = float32(math.Log((1+n)/(1+float64(df[id]))) + 1)
	}
	m := &Matrix{Cols: len(kept), Ptr: make([]int64, 1, len(texts)+1)}
	var cols []int32
	for d, terms := range docTerms {
		cols = cols[:0]
		for _, id := range terms {
			if c := col[id]; c >= 0 {
				cols = append(cols, c)
			}
		}
		m.appendSparse(t.weigh(cols))
		docTerms[d] = nil
	}
	return t, m
}

// Sparse is a sparse vector: ascending indices and their values.
type Sparse struct {
	Idx []int32
	Val []float32
}

// Vector is text's L2-normalised tf-idf vector.
func (t *Tfidf) Vector(text string) Sparse {
	var cols []int32
	eachTermBytes(text, t.opts, func(term []byte) {
		if i, ok := t.vocab[string(term)]; ok {
			cols = append(cols, i)
		}
	})
	return t.weigh(cols)
}

// weigh turns a text's term columns, repeated as often as they occur,
// into its normalised tf-idf vector.
func (t *Tfidf) weigh(cols []int32) Sparse {
	slices.Sort(cols)
	var v Sparse
	var norm2 float64
	for k := 0; k < len(cols); {
		c, n := cols[k], 0
		for k < len(cols) && cols[k] == c {
			k++
			n++
		}
		tf := float64(n)
		if t.opts.Sublinear {
			tf = 1 + math.Log(tf)
		}
		w := tf * float64(t.idf[c])
		norm2 += w * w
		v.Idx = append(v.Idx, c)
		v.Val = append(v.Val, float32(w))
	}
	if norm2 > 0 {
		inv := float32(1 / math.Sqrt(norm2))
		for k := range v.Val {
			v.Val[k] *= inv
		}
	}
	return v
}

// eachTermBytes calls fn with text's n-grams as scikit-learn's word analyzer
// makes them: lower-cased, accents stripped (NFKD without combining
// marks), tokens matched by (?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b, stop words
// dropped, then n-grams of the remaining tokens joined by a space.
func eachTermBytes(text string, opts TfidfOptions, fn func([]byte)) {
	text = stripAccents(strings.ToLower(text))
	var tokens []string
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		tok := text[start:end]
		start = -1
		if len(tok) < 2 || opts.StopWords[tok] {
			return
		}
		c := tok[0]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return
		}
		for k := 1; k < len(tok); k++ {
			c := tok[k]
			if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
				return
			}
		}
		tokens = append(tokens, tok)
	}
	for i, r := range text {
		// Python's \w: letters, numbers and the underscore. A match must
		// span a whole run of them, \b on both sides.
		if r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(text))
	maxN := max(opts.MaxN, 1)
	var buf []byte
	for n := 1; n <= maxN; n++ {
		for i := 0; i+n <= len(tokens); i++ {
			buf = append(buf[:0], tokens[i]...)
			for _, tok := range tokens[i+1 : i+n] {
				buf = append(buf, ' ')
				buf = append(buf, tok...)
			}
			fn(buf)
		}
	}
}

// stripAccents is scikit-learn's strip_accents_unicode.
func stripAccents(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	d := norm.NFKD.String(s)
	if d == s {
		return s
	}
	var b strings.Builder
	b.Grow(len(d))
	for _, r := range d {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// englishStopWords is scikit-learn's ENGLISH_STOP_WORDS (from the Glasgow
// Information Retrieval Group's list).
const englishStopWords = `a about above across after afterwards again against all almost alone along
already also although always am among amongst amount an and another any anyhow anyone anything
anyway anywhere are around as at back be became because become becomes becoming been before
beforehand behind being below beside besides between beyond bill both bottom but by call can cannot
cant co con could cry de describe detail do done down due during each eg eight either
eleven else elsewhere empty enough etc even ever every everyone everything everywhere except few
fifteen fifty fill find fire first five for former formerly forty found four from front full
further get give go had has have he hence her here hereafter hereby herein hereupon hers
herself him himself his how however hundred i ie if in inc indeed interest into is it its itself
keep last latter latterly least less ltd made many may me meanwhile might mill mine more moreover
most mostly move much must my myself name namely neither never nevertheless next nine no nobody
none nor not nothing now nowhere of off often on once one only onto or other others
otherwise our ours ourselves out over own part per perhaps please put rather re same see seem
seemed seeming seems serious several she should show side since sincere six sixty so some somehow
someone something sometime sometimes somewhere still such system take ten than that the their them
themselves then thence there thereafter thereby therefore therein thereupon these they thick thin
third this those though three through throughout thru thus to together too top toward towards
twelve twenty two un under until up upon us very via was we well were what whatever when whence
whenever where whereafter whereas whereby wherein whereupon wherever whether which while whither
who whoever whole whom whose why will with within without would yet you your yours yourself
yourselves`

// EnglishStopWords returns scikit-learn's English stop words.
func EnglishStopWords() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(englishStopWords) {
		m[w] = true
	}
	return m
}
