package embed

import (
	"context"
	"math"
	"slices"

	"github.com/paperboy-dev/paperboy/internal/parallel"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
)

// bags holds each training paper's distinct tokens and their counts, the
// tokens interned: Train's tokens as strings took 16 bytes a token (700
// MiB at 200k papers, twice that at the 400k papers Train samples), these
// take 8 bytes a distinct token of a paper.
type bags struct {
	words  []string         // distinct tokens, by id
	id     map[string]int32 // and their ids
	ptr    []int            // paper d's tokens are terms[ptr[d]:ptr[d+1]]
	terms  []int32          // token ids, ascending within a paper
	counts []int32          // how often the paper has each
}

// bagChunk is how many papers are tokenised (in parallel) before their
// tokens are interned.
const bagChunk = 4096

// tokenizeBags tokenises docs (docText with titleWeight) into bags.
func tokenizeBags(ctx context.Context, docs []lexical.Document, titleWeight, workers int) (*bags, error) {
	b := &bags{id: map[string]int32{}, ptr: make([]int, 1, len(docs)+1)}
	toks := make([][]string, bagChunk)
	var ids []int32
	for lo := 0; lo < len(docs); lo += bagChunk {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		chunk := docs[lo:min(lo+bagChunk, len(docs))]
		parallel.Chunks(len(chunk), workers, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				toks[i] = Tokens(docText(chunk[i], titleWeight))
			}
		})
		for i := range chunk {
			ids = ids[:0]
			for _, t := range toks[i] {
				id, ok := b.id[t]
				if !ok {
					id = int32(len(b.words))
					b.id[t] = id
					b.words = append(b.words, t)
				}
				ids = append(ids, id)
			}
			toks[i] = nil
			slices.Sort(ids)
			for j := 0; j < len(ids); {
				k := j + 1
				for k < len(ids) && ids[k] == ids[j] {
					k++
				}
				b.terms = append(b.terms, ids[j])
				b.counts = append(b.counts, int32(k-j))
				j = k
			}
			b.ptr = append(b.ptr, len(b.terms))
		}
	}
	return b, nil
}

// matrix is the papers' tf-idf matrix in m's vocabulary: row d is
// m.weights of paper d's tokens.
func (b *bags) matrix(m *Model) *csr {
	term := make([]int32, len(b.words)) // token id → m's term, or -1
	for w, t := range b.words {
		if i, ok := m.lookup[t]; ok {
			term[w] = i
		} else {
			term[w] = -1
		}
	}
	rows := len(b.ptr) - 1
	nnz := 0
	for _, w := range b.terms {
		if term[w] >= 0 {
			nnz++
		}
	}
	a := &csr{rows: rows, cols: len(m.vocab), ptr: make([]int, 1, rows+1), idx: make([]int32, 0, nnz), val: make([]float32, 0, nnz)}
	var row []termWeight
	var ws []float64
	for d := range rows {
		row, ws = row[:0], ws[:0]
		for p := b.ptr[d]; p < b.ptr[d+1]; p++ {
			if i := term[b.terms[p]]; i >= 0 {
				row = append(row, termWeight{i, float32(b.counts[p])})
			}
		}
		slices.SortFunc(row, func(x, y termWeight) int { return int(x.term - y.term) })
		var norm float64
		for j := range row {
			w := (1 + math.Log(float64(row[j].w))) * float64(m.idf[row[j].term])
			norm += w * w
			ws = append(ws, w)
		}
		for j := range row {
			row[j].w = float32(ws[j])
		}
		if norm > 0 {
			inv := float32(1 / math.Sqrt(norm))
			for j := range row {
				row[j].w *= inv
			}
		}
		for _, w := range row {
			a.idx = append(a.idx, w.term)
			a.val = append(a.val, w.w)
		}
		a.ptr = append(a.ptr, len(a.idx))
	}
	return a
}
