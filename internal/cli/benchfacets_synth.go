package cli

import (
	"fmt"
	"hash/fnv"
	"runtime"
	"strings"
	"time"
	"unicode"

	"github.com/paperboy-dev/paperboy/internal/embed"
	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/semantic"
	"github.com/paperboy-dev/paperboy/internal/search/synth"
	"github.com/paperboy-dev/paperboy/internal/search/topicmap"
	"github.com/paperboy-dev/paperboy/internal/searcheval"
)

// synthDim is the size of the synthetic papers' vectors: hashed words,
// enough for topics that follow the words (so a query's matches gather
// in some topics as they do in the real map) at a memory of 128 bytes a
// paper.
const synthDim = 32

// synthetic builds, in memory, a lexical index of c.Synthetic papers made
// of the sample's sentences (synth.Sentences) with modern arXiv ids, and
// a topic map of them clustered by their hashed words: what a facetted search reads at a scale the real data does
// not reach. The searcher searches words only (there is no model).
func (c *benchFacetsCmd) synthetic(e *env) (*search.Searcher, error) {
	var sample []search.Document
	if err := searcheval.ReadCorpus(e.ctx, c.Sample, func(d search.Document) { sample = append(sample, d) }); err != nil {
		return nil, err
	}
	n := c.Synthetic
	gen := func(emit func(d search.Document) error) error {
		i := 0
		return synth.Sentences(c.Seed, c.Topical, sample, n, func(d search.Document) error {
			month := i / 99_999
			d.ID = fmt.Sprintf("%02d%02d.%05d", 20+month/12, 1+month%12, i%99_999+1)
			i++
			return emit(d)
		})
	}
	start := time.Now()
	b := lexical.NewBuilder()
	vecs := synthVectors{dim: synthDim, ids: make([]string, 0, n), v: make([]float32, 0, n*synthDim)}
	err := gen(func(d search.Document) error {
		vecs.ids = append(vecs.ids, d.ID)
		vecs.v = append(vecs.v, hashedWords(d.Title+" "+d.Abstract, synthDim)...)
		return b.Add(d)
	})
	if err != nil {
		return nil, err
	}
	lex := b.Finish()
	fmt.Fprintf(e.stderr, "%d synthetic papers (topical %.2f) generated and indexed in %s\n", n, c.Topical, time.Since(start).Round(time.Second))
	start = time.Now()
	// Unlabelled: labels cost the build minutes at this scale and a
	// facetted search only their names (a few phrases per facet).
	texts := func(func(id, title, abstract string) error) error { return nil }
	tm, err := topicmap.Build(e.ctx, vecs, texts, topicmap.BuildOptions{Seed: 1, Workers: runtime.GOMAXPROCS(0)})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(e.stderr, "topic map of %d areas, %d topics (%d-dimensional hashed words) built in %s\n", len(tm.Areas()), len(tm.Topics()), synthDim, time.Since(start).Round(time.Second))
	ix := &semantic.Index{}
	ix.SetTopics(tm)
	return &search.Searcher{Lexical: lex, Index: func() *semantic.Index { return ix }, Log: e.log}, nil
}

// synthVectors are the synthetic papers' vectors for topicmap.Build.
type synthVectors struct {
	dim int
	ids []string
	v   []float32
}

func (s synthVectors) Len() int { return len(s.ids) }
func (s synthVectors) Dim() int { return s.dim }
func (s synthVectors) Each(fn func(id string, v []float32) bool) {
	for i, id := range s.ids {
		if !fn(id, s.v[i*s.dim:(i+1)*s.dim]) {
			return
		}
	}
}

// hashedWords is a unit vector of text's words hashed into dim signed
// buckets: papers that share words point alike.
func hashedWords(text string, dim int) []float32 {
	v := make([]float32, dim)
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if len(w) < 4 {
			continue // function words say nothing of a topic
		}
		h := fnv.New32a()
		h.Write([]byte(w))
		x := h.Sum32()
		if x&1 == 0 {
			v[(x>>1)%uint32(dim)]++
		} else {
			v[(x>>1)%uint32(dim)]--
		}
	}
	embed.Normalize(v)
	return v
}
