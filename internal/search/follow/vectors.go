package follow

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/paperdoc"
	"github.com/paperboy-dev/paperboy/internal/search/semantic"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// The reasons Vectors gives, shown to clients: no paths, no error text.
const (
	ReasonRebuilding = "the vectors are being rebuilt"
	ReasonRetrain    = "the embedding model must be retrained"
)

// EmbedStore replaces the vectors by the embeddings of every visible paper
// of src, as 'paperboy embed train' indexes them (EmbedAll), and records
// the feed's position read before the papers, so that CatchUpVectors embeds what
// changed meanwhile. It returns how many papers it embedded. dir, when
// set, is where s will be saved: the vectors are built on disk beside it
// (semantic.Index.EmbedAll).
func EmbedStore(ctx context.Context, s *semantic.Index, src Source, dir string, progress func(done int)) (int, error) {
	st, err := src.Stats(ctx)
	if err != nil {
		return 0, fmt.Errorf("follow: embed the store: %w", err)
	}
	papers := 0
	err = s.EmbedAll(ctx, dir, func(fn func(lexical.Document) error) error {
		return src.EachPaper(ctx, func(p store.Paper) error {
			if p.Community.Hidden {
				return nil
			}
			papers++
			return fn(paperdoc.Of(&p))
		})
	}, progress)
	if err != nil {
		return papers, err
	}
	s.SetSeq(st.LastChange)
	return papers, nil
}

// Vectors holds the semantic index a server searches with, saved in dir: none when no
// model was trained or the saved one is damaged, and a rebuilt one swapped
// in while the server runs. It is safe for concurrent use.
type Vectors struct {
	dir  string
	ix   atomic.Pointer[semantic.Index]
	down atomic.Pointer[string]
	// mu orders the feed's batches (Apply) against Rebuild's last catch-up
	// and swap, so that no batch falls between them, and guards stamp.
	mu sync.Mutex
	// stamp identifies the model file the index held was loaded from or
	// saved to (semantic.ModelStamp).
	stamp string
}

// NewVectors holds ix (nil for none), saved in dir. down, when ix is nil,
// says why search by meaning is off (ReasonRebuilding, ReasonRetrain); ""
// when nothing was ever trained.
func NewVectors(dir string, ix *semantic.Index, down string) *Vectors {
	v := &Vectors{dir: dir, stamp: semantic.ModelStamp(dir)}
	v.ix.Store(ix)
	if ix == nil && down != "" {
		v.down.Store(&down)
	}
	return v
}

// Index returns the index to search with, or nil.
func (v *Vectors) Index() *semantic.Index { return v.ix.Load() }

// Down says why search by meaning is off: "" while it is on, or when no
// model was ever trained.
func (v *Vectors) Down() string {
	if p := v.down.Load(); p != nil {
		return *p
	}
	return ""
}

// Apply hands a batch of the change feed to the index held, if any: the
// indexer's OnApply.
func (v *Vectors) Apply(ctx context.Context, docs []lexical.Document, gone []string, seq int64) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if ix := v.ix.Load(); ix != nil {
		return ix.Apply(ctx, docs, gone, seq)
	}
	return nil
}

// Rebuild embeds every paper of src into ix (an Index Open returned with
// semantic.ErrVectorsDamaged, its provider set up), catches up with the feed, saves
// it and then serves it. On failure nothing is swapped in and Rebuild may
// be called again.
func (v *Vectors) Rebuild(ctx context.Context, ix *semantic.Index, src Source) (int, error) {
	n, err := EmbedStore(ctx, ix, src, v.dir, nil)
	if err != nil {
		return 0, fmt.Errorf("follow: rebuild the vectors: %w", err)
	}
	// The bulk of what changed meanwhile is embedded before the lock, so
	// that the feed's batches wait only for the last few.
	if _, err := CatchUpVectors(ctx, ix, src); err != nil {
		return 0, fmt.Errorf("follow: rebuild the vectors: %w", err)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, err := CatchUpVectors(ctx, ix, src); err != nil {
		return 0, fmt.Errorf("follow: rebuild the vectors: %w", err)
	}
	if semantic.ModelStamp(v.dir) != v.stamp {
		// 'paperboy embed train' saved a new model meanwhile: serve
		// nothing older, and let the next start load it.
		return 0, fmt.Errorf("follow: rebuild the vectors: a new model was saved in %s meanwhile; restart to load it", v.dir)
	}
	if err := ix.Save(v.dir); err != nil {
		return 0, fmt.Errorf("follow: rebuild the vectors: %w", err)
	}
	v.stamp = semantic.ModelStamp(v.dir)
	v.ix.Store(ix)
	v.down.Store(nil)
	return n, nil
}

// Close saves the index held if it changed since it was loaded or saved,
// unless a model was trained into the directory meanwhile: that one is
// newer than the vectors held here, and the next start catches up with it.
func (v *Vectors) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	ix := v.ix.Load()
	if ix == nil || !ix.Dirty() || semantic.ModelStamp(v.dir) != v.stamp {
		return nil
	}
	return ix.Save(v.dir)
}

// catchUpBatch is how many feed entries CatchUp reads at once.
const catchUpBatch = 2000

// CatchUpVectors embeds into s the papers changed since Seq. When the feed no longer
// holds those changes (pruned while the process was down), it embeds every
// paper instead. It returns how many papers it embedded.
func CatchUpVectors(ctx context.Context, s *semantic.Index, src Source) (int, error) {
	firstChange, lastChange, err := feedRange(ctx, src)
	if err != nil {
		return 0, fmt.Errorf("follow: vectors catch up: %w", err)
	}
	if lastChange <= s.Seq() {
		return 0, nil
	}
	if firstChange > s.Seq()+1 {
		n := 0
		err := src.EachPaper(ctx, func(p store.Paper) error {
			if p.Community.Hidden {
				return s.Apply(ctx, nil, []string{p.ID}, 0)
			}
			n++
			return s.Apply(ctx, []lexical.Document{paperdoc.Of(&p)}, nil, 0)
		})
		if err != nil {
			return n, fmt.Errorf("follow: re-embed all papers: %w", err)
		}
		s.SetSeq(lastChange)
		return n, nil
	}
	total := 0
	for {
		changes, err := src.Changes(ctx, s.Seq(), catchUpBatch)
		if err != nil {
			return total, fmt.Errorf("follow: vectors catch up: %w", err)
		}
		if len(changes) == 0 {
			return total, nil
		}
		docs, gone, err := Changed(ctx, src, changes)
		if err != nil {
			return total, fmt.Errorf("follow: vectors catch up: %w", err)
		}
		if err := s.Apply(ctx, docs, gone, changes[len(changes)-1].Seq); err != nil {
			return total, err
		}
		total += len(docs)
	}
}
