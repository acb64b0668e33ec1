package topicmap

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/embed"
	"github.com/paperboy-dev/paperboy/internal/search/vector"
)

// senses are the clusters of the test corpus: each has its own phrases,
// written into its papers, and its own direction in the vector space.
var senses = [][]string{
	{"forced alignment", "speech recognition", "acoustic model"},
	{"preference optimization", "reward model", "human feedback"},
	{"point cloud registration", "rigid transformation", "lidar scans"},
	{"entity alignment", "knowledge graph", "graph embeddings"},
}

// corpus makes n papers per sense: unit vectors around the sense's
// direction, and texts that use its phrases among filler words.
func corpus(n, dim int) (*vector.Index, map[string][2]string, []string) {
	rng := rand.New(rand.NewPCG(3, 4))
	v := vector.New(dim, vector.Options{})
	texts := map[string][2]string{}
	var ids []string
	for s, ph := range senses {
		for i := range n {
			id := fmt.Sprintf("2501.%05d", s*n+i)
			x := make([]float32, dim)
			x[s] = 1
			for j := range x {
				x[j] += float32(rng.NormFloat64() * 0.15)
			}
			embed.Normalize(x)
			v.Add(id, x)
			a, b := ph[rng.IntN(3)], ph[rng.IntN(3)]
			texts[id] = [2]string{"On " + a, "We study " + a + " and " + b + ", and the results show that " + b + " is important for " + ph[0] + "."}
			ids = append(ids, id)
		}
	}
	return v, texts, ids
}

func textsOf(m map[string][2]string, ids []string) Texts {
	return func(fn func(id, title, abstract string) error) error {
		for _, id := range ids {
			if err := fn(id, m[id][0], m[id][1]); err != nil {
				return err
			}
		}
		return nil
	}
}

func build(t *testing.T, seed uint64) (*Map, *vector.Index, []string) {
	t.Helper()
	v, texts, ids := corpus(40, 8)
	m, err := Build(context.Background(), v, textsOf(texts, ids), BuildOptions{Topics: 4, Areas: 2, Seed: seed, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	return m, v, ids
}

func encode(t *testing.T, m *Map) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestBuildIsDeterministicForASeed(t *testing.T) {
	a, _, _ := build(t, 1)
	b, _, _ := build(t, 1)
	if !bytes.Equal(encode(t, a), encode(t, b)) {
		t.Fatal("two builds with seed 1 differ")
	}
	if len(a.Topics()) != 4 || len(a.Areas()) != 2 {
		t.Fatalf("%d topics in %d areas, want 4 in 2", len(a.Topics()), len(a.Areas()))
	}
}

func TestEveryPaperIsInTheTopicOfItsSense(t *testing.T) {
	m, _, ids := build(t, 1)
	// The papers of one sense share a topic, and no other sense has it.
	topicOf := map[int]int{}
	for i, id := range ids {
		sense, topic := i/40, m.TopicOf(id)
		if topic == NoTopic {
			t.Fatalf("%s has no topic", id)
		}
		if got, ok := topicOf[sense]; ok && got != topic {
			t.Fatalf("sense %d split over topics %d and %d", sense, got, topic)
		}
		topicOf[sense] = topic
	}
	seen := map[int]bool{}
	for _, topic := range topicOf {
		if seen[topic] {
			t.Fatalf("two senses share topic %d: %v", topic, topicOf)
		}
		seen[topic] = true
	}
}

func TestANewPaperJoinsTheNearestTopic(t *testing.T) {
	m, _, ids := build(t, 1)
	want := m.TopicOf(ids[130]) // a paper of sense 3
	before := m.Count(want)
	x := make([]float32, 8)
	x[3], x[0] = 1, 0.2
	embed.Normalize(x)
	if got := m.Assign("2601.00001", x); got != want || m.TopicOf("2601.00001") != want {
		t.Fatalf("new paper near sense 3 assigned topic %d, want %d", got, want)
	}
	if m.Count(want) != before+1 || m.Len() != len(ids)+1 {
		t.Errorf("count %d -> %d, papers %d: the new paper is not counted", before, m.Count(want), m.Len())
	}
	// Old-style ids live beside the dense table of modern ones.
	m.Assign("hep-th/9901001", x)
	r := m.Reader()
	modern, old, none := r.TopicOf([]byte("2601.00001")), r.TopicOf([]byte("hep-th/9901001")), r.TopicOf([]byte("2601.00002"))
	r.Close()
	if modern != want || old != want || none != NoTopic {
		t.Errorf("Reader: topics %d, %d, %d; want %d, %d, none", modern, old, none, want, want)
	}
	m.Remove("2601.00001")
	m.Remove("hep-th/9901001")
	r = m.Reader()
	gone := r.TopicOf([]byte("2601.00001"))
	r.Close()
	if m.TopicOf("2601.00001") != NoTopic || gone != NoTopic || m.Count(want) != before {
		t.Error("a removed paper is still in the map")
	}
}

func TestLabelsAreMultiWordPhrasesAsWritten(t *testing.T) {
	m, _, _ := build(t, 1)
	var written []string
	for _, ph := range senses {
		written = append(written, ph...)
	}
	all := append(slices.Clone(m.Topics()), m.Areas()...)
	for _, tp := range all {
		if len(tp.Terms) == 0 || tp.Label == "" || tp.Slug == "" {
			t.Errorf("topic %+v has no label", tp)
			continue
		}
		for _, term := range tp.Terms {
			words := strings.Fields(term)
			if len(words) < 2 {
				t.Errorf("label term %q of %q is one word", term, tp.Label)
			}
			if isBoundary(words[0]) || isBoundary(words[len(words)-1]) {
				t.Errorf("label term %q starts or ends with a function word", term)
			}
			// As written in the papers: a bare stem ("optim") is no word.
			for _, w := range words {
				found := false
				for _, ph := range written {
					if slices.Contains(strings.Fields(ph), w) || w == "study" {
						found = true
					}
				}
				if !found {
					t.Errorf("label term %q has the word %q, which no paper writes", term, w)
				}
			}
		}
	}
	// The fine topics are named by their senses' phrases.
	for _, tp := range m.Topics() {
		ok := false
		for _, ph := range senses {
			ok = ok || slices.Contains(ph, tp.Terms[0])
		}
		if !ok {
			t.Errorf("topic label %q is none of its sense's phrases", tp.Label)
		}
	}
}

func TestSavedMapOpensTheSame(t *testing.T) {
	m, _, ids := build(t, 1)
	path := t.TempDir() + "/topics.bin"
	if err := m.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	got, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(encode(t, got), encode(t, m)) {
		t.Error("the opened map differs from the saved one")
	}
	for _, id := range ids {
		if got.TopicOf(id) != m.TopicOf(id) {
			t.Fatalf("%s: topic %d after opening, %d before", id, got.TopicOf(id), m.TopicOf(id))
		}
	}
	if _, _, ok := got.BySlug(m.Topics()[0].Slug); !ok {
		t.Error("a topic's slug is not found after opening")
	}
	b := encode(t, m)
	b[len(b)/2] ^= 1
	if _, err := Read(bytes.NewReader(b)); err == nil {
		t.Error("a damaged map opened without error")
	}
}

func TestKeyphrasesAreMultiWordAndDistinct(t *testing.T) {
	model := fakeModel{}
	got := Keyphrases(model, "Forced alignment of speech with acoustic models",
		"We present forced alignment for speech recognition. Forced alignment with acoustic models improves speech recognition.", nil, 5)
	if len(got) == 0 || got[0] != "forced alignment" {
		t.Fatalf("keyphrases %q, want forced alignment first", got)
	}
	for i, a := range got {
		for _, b := range got[i+1:] {
			if overlaps(PhraseKey(a), PhraseKey(b)) {
				t.Errorf("keyphrases %q and %q overlap", a, b)
			}
		}
	}
	if PhraseKey("Preference Optimisation") != PhraseKey("preference optimization") && PhraseKey("Models") != PhraseKey("model") {
		t.Error("PhraseKey does not match inflected forms")
	}
}

// fakeModel embeds a text as the hashes of its words: enough for the
// scoring's shape, which the real model's evaluation measures.
type fakeModel struct{}

func (fakeModel) EmbedText(text string) []float32 {
	v := make([]float32, 16)
	for _, w := range strings.Fields(strings.ToLower(text)) {
		h := 0
		for _, r := range w {
			h = h*31 + int(r)
		}
		v[(h%16+16)%16]++
	}
	embed.Normalize(v)
	return v
}

func (fakeModel) IDF(string) (float32, bool) { return 2, true }

// ambiguous makes a corpus in which one word, alignment, has three senses
// (and two topics say nothing of it); each sense is two neighbouring fine
// topics (their directions share the sense's axis), so a facet must join
// them to show the sense once.
func ambiguous(t *testing.T) (*Map, []string, func(id string) int) {
	t.Helper()
	phrases := [][]string{
		{"forced alignment", "speech recognition", "acoustic models"},
		{"entity alignment", "knowledge graphs", "graph embeddings"},
		{"preference alignment", "reward models", "human feedback"},
		{"image restoration", "noise removal", "blind deblurring"},
		{"protein folding", "molecular dynamics", "drug discovery"},
	}
	const n, dim = 30, 16
	rng := rand.New(rand.NewPCG(5, 6))
	v := vector.New(dim, vector.Options{})
	texts := map[string][2]string{}
	var ids []string
	for s, ph := range phrases {
		for sub := range 2 {
			for i := range n {
				id := fmt.Sprintf("2502.%05d", (s*2+sub)*n+i)
				x := make([]float32, dim)
				x[s], x[5+2*s+sub] = 1, 0.8
				for j := range x {
					x[j] += float32(rng.NormFloat64() * 0.08)
				}
				embed.Normalize(x)
				v.Add(id, x)
				b := ph[1+rng.IntN(2)]
				texts[id] = [2]string{"On " + ph[0], "We study " + ph[0] + " with " + b + ". Then " + b + " and " + ph[0] + "."}
				ids = append(ids, id)
			}
		}
	}
	m, err := Build(context.Background(), v, textsOf(texts, ids), BuildOptions{Topics: 10, Areas: 5, Seed: 1, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	return m, ids, func(id string) int { i := slices.Index(ids, id); return i / (2 * n) }
}

func TestAnAmbiguousWordShowsEachSenseOnce(t *testing.T) {
	m, ids, senseOf := ambiguous(t)
	senseOfTopic := map[int]int{}
	counts := make([]int, len(m.Topics()))
	perSense := map[int]int{}
	total := 0
	for _, id := range ids {
		tp, s := m.TopicOf(id), senseOf(id)
		if old, ok := senseOfTopic[tp]; ok && old != s {
			t.Fatalf("the map mixes senses %d and %d in topic %d", old, s, tp)
		}
		senseOfTopic[tp] = s
		if s < 3 { // the three senses of alignment match
			counts[tp]++
			perSense[s]++
			total++
		}
	}
	fs := m.Facets(counts, total, FacetOptions{})
	if len(fs) != 3 {
		t.Fatalf("%d facets, want the 3 senses: %+v", len(fs), fs)
	}
	want := []string{"forced alignment", "entity alignment", "preference alignment"}
	seen := map[int]bool{}
	for _, f := range fs {
		s := senseOfTopic[f.Topic]
		if seen[s] {
			t.Errorf("sense %d shown twice", s)
		}
		seen[s] = true
		sum := 0
		for _, tp := range f.Members {
			if senseOfTopic[tp] != s {
				t.Errorf("facet of sense %d joins topic %d of sense %d", s, tp, senseOfTopic[tp])
			}
			sum += counts[tp]
		}
		if f.Count != perSense[s] || f.Count != sum {
			t.Errorf("facet of sense %d counts %d, want its %d matching papers", s, f.Count, perSense[s])
		}
		if label := m.FacetLabel(f, "alignment"); !strings.HasPrefix(label, want[s]) {
			t.Errorf("facet of sense %d is labelled %q, want %q first", s, label, want[s])
		}
	}
	if got := m.Senses(fs, 0.35); got != 3 {
		t.Errorf("Senses counts %d, want 3", got)
	}
}

func TestAClearQueryShowsItsSubAreas(t *testing.T) {
	m, ids, senseOf := ambiguous(t)
	counts := make([]int, len(m.Topics()))
	total := 0
	for _, id := range ids {
		if senseOf(id) == 0 {
			counts[m.TopicOf(id)]++
			total++
		}
	}
	fs := m.Facets(counts, total, FacetOptions{})
	if len(fs) != 2 {
		t.Fatalf("%d facets, want the sense's 2 sub-areas: %+v", len(fs), fs)
	}
	if got := m.Senses(fs, 0.35); got != 1 {
		t.Errorf("Senses counts %d for one sense's sub-areas, want 1", got)
	}
}

// checkPapers fails unless every topic's and area's list holds exactly
// the papers TopicOf places there, sorted.
func checkPapers(t *testing.T, m *Map, ids []string, when string) {
	t.Helper()
	want := map[int][]string{}
	for _, id := range ids {
		if tp := m.TopicOf(id); tp != NoTopic {
			want[tp] = append(want[tp], id)
		}
	}
	for i := range m.Topics() {
		slices.Sort(want[i])
		if got := m.Papers(i, false); !slices.Equal(got, want[i]) || len(got) != m.Count(i) {
			t.Errorf("%s: topic %d lists %v, want %v", when, i, got, want[i])
		}
	}
	for a := range m.Areas() {
		var in []string
		for _, c := range m.Children(a) {
			in = append(in, want[c]...)
		}
		slices.Sort(in)
		if got := m.Papers(a, true); !slices.Equal(got, in) {
			t.Errorf("%s: area %d lists %d papers, want its topics' %d, sorted", when, a, len(got), len(in))
		}
	}
}

func TestEachTopicListsItsPapers(t *testing.T) {
	m, _, ids := build(t, 1)
	checkPapers(t, m, ids, "built")
	got, err := Read(bytes.NewReader(encode(t, m)))
	if err != nil {
		t.Fatal(err)
	}
	checkPapers(t, got, ids, "read")
	x := make([]float32, 8)
	x[1] = 1
	got.Assign("2601.00001", x)
	got.Assign(ids[0], x) // moves to sense 1's topic
	got.Remove(ids[1])
	checkPapers(t, got, append(slices.Clone(ids), "2601.00001"), "after papers arrived, moved and left")
}

// handMap is a map of fine topics with the given centroids (normalised)
// and sizes, each its own area, for the facets' choices alone.
func handMap(cents [][]float32, sizes []int) *Map {
	dim := len(cents[0])
	m := &Map{info: Info{Dim: dim}, counts: sizes}
	for i, c := range cents {
		c = slices.Clone(c)
		embed.Normalize(c)
		m.fineC = append(m.fineC, c...)
		m.fine = append(m.fine, Topic{Slug: fmt.Sprintf("t%d", i), Parent: i})
		m.areas = append(m.areas, Topic{Slug: fmt.Sprintf("a%d", i), Parent: -1})
		m.areaC = append(m.areaC, c...)
		m.children = append(m.children, []int{i})
	}
	return m
}

// axes returns a vector of dim with weight w on each axis given.
func axes(dim int, w map[int]float32) []float32 {
	v := make([]float32, dim)
	for a, x := range w {
		v[a] = x
	}
	return v
}

// One sense said by three topics of different areas that are only 0.37
// alike (LLM value, safety and preference alignment) is one facet: what
// they share adds up in their joined centroid. Senses of nothing in
// common stay apart.
func TestASenseSpreadOverLooselyAlikeTopicsIsOneFacet(t *testing.T) {
	const dim = 8
	m := handMap([][]float32{
		axes(dim, map[int]float32{0: 1, 1: 1.3}), // sense 0, three ways
		axes(dim, map[int]float32{0: 1, 2: 1.3}),
		axes(dim, map[int]float32{0: 1, 3: 1.3}),
		axes(dim, map[int]float32{4: 1}), // sense 1
		axes(dim, map[int]float32{5: 1}), // sense 2
		axes(dim, map[int]float32{6: 1}), // mentions it in passing
	}, []int{100, 100, 100, 100, 100, 1000})
	counts := []int{40, 35, 30, 60, 50, 100}
	fs := m.Facets(counts, 315, FacetOptions{})
	if len(fs) != 3 || fs[0].Count != 105 || len(fs[0].Members) != 3 || fs[1].Count != 60 || fs[2].Count != 50 {
		t.Fatalf("facets %+v, want sense 0 (105 papers of topics 0-2), then senses 1 and 2", fs)
	}
}

// When one sense holds most of the matches, the query is about it: the
// facets are its sub-areas, not it and a few strays.
func TestADominantSenseShowsItsSubAreas(t *testing.T) {
	const dim = 8
	m := handMap([][]float32{
		axes(dim, map[int]float32{0: 1, 1: 0.7}), // one sense, four sub-areas
		axes(dim, map[int]float32{0: 1, 2: 0.7}),
		axes(dim, map[int]float32{0: 1, 3: 0.7}),
		axes(dim, map[int]float32{0: 1, 4: 0.7}),
		axes(dim, map[int]float32{5: 1}), // a stray
		axes(dim, map[int]float32{6: 1}), // none match
	}, []int{100, 100, 100, 100, 40, 2000})
	fs := m.Facets([]int{90, 85, 80, 75, 30, 0}, 360, FacetOptions{})
	if len(fs) != 5 {
		t.Fatalf("facets %+v, want the sense's 4 sub-areas and the stray", fs)
	}
	for _, f := range fs {
		if len(f.Members) != 1 {
			t.Errorf("facet %+v joins topics", f)
		}
	}
}

// Sub-areas named by one phrase get distinct labels.
func TestFacetLabelsAreDistinct(t *testing.T) {
	m := handMap([][]float32{{1, 0}, {0, 1}}, []int{10, 10})
	m.fine[0].Terms, m.fine[0].Label = []string{"knowledge graph", "relation extraction"}, "knowledge graph · relation extraction"
	m.fine[1].Terms, m.fine[1].Label = []string{"knowledge graph", "question answering"}, "knowledge graph · question answering"
	got := m.FacetLabels([]Facet{{Topic: 0, Members: []int{0}}, {Topic: 1, Members: []int{1}}}, "graph")
	if got[0] != "knowledge graph" || got[1] != "knowledge graph · question answering" {
		t.Errorf("labels %q, want \"knowledge graph\" then its second topic's label", got)
	}
}

// A facet that joins topics is named by the query's phrases of two of
// them, unless they share a word besides the query's.
func TestAFacetOfSeveralTopicsIsNamedByTwoOfThem(t *testing.T) {
	m := handMap([][]float32{{1, 0}, {0, 1}, {1, 1}}, []int{10, 10, 10})
	m.fine[0].Terms = []string{"value alignment", "human values"}
	m.fine[1].Terms = []string{"safety alignment", "refusal behavior"}
	m.fine[2].Terms = []string{"value-safety alignment", "harmful requests"}
	if got := m.FacetLabel(Facet{Topic: 0, Members: []int{0, 1}}, "alignment"); got != "value alignment · safety alignment" {
		t.Errorf("label %q, want \"value alignment · safety alignment\"", got)
	}
	if got := m.FacetLabel(Facet{Topic: 0, Members: []int{0, 2}}, "alignment"); got != "value alignment" {
		t.Errorf("label %q, want \"value alignment\" alone (value-safety alignment shares value)", got)
	}
}

// Labelling reads at most its budget of papers in all (but labelFloor a
// topic), and the topics keep their senses' names from the smaller sample.
func TestLabellingReadsABoundedNumberOfPapers(t *testing.T) {
	v, texts, ids := corpus(300, 8)
	m, err := Build(context.Background(), v, textsOf(texts, ids), BuildOptions{Topics: 4, Areas: 2, Seed: 1, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	full, err := m.label(context.Background(), textsOf(texts, ids), 400, labelBudget)
	if err != nil {
		t.Fatal(err)
	}
	if full != len(ids) {
		t.Errorf("within the budget labelling read %d papers, want all %d", full, len(ids))
	}
	before := slices.Clone(m.Topics())
	read, err := m.label(context.Background(), textsOf(texts, ids), 400, 100)
	if err != nil {
		t.Fatal(err)
	}
	if want := labelFloor * len(m.Topics()); read != want {
		t.Errorf("with a budget of 100 papers labelling read %d, want %d (%d topics × %d)", read, want, len(m.Topics()), labelFloor)
	}
	for i, tp := range m.Topics() {
		if tp.Label != before[i].Label {
			t.Errorf("topic %d: labelled %q from %d papers, %q from all", i, tp.Label, read, before[i].Label)
		}
	}
	for _, c := range []struct{ perTopic, budget, topics, want int }{
		{400, 200_000, 424, 400},  // the 80k real corpus: all 400
		{400, 200_000, 2598, 76},  // 3M papers
		{400, 200_000, 4000, 50},  // the most topics Build makes
		{400, 200_000, 10000, 50}, // the floor
		{100, 200_000, 10, 100},
	} {
		if got := labelSample(c.perTopic, c.budget, c.topics); got != c.want {
			t.Errorf("labelSample(%d, %d, %d) = %d, want %d", c.perTopic, c.budget, c.topics, got, c.want)
		}
	}
}
