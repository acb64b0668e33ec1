package searcheval

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/paperboy-dev/paperboy/internal/indexer"
	"github.com/paperboy-dev/paperboy/internal/ingest"
	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// The real corpus files, relative to the shared data directory.
const (
	ArxivFile = "arxiv-cs/arxiv-cs-2025-2026.kaggle.jsonl.gz"
	HFFile    = "hf-daily/hf-daily-papers-2024-2026.jsonl.gz"
)

// LoadRealCorpus reads the union of the arXiv cs crawl and the Hugging Face
// daily papers under dataDir (the shared data directory, ../shared/data
// from the repository root): 80,017 papers. A paper in both takes arXiv's
// metadata and Hugging Face's upvotes; a paper seen twice in one file keeps
// its last record (the highest upvote count for Hugging Face). Documents
// come in file order, arXiv first. Bad records are skipped.
func LoadRealCorpus(ctx context.Context, dataDir string) ([]search.Document, error) {
	var docs []search.Document
	at := map[string]int{}         // id -> index in docs
	fromArxiv := map[string]bool{} // ids whose metadata came from arXiv
	_, err := ingest.ReadFile(ctx, filepath.Join(dataDir, ArxivFile), ingest.FormatAuto, func(p store.Paper) error {
		d := indexer.Document(&p)
		if i, ok := at[d.ID]; ok {
			docs[i] = d
			return nil
		}
		at[d.ID] = len(docs)
		fromArxiv[d.ID] = true
		docs = append(docs, d)
		return nil
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("searcheval: load corpus: %w", err)
	}
	_, err = ingest.ReadFile(ctx, filepath.Join(dataDir, HFFile), ingest.FormatAuto, func(p store.Paper) error {
		d := indexer.Document(&p)
		i, ok := at[d.ID]
		switch {
		case !ok:
			at[d.ID] = len(docs)
			docs = append(docs, d)
		case fromArxiv[d.ID]:
			docs[i].Upvotes = max(docs[i].Upvotes, d.Upvotes)
		default:
			d.Upvotes = max(docs[i].Upvotes, d.Upvotes)
			docs[i] = d
		}
		return nil
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("searcheval: load corpus: %w", err)
	}
	return docs, nil
}

// ReadCorpus streams the papers of one corpus file (Kaggle or Hugging Face
// format) to fn as documents, skipping bad records.
func ReadCorpus(ctx context.Context, path string, fn func(search.Document)) error {
	_, err := ingest.ReadFile(ctx, path, ingest.FormatAuto, func(p store.Paper) error {
		fn(indexer.Document(&p))
		return nil
	}, nil)
	return err
}
