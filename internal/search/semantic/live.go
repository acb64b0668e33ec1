package semantic

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/paperboy-dev/paperboy/internal/search/follow"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/paperdoc"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// A damaged file in the data directory must not stop a server: the lexical
// index is rebuilt when it cannot be read, and so are the vectors, from the
// saved model and the papers in the store. Only a damaged model needs the
// operator: training chooses its size and seed and can take hours, which a
// server should not decide on its own. Meanwhile search answers from words
// alone, and says so.

// ErrModelDamaged wraps a failure to read the saved model (or the record
// of the provider that made the vectors), or its absence beside vectors.
var ErrModelDamaged = errors.New("semantic: the embedding model is damaged or missing; run 'paperboy embed train'")

// ErrVectorsDamaged wraps a failure to read the saved vectors or their
// feed position while the model is sound: Live.Rebuild makes them again.
var ErrVectorsDamaged = errors.New("semantic: the saved vectors are damaged")

// ErrUnavailable is returned for a semantic search while search by meaning
// is off (Searcher.Down says why); hybrid search answers from words.
var ErrUnavailable = errors.New("search by meaning is unavailable right now")

// The reasons Live gives, shown to clients: no paths, no error text.
const (
	ReasonRebuilding = "the vectors are being rebuilt"
	ReasonRetrain    = "the embedding model must be retrained"
)

// damaged wraps err as kind. The cause is kept as text only: a damaged
// file must not read as fs.ErrNotExist, which means nothing was trained.
func damaged(kind, err error) error {
	return fmt.Errorf("%w: %v", kind, err)
}

// EmbedStore replaces the vectors by the embeddings of every visible paper
// of src, as 'paperboy embed train' indexes them (EmbedAll), and records
// the feed's position read before the papers, so that CatchUp embeds what
// changed meanwhile. It returns how many papers it embedded.
func (s *Index) EmbedStore(ctx context.Context, src follow.Source, progress func(done int)) (int, error) {
	st, err := src.Stats(ctx)
	if err != nil {
		return 0, fmt.Errorf("semantic: embed the store: %w", err)
	}
	papers := 0
	err = s.EmbedAll(ctx, func(fn func(lexical.Document) error) error {
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

// Live holds the Index a server searches with, saved in dir: none when no
// model was trained or the saved one is damaged, and a rebuilt one swapped
// in while the server runs. It is safe for concurrent use.
type Live struct {
	dir  string
	ix   atomic.Pointer[Index]
	down atomic.Pointer[string]
	// mu orders the feed's batches (Apply) against Rebuild's last catch-up
	// and swap, so that no batch falls between them, and guards stamp.
	mu sync.Mutex
	// stamp identifies the model file the index held was loaded from or
	// saved to (modelStamp).
	stamp string
}

// NewLive holds ix (nil for none), saved in dir. down, when ix is nil,
// says why search by meaning is off (ReasonRebuilding, ReasonRetrain); ""
// when nothing was ever trained.
func NewLive(dir string, ix *Index, down string) *Live {
	l := &Live{dir: dir, stamp: modelStamp(dir)}
	l.ix.Store(ix)
	if ix == nil && down != "" {
		l.down.Store(&down)
	}
	return l
}

// Index returns the index to search with, or nil.
func (l *Live) Index() *Index { return l.ix.Load() }

// Down says why search by meaning is off: "" while it is on, or when no
// model was ever trained.
func (l *Live) Down() string {
	if p := l.down.Load(); p != nil {
		return *p
	}
	return ""
}

// Apply hands a batch of the change feed to the index held, if any: the
// indexer's OnApply.
func (l *Live) Apply(docs []lexical.Document, gone []string, seq int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ix := l.ix.Load(); ix != nil {
		return ix.Apply(docs, gone, seq)
	}
	return nil
}

// Rebuild embeds every paper of src into ix (an Index Open returned with
// ErrVectorsDamaged, its provider set up), catches up with the feed, saves
// it and then serves it. On failure nothing is swapped in and Rebuild may
// be called again.
func (l *Live) Rebuild(ctx context.Context, ix *Index, src follow.Source) (int, error) {
	n, err := ix.EmbedStore(ctx, src, nil)
	if err != nil {
		return 0, fmt.Errorf("semantic: rebuild the vectors: %w", err)
	}
	// The bulk of what changed meanwhile is embedded before the lock, so
	// that the feed's batches wait only for the last few.
	if _, err := ix.CatchUp(ctx, src); err != nil {
		return 0, fmt.Errorf("semantic: rebuild the vectors: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := ix.CatchUp(ctx, src); err != nil {
		return 0, fmt.Errorf("semantic: rebuild the vectors: %w", err)
	}
	if modelStamp(l.dir) != l.stamp {
		// 'paperboy embed train' saved a new model meanwhile: serve
		// nothing older, and let the next start load it.
		return 0, fmt.Errorf("semantic: rebuild the vectors: a new model was saved in %s meanwhile; restart to load it", l.dir)
	}
	if err := ix.Save(l.dir); err != nil {
		return 0, fmt.Errorf("semantic: rebuild the vectors: %w", err)
	}
	l.stamp = modelStamp(l.dir)
	l.ix.Store(ix)
	l.down.Store(nil)
	return n, nil
}

// Close saves the index held if it changed since it was loaded or saved,
// unless a model was trained into the directory meanwhile: that one is
// newer than the vectors held here, and the next start catches up with it.
func (l *Live) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	ix := l.ix.Load()
	if ix == nil || !ix.Dirty() || modelStamp(l.dir) != l.stamp {
		return nil
	}
	return ix.Save(l.dir)
}

// modelStamp identifies the model saved in dir by its file's size and
// modification time ("" when there is none).
func modelStamp(dir string) string {
	fi, err := os.Stat(filepath.Join(dir, modelFile))
	if err != nil {
		return ""
	}
	return fmt.Sprint(fi.Size(), fi.ModTime().UnixNano())
}
