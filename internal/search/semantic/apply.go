package semantic

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/vector"
)

// Papers that arrive after 'paperboy embed train' are embedded as they
// arrive: the vectors follow the store's change feed like the lexical index
// (follow.Vectors hands it each batch the indexer applies), and remember the last
// change they reflect, saved beside them, so that a restarted process
// catches up from there (follow.CatchUpVectors) rather than re-embedding everything. The
// model itself is not retrained: new words are unknown to it until the
// next 'embed train', but papers made of known words embed as well as the
// ones it was trained on.

// seqFile holds the last change-feed sequence number the vectors reflect.
const seqFile = "seq"

// Seq is the last change-feed sequence number the vectors reflect.
func (s *Index) Seq() int64 { return s.seq.Load() }

// SetSeq records that the vectors reflect the store up to change seq (set
// by training, from the feed's position before it read the papers).
func (s *Index) SetSeq(seq int64) { s.seq.Store(seq) }

// Dirty reports whether vectors were added or removed since the index was
// opened or saved.
func (s *Index) Dirty() bool { return s.dirty.Load() }

// Apply embeds changed papers, drops deleted ones, and records seq. It
// stops embedding when ctx ends (shutdown), recording nothing.
func (s *Index) Apply(ctx context.Context, docs []lexical.Document, gone []string, seq int64) error {
	if len(docs) > 0 {
		ctx, cancel := context.WithTimeout(ctx, applyTimeout)
		vecs, err := s.embedDocs(ctx, docs)
		cancel()
		if err != nil {
			return fmt.Errorf("semantic: embed %d changed papers: %w", len(docs), err)
		}
		tm := s.Topics()
		for i, d := range docs {
			if err := s.Vectors.Add(d.ID, vecs[i]); err != nil {
				return fmt.Errorf("semantic: embed %s: %w", d.ID, err)
			}
			if tm != nil {
				// New papers join the nearest topic of the map.
				tm.Assign(d.ID, vecs[i])
			}
		}
	}
	for _, id := range gone {
		s.Vectors.Delete(id)
		if tm := s.Topics(); tm != nil {
			tm.Remove(id)
		}
	}
	for _, d := range docs {
		s.forgetTerms(d.ID)
	}
	s.forgetTerms(gone...)
	if len(docs)+len(gone) > 0 {
		s.dirty.Store(true)
	}
	for {
		cur := s.seq.Load()
		if seq <= cur || s.seq.CompareAndSwap(cur, seq) {
			return nil
		}
	}
}

// EmbedAll replaces the vectors by the embeddings of the papers each
// yields (the corpus model's or the provider's), embedding them in batches
// as they stream by, so that memory holds the vectors and one batch, never
// the papers' text: at 3M papers that is the difference between 3 GiB and
// running out of memory. It then partitions the new vector index.
//
// dir, when set, is the directory the index will be saved in (Save): the
// vectors then never stay on the heap either, but are spilled to a file
// and partitioned from it into a vector file mapped from disk, built in
// a directory of its own beside dir (dir.build-*: a server rebuilding
// damaged vectors and 'embed train' may build at once), which Save links
// instead of writing anew and then removes. The vectors are the same
// either way.
func (s *Index) EmbedAll(ctx context.Context, dir string, each func(fn func(lexical.Document) error) error, progress func(done int)) error {
	v, build, err := s.indexVectors(ctx, dir, each, progress, 1)
	if err != nil {
		return err
	}
	if s.buildDir != "" {
		os.RemoveAll(s.buildDir) // built before and never saved
	}
	s.Vectors, s.buildDir = v, build
	s.dirty.Store(true)
	return nil
}

// vectorSink is where indexVectors puts the vectors: an in-memory index,
// or a vector.Builder spilling them to disk.
type vectorSink interface {
	Add(id string, v []float32) error
}

// indexVectors embeds the papers each yields, in batches, and returns
// them indexed: partitioned (seeded by seed) and calibrated on a sample
// of their titles; in memory, or (dir set) in a file of the build
// directory it returns (removed on failure).
func (s *Index) indexVectors(ctx context.Context, dir string, each func(fn func(lexical.Document) error) error, progress func(done int), seed uint64) (_ *vector.Index, build string, err error) {
	dim := s.Model.Dim()
	if s.providerCfg != nil {
		dim = s.providerCfg.Dim
	}
	opts := vector.Options{Seed: seed}
	var v *vector.Index
	var b *vector.Builder
	var sink vectorSink
	if dir == "" {
		v = vector.New(dim, opts)
		sink = v
	} else {
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return nil, "", fmt.Errorf("semantic: %w", err)
		}
		if build, err = os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+".build-"); err != nil {
			return nil, "", fmt.Errorf("semantic: %w", err)
		}
		defer func() {
			if err != nil {
				os.RemoveAll(build)
			}
		}()
		if b, err = vector.NewBuilder(build, dim, opts); err != nil {
			return nil, "", err
		}
		defer b.Close()
		sink = b
	}
	titles := newTitleSample(seed)
	const batch = 4096
	var docs []lexical.Document
	done := 0
	flush := func() error {
		if len(docs) == 0 {
			return nil
		}
		vecs, err := s.embedDocs(ctx, docs)
		if err != nil {
			return fmt.Errorf("semantic: embed papers %d-%d: %w", done+1, done+len(docs), err)
		}
		for i, d := range docs {
			if err := sink.Add(d.ID, vecs[i]); err != nil {
				return fmt.Errorf("semantic: index %s: %w", d.ID, err)
			}
		}
		done += len(docs)
		docs = docs[:0]
		if progress != nil {
			progress(done)
		}
		return nil
	}
	err = each(func(d lexical.Document) error {
		titles.offer(d.Title)
		docs = append(docs, d)
		if len(docs) == batch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return nil, "", err
	}
	calibration := func() ([][]float32, error) { return s.embedTitles(ctx, titles.titles) }
	if b != nil && b.Len() > 0 {
		v, err = b.Build(ctx, filepath.Join(build, vectorsFile), calibration)
		return v, build, err
	}
	if v == nil {
		// Nothing to spill: an empty index, as in memory.
		v = vector.New(dim, opts)
	}
	if err = v.TrainFor(ctx, calibration); err != nil {
		return nil, "", err
	}
	return v, build, nil
}

// applyTimeout bounds embedding one batch of changed papers.
const applyTimeout = 5 * time.Minute

func readSeq(dir string) (int64, error) {
	b, err := os.ReadFile(filepath.Join(dir, seqFile))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil // saved before vectors followed the feed: catch up from the start
	}
	if err != nil {
		return 0, err
	}
	seq, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err == nil && seq < 0 {
		err = fmt.Errorf("negative change %d", seq)
	}
	if err != nil {
		return 0, fmt.Errorf("semantic: %s: %w", filepath.Join(dir, seqFile), err)
	}
	return seq, nil
}

func writeSeq(dir string, seq int64) error {
	return os.WriteFile(filepath.Join(dir, seqFile), []byte(strconv.FormatInt(seq, 10)+"\n"), 0o644)
}
