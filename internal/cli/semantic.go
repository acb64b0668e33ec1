package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/paperboy-dev/paperboy/internal/arxiv"
	"github.com/paperboy-dev/paperboy/internal/embed"
	"github.com/paperboy-dev/paperboy/internal/indexer"
	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/semantic"
	"github.com/paperboy-dev/paperboy/internal/store"
)

type embedCmd struct {
	Train embedTrainCmd `cmd:"" help:"Train the embedding model on the papers in the database and index their vectors."`
}

type embedTrainCmd struct {
	Dim  int    `name:"dim" default:"256" help:"Dimensions of the embedding."`
	Seed uint64 `name:"seed" default:"1" help:"Random seed: the same seed and papers give the same model."`
}

func (c *embedTrainCmd) Validate() error {
	if c.Dim < 8 || c.Dim > 1024 {
		return fmt.Errorf("--dim %d: want 8 to 1024", c.Dim)
	}
	return nil
}

func (c *embedTrainCmd) Run(e *env) error {
	s, err := e.openStore()
	if err != nil {
		return err
	}
	defer s.Close()
	start := time.Now()
	// The feed's position before the papers are read: changes after it are
	// embedded by a running server (semantic/follow.go), some perhaps twice.
	st, err := s.Stats(e.ctx)
	if err != nil {
		return err
	}
	var docs []search.Document
	err = s.EachPaper(e.ctx, func(p store.Paper) error {
		docs = append(docs, indexer.Document(&p))
		return nil
	})
	if err != nil {
		return err
	}
	opts := embed.DefaultTrainOptions()
	opts.Dim, opts.Seed = c.Dim, c.Seed
	opts.Progress = func(stage string) {
		e.log.Info("embed train", "stage", stage, "elapsed", time.Since(start).Round(time.Second))
	}
	ix, err := semantic.Build(e.ctx, docs, opts)
	if err != nil {
		return err
	}
	ix.SetSeq(st.LastChange)
	if err := ix.Save(e.semanticDir()); err != nil {
		return err
	}
	info := ix.Model.Info()
	fmt.Fprintf(e.stdout, "trained a %d-dimension model (%d terms, fingerprint %s) on %d papers and indexed their vectors in %s, into %s\n",
		info.Dim, info.Vocab, info.Fingerprint, len(docs), time.Since(start).Round(time.Second), e.semanticDir())
	return nil
}

func (e *env) semanticDir() string { return filepath.Join(e.DataDir, "embed") }

// modelStamp identifies the model saved in dir by its file's size and
// modification time ("" when there is none).
func modelStamp(dir string) string {
	fi, err := os.Stat(filepath.Join(dir, "model.bin"))
	if err != nil {
		return ""
	}
	return fmt.Sprint(fi.Size(), fi.ModTime().UnixNano())
}

// openSemantic loads the trained model and vectors, or returns nil when
// there are none yet.
func (e *env) openSemantic() (*semantic.Index, error) {
	ix, err := semantic.Open(e.semanticDir())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return ix, err
}

type similarCmd struct {
	ID    string `arg:"" name:"id" help:"arXiv id of the paper."`
	Limit int    `name:"limit" short:"n" default:"10" help:"How many papers."`
	JSON  bool   `name:"json" help:"Print a JSON array of {paper:{id, title, ...}, reason}."`
}

func (c *similarCmd) Validate() error {
	if c.Limit < 1 || c.Limit > 1000 {
		return fmt.Errorf("--limit %d: want 1 to 1000", c.Limit)
	}
	return nil
}

func (c *similarCmd) Run(e *env) error {
	id, err := arxiv.ParseID(c.ID)
	if err != nil {
		return err
	}
	s, err := e.openStore()
	if err != nil {
		return err
	}
	defer s.Close()
	sem, err := e.openSemantic()
	if err != nil {
		return err
	}
	if sem == nil {
		return errors.New("no embedding model yet: run 'paperboy embed train' first")
	}
	paper, err := s.Paper(e.ctx, id.Base)
	if err != nil {
		return err
	}
	similar, err := sem.SimilarPapers(e.ctx, s, paper, c.Limit)
	if err != nil {
		return err
	}
	type item struct {
		Paper  jsonResult `json:"paper"`
		Reason string     `json:"reason"`
	}
	items := []item{}
	for _, sp := range similar {
		p := &sp.Paper
		items = append(items, item{
			Paper:  jsonResult{ID: p.ID, Title: p.Title, Authors: p.Authors, Categories: p.Categories, Upvotes: p.Community.Upvotes},
			Reason: sp.Reason,
		})
	}
	if c.JSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(items)
	}
	fmt.Fprintf(e.stdout, "papers like %s, %s\n", paper.ID, paper.Title)
	for i, it := range items {
		fmt.Fprintf(e.stdout, "\n%2d. %s\n    arXiv:%s · %s\n", i+1, it.Paper.Title, it.Paper.ID, it.Reason)
	}
	return nil
}
