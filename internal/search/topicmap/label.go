package topicmap

import (
	"context"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// phraseStat counts a phrase over the labelling sample: in how many
// papers it occurs and, by majority vote (Boyer-Moore), how it is most
// often written.
type phraseStat struct {
	df      int32
	surface string
	votes   int32
}

func (p *phraseStat) vote(s string) {
	switch {
	case p.votes == 0:
		p.surface, p.votes = s, 1
	case p.surface == s:
		p.votes++
	default:
		p.votes--
	}
}

// labelBudget bounds the papers labelling reads in all: the memory it
// takes is that of the distinct phrases of these papers, held per topic
// until the topic is full and pruned (some 700 MB at 200k papers of the
// synthetic corpus, which are the whole of it there). 200k is more than
// 424 topics × 400 papers, the map of the 80k real corpus, whose labels
// are then those of reading 400 papers a topic; at 3M papers (2,600
// topics) it reads 76 papers a topic.
const labelBudget = 200_000

// labelFloor is the fewest papers a topic is labelled from: labelBudget
// holds for up to labelBudget/labelFloor (4,000) topics, the most Build
// makes by default.
const labelFloor = 50

// labelSample is how many papers of each of topics topics labelling
// reads: perTopic, fewer so that all of them together stay within
// budget, but never fewer than labelFloor.
func labelSample(perTopic, budget, topics int) int {
	return min(perTopic, max(labelFloor, budget/max(topics, 1)))
}

// labelTerms is how many phrases a topic keeps as its terms.
const labelTerms = 6

// labelPhrases is how many of its best phrases a fine topic keeps, near
// duplicates and all, for naming a facet by a phrase with the query's
// word (Map.FacetLabel).
const labelPhrases = 48

// label names every topic by the multi-word phrases (2-3 content words,
// never starting or ending with a function word) that are common in its
// papers and rare in the rest: class-based tf-idf, tf the share of the
// topic's papers that use the phrase and idf over the labelling sample.
// At most perTopic papers of each topic are read, and fewer when there are
// many topics (labelSample), so that labelling a corpus of millions reads
// a bounded sample; it returns how many papers it read.
func (m *Map) label(ctx context.Context, texts Texts, perTopic, budget int) (int, error) {
	perTopic = labelSample(perTopic, budget, len(m.fine))
	local := make([]map[string]*phraseStat, len(m.fine))
	for i := range local {
		local[i] = map[string]*phraseStat{}
	}
	read := make([]int, len(m.fine))
	docs := 0
	// Papers are read in order and their phrases found in parallel, a
	// batch at a time, then counted in order: the same result whatever
	// the worker count.
	type paper struct {
		topic   uint16
		text    string
		phrases []phrase
	}
	var batch []paper
	seen := map[string]bool{}
	flush := func() {
		parallelFor(len(batch), runtime.GOMAXPROCS(0), func(i int) {
			batch[i].phrases = candidates(batch[i].text, 2, 4)
		})
		for _, b := range batch {
			t := b.topic
			clear(seen)
			for _, p := range b.phrases {
				if seen[p.key] {
					continue
				}
				seen[p.key] = true
				g := local[t][p.key]
				if g == nil {
					g = &phraseStat{}
					local[t][p.key] = g
				}
				g.df++
				g.vote(p.surface)
			}
		}
		batch = batch[:0]
	}
	err := texts(func(id, title, abstract string) error {
		t, ok := m.of[id]
		if !ok || read[t] >= perTopic {
			return nil
		}
		read[t]++
		docs++
		batch = append(batch, paper{topic: t, text: title + " .\n" + abstract})
		if read[t] == perTopic {
			// Its last paper counted, a full topic keeps only what two
			// papers said.
			flush()
			prune(local[t])
		}
		if len(batch) == 1024 {
			flush()
			return ctx.Err()
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	flush()
	// Phrases one paper of a topic says cannot label it (best wants two)
	// and are most of the phrases: memory holds the rest. A phrase's
	// corpus frequency is then the sum of its topics' (each paper is in
	// one topic), short of the topics where one paper said it.
	global := map[string]*phraseStat{}
	for i := range local {
		prune(local[i])
		for k, p := range local[i] {
			g := global[k]
			if g == nil {
				g = &phraseStat{surface: p.surface}
				global[k] = g
			}
			g.df += p.df
			if p.df > g.votes { // written as the topic that says it most writes it
				g.surface, g.votes = p.surface, p.df
			}
		}
	}
	n := float64(max(docs, 1))
	used := map[string]bool{}
	counts := make([]map[string]int32, len(m.fine))
	for i := range local {
		counts[i] = make(map[string]int32, len(local[i]))
		for k, p := range local[i] {
			counts[i][k] = p.df
		}
		local[i] = nil
	}
	// An area's phrases are its topics' phrases together.
	areaCounts := make([]map[string]int32, len(m.areas))
	areaSize := make([]int, len(m.areas))
	for a := range m.areas {
		sum := map[string]int32{}
		for _, c := range m.children[a] {
			for k, v := range counts[c] {
				sum[k] += v
			}
			areaSize[a] += read[c]
		}
		areaCounts[a] = sum
		m.areas[a].Terms, _ = best(sum, areaSize[a], nil, 0, global, n)
	}
	for i := range m.fine {
		a := m.fine[i].Parent
		m.fine[i].Terms, m.fine[i].Phrases = best(counts[i], read[i], areaCounts[a], areaSize[a], global, n)
	}
	for a := range m.areas {
		m.areas[a].Label, m.areas[a].Slug = labelOf(m.areas[a].Terms, "area-"+strconv.Itoa(a+1), used)
	}
	for i := range m.fine {
		m.fine[i].Label, m.fine[i].Slug = labelOf(m.fine[i].Terms, "topic-"+strconv.Itoa(i+1), used)
	}
	return docs, nil
}

// prune drops the phrases only one paper said.
func prune(ps map[string]*phraseStat) {
	for k, p := range ps {
		if p.df < 2 {
			delete(ps, k)
		}
	}
}

// best returns the labelTerms most distinctive phrases of a topic of size
// papers whose phrases occur in counts, as written, near-duplicates
// (phrases sharing most stems with a better one) left out. For a fine
// topic, parent and parentSize are its area's counts: a phrase common in
// the topic but no more than in its area ("vision-language models")
// names the area, not the topic.
func best(counts map[string]int32, size int, parent map[string]int32, parentSize int, global map[string]*phraseStat, n float64) (terms, phrases []string) {
	type scored struct {
		key string
		s   float64
	}
	// A phrase nearly always said inside a longer one is a fragment of
	// it ("multilingual large" of "multilingual large language models",
	// "anything model" of "segment anything model"): the longer one
	// competes instead.
	ext := map[string]int32{}
	for k, c := range counts {
		if i := strings.IndexByte(k, ' '); i >= 0 && strings.Count(k, " ") >= 2 {
			ext[k[i+1:]] = max(ext[k[i+1:]], c)
			j := strings.LastIndexByte(k, ' ')
			ext[k[:j]] = max(ext[k[:j]], c)
		}
	}
	var all []scored
	minDF := int32(max(2, size/50))
	for k, c := range counts {
		if c < minDF || 10*ext[k] >= 6*c {
			continue
		}
		g := global[k]
		tf := float64(c) / float64(max(size, 1))
		idf := math.Log(n / float64(g.df))
		// A phrase mostly found in this topic names it; one spread over
		// the corpus ("language models") does not, however common here.
		s := tf * idf * idf
		if parent != nil && parentSize > size {
			lift := tf / (float64(parent[k]) / float64(parentSize))
			s *= math.Sqrt(lift)
		}
		all = append(all, scored{k, s})
	}
	slices.SortFunc(all, func(a, b scored) int {
		if a.s != b.s {
			if a.s > b.s {
				return -1
			}
			return 1
		}
		return strings.Compare(a.key, b.key)
	})
	for _, a := range all[:min(len(all), labelPhrases)] {
		phrases = append(phrases, global[a.key].surface)
	}
	var keys, out []string
	for _, a := range all {
		if len(out) == labelTerms {
			break
		}
		dup := false
		for _, k := range keys {
			if overlaps(k, a.key) {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		keys = append(keys, a.key)
		out = append(out, global[a.key].surface)
	}
	return out, phrases
}

// labelOf makes a label of a topic's two best phrases and a slug of its
// best, unique among used (a second phrase's words, then a number, tell
// apart topics of one name); fallback names a topic with no phrases.
func labelOf(terms []string, fallback string, used map[string]bool) (label, slug string) {
	switch len(terms) {
	case 0:
		label = fallback
	case 1:
		label = terms[0]
	default:
		label = terms[0] + " · " + terms[1]
	}
	base := fallback
	if len(terms) > 0 {
		base = slugify(terms[0])
	}
	slug = base
	if used[slug] && len(terms) > 1 {
		slug = base + "-" + slugify(terms[1])
	}
	for i := 2; used[slug]; i++ {
		slug = base + "-" + strconv.Itoa(i)
	}
	used[slug] = true
	return label, slug
}

// slugify lower-cases s and joins its runs of letters and digits by
// hyphens.
func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	if b.Len() == 0 {
		return "topic"
	}
	return b.String()
}
