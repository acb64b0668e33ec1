package searcheval

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/paperboy-dev/paperboy/internal/ingest"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/paperdoc"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// The real corpus files, relative to the shared data directory.
const (
	ArxivFile = "arxiv-cs/arxiv-cs-2025-2026.kaggle.jsonl.gz"
	HFFile    = "hf-daily/hf-daily-papers-2024-2026.jsonl.gz"
)

// LoadRealCorpus reads the union of the arXiv cs crawl and the Hugging Face
// daily papers under dataDir (the shared data directory, ../shared/data
// from the repository root): 80,017 papers, arXiv's metadata first.
func LoadRealCorpus(ctx context.Context, dataDir string) ([]lexical.Document, error) {
	return LoadCorpus(ctx, filepath.Join(dataDir, ArxivFile), filepath.Join(dataDir, HFFile))
}

// LoadCorpus reads corpus files into one document per paper: its metadata
// from the first file that has it (a later record in that file replaces an
// earlier one), its upvotes the largest any record gives. Documents come
// in the order they first appear. Bad records are skipped.
func LoadCorpus(ctx context.Context, paths ...string) ([]lexical.Document, error) {
	var docs []lexical.Document
	at := map[string]int{}     // id -> index in docs
	fileOf := map[string]int{} // id -> the file its metadata came from
	for f, path := range paths {
		err := ReadCorpus(ctx, path, func(d lexical.Document) {
			i, seen := at[d.ID]
			switch {
			case !seen:
				at[d.ID], fileOf[d.ID] = len(docs), f
				docs = append(docs, d)
			case fileOf[d.ID] == f:
				d.Upvotes = max(d.Upvotes, docs[i].Upvotes)
				docs[i] = d
			default:
				docs[i].Upvotes = max(docs[i].Upvotes, d.Upvotes)
			}
		})
		if err != nil {
			return nil, fmt.Errorf("searcheval: load corpus: %w", err)
		}
	}
	return docs, nil
}

// ReadCorpus streams the papers of one corpus file (Kaggle or Hugging Face
// format) to fn as documents, skipping bad records.
func ReadCorpus(ctx context.Context, path string, fn func(lexical.Document)) error {
	_, err := ingest.ReadFile(ctx, path, ingest.FormatAuto, func(p store.Paper) error {
		fn(paperdoc.Of(&p))
		return nil
	}, nil)
	return err
}
