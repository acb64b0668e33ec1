// Package follow keeps the search indexes in step with the store's change
// feed. The Indexer owns the lexical index: it builds it from the store
// when there is none, persists it beside the database, and applies the
// feed, so that papers imported, edited or voted on through this process
// or any other replica become searchable within a poll interval. Each
// batch it applies goes on to Vectors (OnApply), which keeps the semantic
// index held by a server current, catches it up from its own position
// (CatchUpVectors) and rebuilds damaged vectors. Source is what both read.
package follow

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/paperdoc"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Source is what a follower of the change feed reads from the store: the
// indexer, and the vectors catching up (semantic), which apply batches the
// same way (Changed).
type Source interface {
	Changes(ctx context.Context, after int64, limit int) ([]store.Change, error)
	PapersByID(ctx context.Context, ids []string) ([]store.Paper, error)
	EachPaper(ctx context.Context, fn func(store.Paper) error) error
	Stats(ctx context.Context) (store.Stats, error)
}

// feedRange is the feed's first and last positions: from FeedRange when
// the source has it (store.Store), which reads the feed alone, else from
// Stats, which also counts every paper (seconds at millions, on a start
// that should take less).
func feedRange(ctx context.Context, src Source) (first, last int64, err error) {
	if fr, ok := src.(interface {
		FeedRange(ctx context.Context) (int64, int64, error)
	}); ok {
		return fr.FeedRange(ctx)
	}
	st, err := src.Stats(ctx)
	return st.FirstChange, st.LastChange, err
}

// Options configure an Indexer.
type Options struct {
	Dir    string // where the index is persisted
	Source Source
	Log    *slog.Logger
	// PollInterval is how often Run reads the change feed (500 ms when
	// zero); SaveInterval how often it persists a changed index (1 minute).
	PollInterval time.Duration
	SaveInterval time.Duration
	// OnBuildProgress, if set, is told how far a full build has got.
	OnBuildProgress func(done, total int)
	// OnApply, if set, is handed each batch of changes the index applies
	// (the papers changed, those deleted, and the last change's sequence
	// number), so that another view, such as the vectors, follows the
	// feed without reading it again.
	// OnApply is called with the context of the catch-up, which ends on
	// shutdown.
	OnApply func(ctx context.Context, docs []lexical.Document, gone []string, seq int64) error
}

// Indexer owns the search index of one process.
type Indexer struct {
	opts Options
	// live is the index searches use; ix is the same index for the writer,
	// which holds mu while it changes or saves it.
	live    atomic.Pointer[lexical.Index]
	mu      sync.Mutex
	ix      *lexical.Index
	dirty   bool
	savedAt time.Time
}

// changeBatch is how many feed entries are applied at once.
const changeBatch = 5000

// Open returns an Indexer with its index loaded, built or caught up.
func Open(ctx context.Context, opts Options) (*Indexer, error) {
	in := New(opts)
	if err := in.Load(ctx); err != nil {
		return nil, err
	}
	return in, nil
}

// New returns an Indexer with no index yet; Load provides one.
func New(opts Options) *Indexer {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 500 * time.Millisecond
	}
	if opts.SaveInterval <= 0 {
		opts.SaveInterval = time.Minute
	}
	return &Indexer{opts: opts, savedAt: time.Now()}
}

// Load loads the persisted index, or builds it from the store when there is
// none or it cannot be used, and then applies the changes made since it was
// saved.
func (in *Indexer) Load(ctx context.Context) error {
	opts := in.opts
	firstChange, lastChange, err := feedRange(ctx, opts.Source)
	if err != nil {
		return err
	}
	start := time.Now()
	unlock, err := lockDir(opts.Dir, syscall.LOCK_SH)
	if err != nil {
		return err
	}
	ix, err := lexical.Open(opts.Dir)
	unlock()
	switch {
	case err == nil && firstChange > 0 && ix.LastSeq()+1 < uint64(firstChange):
		// The changes it missed have been pruned from the feed.
		opts.Log.Warn("search index is older than the kept change feed; rebuilding", "index_seq", ix.LastSeq(), "oldest_kept", firstChange)
	case err == nil && ix.LastSeq() > uint64(lastChange):
		// The index saw changes this database never had: it belongs to
		// another (or a restored) database.
		opts.Log.Warn("search index is ahead of the database; rebuilding", "index_seq", ix.LastSeq(), "database_seq", lastChange)
	case err == nil:
		in.setIndex(ix)
		opts.Log.Info("search index loaded", "papers", ix.Len(), "seq", ix.LastSeq(), "took", time.Since(start).Round(time.Millisecond))
	case errors.Is(err, fs.ErrNotExist):
		opts.Log.Info("no search index yet; building it", "dir", opts.Dir)
	default:
		opts.Log.Warn("search index unusable; rebuilding", "err", err)
	}
	if in.Index() == nil {
		if err := in.Rebuild(ctx); err != nil {
			return err
		}
	}
	_, err = in.CatchUp(ctx)
	return err
}

// Index returns the live index, or nil before Load.
func (in *Indexer) Index() *lexical.Index { return in.live.Load() }

func (in *Indexer) setIndex(ix *lexical.Index) { in.ix = ix; in.live.Store(ix) }

// Search runs a search on the live index.
func (in *Indexer) Search(ctx context.Context, req lexical.Request) (lexical.Result, error) {
	ix := in.Index()
	if ix == nil {
		return lexical.Result{}, lexical.ErrNotReady
	}
	return ix.Search(ctx, req)
}

// Rebuild builds a new index from every paper in the store and saves it.
// Changes made during the scan are applied by the next catch-up, since the
// scan starts from the feed position read before it.
func (in *Indexer) Rebuild(ctx context.Context) error {
	start := time.Now()
	st, err := in.opts.Source.Stats(ctx)
	if err != nil {
		return err
	}
	b := lexical.NewBuilder()
	// A build of millions of papers keeps a bounded part of its postings
	// on the heap and merges the rest from runs written beside the index.
	b.SpillTo(filepath.Dir(filepath.Clean(in.opts.Dir)), 0)
	n := 0
	err = in.opts.Source.EachPaper(ctx, func(p store.Paper) error {
		n++
		if p.Community.Hidden {
			return nil // hidden by a moderator or deleted at the source: not findable
		}
		b.Add(paperdoc.Of(&p))
		if in.opts.OnBuildProgress != nil && n%10000 == 0 {
			in.opts.OnBuildProgress(n, st.Papers)
		}
		return nil
	})
	if err != nil {
		b.Discard()
		return fmt.Errorf("indexer: rebuild: %w", err)
	}
	ix, err := b.Build()
	if err != nil {
		return fmt.Errorf("indexer: rebuild: %w", err)
	}
	ix.SetLastSeq(uint64(st.LastChange))
	if in.opts.OnBuildProgress != nil {
		in.opts.OnBuildProgress(n, n)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	in.setIndex(ix)
	in.opts.Log.Info("search index built", "papers", n, "took", time.Since(start).Round(time.Millisecond))
	if err := in.saveLocked(); err != nil {
		return err
	}
	// The built index is on the heap; the saved one, opened, is mapped from
	// its files (the page cache), the same postings, so the heap's copy can
	// go. Nothing changed it since the save: in.mu is held.
	unlock, err := lockDir(in.opts.Dir, syscall.LOCK_SH)
	if err != nil {
		return nil
	}
	mapped, err := lexical.Open(in.opts.Dir)
	unlock()
	if err != nil {
		in.opts.Log.Warn("reopening the saved search index failed; keeping the built one", "err", err)
		return nil
	}
	in.setIndex(mapped)
	return nil
}

// CatchUp applies every change the index has not seen and reports how many
// papers it updated.
func (in *Indexer) CatchUp(ctx context.Context) (int, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.ix == nil {
		return 0, lexical.ErrNotReady
	}
	updated := 0
	for {
		changes, err := in.opts.Source.Changes(ctx, int64(in.ix.LastSeq()), changeBatch)
		if err != nil {
			return updated, fmt.Errorf("indexer: read changes: %w", err)
		}
		if len(changes) == 0 {
			return updated, nil
		}
		n, err := in.apply(ctx, changes)
		updated += n
		if err != nil {
			return updated, err
		}
	}
}

func (in *Indexer) apply(ctx context.Context, changes []store.Change) (int, error) {
	docs, gone, err := Changed(ctx, in.opts.Source, changes)
	if err != nil {
		return 0, fmt.Errorf("indexer: %w", err)
	}
	if err := in.ix.Add(docs...); err != nil {
		return 0, fmt.Errorf("indexer: update index: %w", err)
	}
	in.ix.Delete(gone...)
	last := changes[len(changes)-1].Seq
	if in.opts.OnApply != nil {
		// A follower's failure is its own: logged, and the lexical index
		// goes on; the follower catches up from its own position later.
		if err := in.opts.OnApply(ctx, docs, gone, last); err != nil && ctx.Err() == nil {
			in.opts.Log.Error("change follower failed", "err", err)
		}
	}
	in.ix.SetLastSeq(uint64(last))
	in.dirty = true
	return len(docs), nil
}

// Changed reads the papers a batch of changes names: docs to (re)index,
// and the ids of those gone (deleted from the store, or hidden) to remove.
// Every follower of the feed (the lexical index, the vectors) applies a
// batch this way.
func Changed(ctx context.Context, src interface {
	PapersByID(ctx context.Context, ids []string) ([]store.Paper, error)
}, changes []store.Change) (docs []lexical.Document, gone []string, err error) {
	seen := make(map[string]bool, len(changes))
	ids := make([]string, 0, len(changes))
	for _, c := range changes {
		if !seen[c.PaperID] {
			seen[c.PaperID] = true
			ids = append(ids, c.PaperID)
		}
	}
	papers, err := src.PapersByID(ctx, ids)
	if err != nil {
		return nil, nil, fmt.Errorf("read changed papers: %w", err)
	}
	docs = make([]lexical.Document, 0, len(papers))
	for i := range papers {
		if papers[i].Community.Hidden {
			continue // stays in seen: gone
		}
		docs = append(docs, paperdoc.Of(&papers[i]))
		delete(seen, papers[i].ID)
	}
	for id := range seen {
		gone = append(gone, id)
	}
	return docs, gone, nil
}

// maxPollBackoff is the longest wait between reads of the change feed
// while they fail (the database is down): long enough not to hammer it,
// short enough that the index follows soon after it is back.
const maxPollBackoff = 10 * time.Second

// Run follows the change feed until ctx ends, saving the index now and then
// and once more on the way out. While reading the feed fails it backs off,
// and logs the outage once, when it starts, and once more when it ends.
func (in *Indexer) Run(ctx context.Context) error {
	wait := in.opts.PollInterval
	timer := time.NewTimer(wait)
	defer timer.Stop()
	var down time.Time // when the current outage began
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return in.Save()
		case <-timer.C:
		}
		n, err := in.CatchUp(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
		case err != nil:
			failures++
			wait = min(2*wait, max(maxPollBackoff, in.opts.PollInterval))
			if failures == 1 {
				down = time.Now()
				in.opts.Log.Error("search index catch-up failed; retrying quietly until it recovers", "err", err)
			} else {
				in.opts.Log.Debug("search index catch-up still failing", "err", err, "failures", failures, "retry_in", wait)
			}
		default:
			if failures > 0 {
				in.opts.Log.Info("search index catch-up recovered", "outage", time.Since(down).Round(time.Millisecond),
					"failures", failures)
				failures, wait = 0, in.opts.PollInterval
			}
			if n > 0 {
				in.opts.Log.Debug("search index updated", "papers", n, "seq", in.Index().LastSeq())
			}
		}
		in.mu.Lock()
		if in.dirty && time.Since(in.savedAt) >= in.opts.SaveInterval {
			if err := in.saveLocked(); err != nil {
				in.opts.Log.Error("saving the search index failed", "err", err)
			}
		}
		in.mu.Unlock()
		timer.Reset(wait)
	}
}

// Save persists the index if it changed since it was last saved.
func (in *Indexer) Save() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.ix == nil || !in.dirty {
		return nil
	}
	return in.saveLocked()
}

func (in *Indexer) saveLocked() error {
	start := time.Now()
	if err := os.MkdirAll(in.opts.Dir, 0o755); err != nil {
		return fmt.Errorf("indexer: %w", err)
	}
	unlock, err := lockDir(in.opts.Dir, syscall.LOCK_EX)
	if err != nil {
		return err
	}
	err = in.ix.Save(in.opts.Dir)
	unlock()
	if err != nil {
		return fmt.Errorf("indexer: save: %w", err)
	}
	in.dirty = false
	in.savedAt = time.Now()
	in.opts.Log.Debug("search index saved", "dir", in.opts.Dir, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// lockDir takes a lock on dir's lock file: shared to open the index,
// exclusive to replace it. Save swaps directories by renaming, and a
// process opening the index meanwhile (paperboy search while serve saves)
// could otherwise read the old metadata with the new segments.
func lockDir(dir string, how int) (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("indexer: %w", err)
	}
	f, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("indexer: lock %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		return nil, fmt.Errorf("indexer: lock %s: %w", dir, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// Corrections are the live index's spelling corrections of query (see
// lexical.Index.Corrections); none before Load.
func (in *Indexer) Corrections(query string) []lexical.Correction {
	ix := in.Index()
	if ix == nil {
		return nil
	}
	return ix.Corrections(query)
}

// Completions are the live index's completions of prefix (see
// lexical.Index.Completions); none before Load.
func (in *Indexer) Completions(prefix string, n int) []string {
	ix := in.Index()
	if ix == nil {
		return nil
	}
	return ix.Completions(prefix, n)
}

// DocValues reports the live index's listed date and upvotes of each of
// ids it holds (see lexical.Index.DocValues); none before Load.
func (in *Indexer) DocValues(ids []string, fn func(i int, date time.Time, upvotes int)) {
	if ix := in.Index(); ix != nil {
		ix.DocValues(ids, fn)
	}
}
