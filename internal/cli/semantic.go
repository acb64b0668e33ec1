package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/paperboy-dev/paperboy/internal/arxiv"
	"github.com/paperboy-dev/paperboy/internal/embed"
	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/search/follow"
	"github.com/paperboy-dev/paperboy/internal/search/paperdoc"
	"github.com/paperboy-dev/paperboy/internal/search/semantic"
	"github.com/paperboy-dev/paperboy/internal/search/topicmap"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// providerFlags name an OpenAI-compatible embeddings server that makes the
// vectors instead of the corpus-trained model. The API key comes from the
// environment only, so that it never shows in a process list.
type providerFlags struct {
	URL            string        `name:"url" env:"PAPERBOY_EMBED_URL" placeholder:"URL" help:"OpenAI-compatible embeddings server (Ollama, TEI, vLLM, OpenAI): http://127.0.0.1:11434/v1. Default: none; the corpus-trained model embeds. API key: PAPERBOY_EMBED_API_KEY."`
	Model          string        `name:"model" env:"PAPERBOY_EMBED_MODEL" placeholder:"NAME" help:"The provider's model name."`
	Dim            int           `name:"dim" env:"PAPERBOY_EMBED_DIM" placeholder:"N" help:"Dimensions of the provider's vectors."`
	SendDimensions bool          `name:"send-dimensions" env:"PAPERBOY_EMBED_SEND_DIMENSIONS" help:"Ask the provider for --embed-dim dimensions (OpenAI text-embedding-3 models)."`
	Timeout        time.Duration `name:"timeout" env:"PAPERBOY_EMBED_TIMEOUT" default:"1s" help:"Longest wait for a query's embedding before hybrid search answers from words alone."`
}

func (f providerFlags) config() semantic.ProviderConfig {
	return semantic.ProviderConfig{URL: f.URL, Model: f.Model, Dim: f.Dim, SendDimensions: f.SendDimensions}
}

// client connects to the provider cfg names.
func (f providerFlags) client(cfg semantic.ProviderConfig) (*embed.Client, error) {
	return embed.NewClient(embed.ClientOptions{URL: cfg.URL, Model: cfg.Model, Dim: cfg.Dim,
		SendDimensions: cfg.SendDimensions, APIKey: os.Getenv("PAPERBOY_EMBED_API_KEY")})
}

type embedCmd struct {
	Train embedTrainCmd `cmd:"" help:"Train the embedding model on the papers in the database and index their vectors."`
}

type embedTrainCmd struct {
	Dim  int    `name:"dim" default:"256" help:"Dimensions of the embedding."`
	Seed uint64 `name:"seed" default:"1" help:"Random seed: the same seed and papers give the same model."`
	topicMapFlags
	NoTopics bool `name:"no-topics" help:"Do not map the papers into topics (the map of an older model is dropped)."`
}

func (c *embedTrainCmd) Validate() error {
	if c.Dim < 8 || c.Dim > 1024 {
		return fmt.Errorf("--dim %d: want 8 to 1024", c.Dim)
	}
	return nil
}

func (f *providerFlags) Validate() error {
	if f.URL == "" {
		return nil
	}
	if f.Model == "" || f.Dim <= 0 {
		return fmt.Errorf("--embed-url %s: also give --embed-model and --embed-dim", f.URL)
	}
	if f.Timeout <= 0 {
		return fmt.Errorf("--embed-timeout %s: want a positive duration", f.Timeout)
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
	logStage := func(stage string) {
		e.log.Info("embed train", "stage", stage, "elapsed", time.Since(start).Round(time.Second))
	}
	st, err := s.Stats(e.ctx)
	if err != nil {
		return err
	}
	// Two passes over the store, so that memory never holds every paper:
	// the model learns from an evenly spaced sample, then every paper is
	// embedded as it streams by.
	opts := embed.DefaultTrainOptions()
	opts.Dim, opts.Seed = c.Dim, c.Seed
	opts.Progress = logStage
	sample, err := trainingSample(e.ctx, s, st.Papers, opts.MaxTrainDocs)
	if err != nil {
		return err
	}
	model, err := embed.Train(e.ctx, sample, opts)
	if err != nil {
		return err
	}
	sample = nil
	ix := &semantic.Index{Model: model}
	if e.Provider.URL != "" {
		// The corpus model still labels topics and explains similarity;
		// the provider makes every vector.
		cfg := e.Provider.config()
		client, err := e.Provider.client(cfg)
		if err != nil {
			return err
		}
		if err := ix.UseProvider(client, cfg, e.Provider.Timeout); err != nil {
			return err
		}
	}
	// Changes after the feed position EmbedStore records are embedded by a
	// running server (semantic/follow.go), some perhaps twice.
	papers, err := follow.EmbedStore(e.ctx, ix, s, e.semanticDir(), func(done int) {
		if done%(100*4096) == 0 {
			logStage(fmt.Sprintf("embedded %d of about %d papers", done, st.Papers))
		}
	})
	if err != nil {
		return err
	}
	var topics *topicmap.Map
	if !c.NoTopics {
		// The map clusters these vectors: it is built, and saved, with them.
		if topics, err = e.buildTopics(ix, s, c.topicMapFlags, c.Seed, start); err != nil {
			return err
		}
	}
	if err := ix.Save(e.semanticDir()); err != nil {
		return err
	}
	info := ix.Model.Info()
	fmt.Fprintf(e.stdout, "trained a %d-dimension model (%d terms, fingerprint %s) on %d papers and indexed their vectors in %s, into %s\n",
		info.Dim, info.Vocab, info.Fingerprint, papers, time.Since(start).Round(time.Second), e.semanticDir())
	// How well the vectors cluster decides what a query costs: say it.
	fmt.Fprintf(e.stdout, "a query scans the codes of %d of the %d vector lists and re-ranks the best %d exactly (calibrated for recall@10 0.98 with papers' titles as queries)\n",
		ix.Vectors.Probes(), ix.Vectors.Lists(), ix.Vectors.Rerank())
	if topics != nil {
		e.reportTopics(topics, start)
	}
	return nil
}

// trainingSample reads about max evenly spaced visible papers of the n
// stored (all of them when there are fewer), in id order: what the model
// learns from, deterministic for a given store.
func trainingSample(ctx context.Context, s *store.Store, n, max int) ([]search.Document, error) {
	step := 1.0
	if n > max {
		step = float64(n) / float64(max)
	}
	var sample []search.Document
	i, next := 0, 0.0
	err := s.EachPaper(ctx, func(p store.Paper) error {
		if float64(i) >= next && !p.Community.Hidden {
			sample = append(sample, paperdoc.Of(&p))
			next += step
		}
		i++
		return nil
	})
	return sample, err
}

func (e *env) semanticDir() string { return filepath.Join(e.DataDir, "embed") }

// openSemantic loads the trained model and vectors, or returns nil when
// there are none yet. With damaged vectors beside a sound model it also
// returns the index without vectors, its provider set up, and an error
// wrapping semantic.ErrVectorsDamaged (see openLiveSemantic).
//
// Vectors made by an embeddings provider are used with that provider: the
// one configured, which must be the same server and model (a change needs
// 'embed train' to re-embed the corpus), or else the one they were made by.
func (e *env) openSemantic() (*semantic.Index, error) {
	ix, err := semantic.Open(e.semanticDir())
	if errors.Is(err, fs.ErrNotExist) {
		if e.Provider.URL != "" {
			e.log.Warn("--embed-url is set but nothing is embedded yet: run 'paperboy embed train'")
		}
		return nil, nil
	}
	damaged := err
	if err != nil && !errors.Is(err, semantic.ErrVectorsDamaged) {
		return nil, err
	}
	if e.VectorProbes > 0 && ix.Vectors != nil {
		ix.Vectors.SetProbes(int(e.VectorProbes))
	}
	saved := ix.ProviderConfig()
	switch {
	case saved == nil && e.Provider.URL == "":
		return ix, damaged
	case saved == nil:
		return nil, fmt.Errorf("--embed-url %s: the vectors in %s were made by the corpus model; run 'paperboy embed train' with the provider flags to re-embed the corpus", e.Provider.URL, e.semanticDir())
	case e.Provider.URL != "" && *saved != e.Provider.config():
		return nil, fmt.Errorf("the vectors in %s were made by %s (model %s, %d dimensions), not the configured %s (model %s, %d); run 'paperboy embed train' to re-embed the corpus",
			e.semanticDir(), saved.URL, saved.Model, saved.Dim, e.Provider.URL, e.Provider.Model, e.Provider.Dim)
	}
	client, err := e.Provider.client(*saved)
	if err != nil {
		return nil, err
	}
	if err := ix.UseProvider(client, *saved, e.Provider.Timeout); err != nil {
		return nil, err
	}
	return ix, damaged
}

// openLiveSemantic opens the index a server searches with. Damaged files
// do not stop the server: a damaged model is reported for the operator to
// retrain, damaged vectors are returned in rebuild (the index without
// them) for the caller to rebuild from the model; either way search
// answers from words until then.
func (e *env) openLiveSemantic() (live *follow.Vectors, rebuild *semantic.Index, err error) {
	ix, err := e.openSemantic()
	switch {
	case errors.Is(err, semantic.ErrModelDamaged):
		e.log.Error("the embedding model is damaged: search answers from words alone until 'paperboy embed train' makes a new one",
			"dir", e.semanticDir(), "err", err)
		return follow.NewVectors(e.semanticDir(), nil, follow.ReasonRetrain), nil, nil
	case errors.Is(err, semantic.ErrVectorsDamaged):
		e.log.Error("the saved vectors are damaged: search answers from words alone while they are rebuilt from the model",
			"dir", e.semanticDir(), "err", err)
		return follow.NewVectors(e.semanticDir(), nil, follow.ReasonRebuilding), ix, nil
	case err != nil:
		return nil, nil, err
	}
	if ix != nil {
		e.log.Info("embedding model loaded", "papers", ix.Vectors.Len(), "fingerprint", ix.Model.Info().Fingerprint)
	}
	return follow.NewVectors(e.semanticDir(), ix, ""), nil, nil
}

// rebuildVectors rebuilds damaged vectors into live, retrying while the
// store fails, until done or ctx ends.
func (e *env) rebuildVectors(ctx context.Context, live *follow.Vectors, ix *semantic.Index, s *store.Store) {
	for wait := time.Second; ; wait = min(2*wait, time.Minute) {
		start := time.Now()
		n, err := live.Rebuild(ctx, ix, s)
		if err == nil {
			if e.VectorProbes > 0 {
				ix.Vectors.SetProbes(int(e.VectorProbes))
			}
			e.log.Info("rebuilt the vectors: search by meaning is on", "papers", n, "elapsed", time.Since(start).Round(time.Millisecond))
			return
		}
		if ctx.Err() != nil {
			return
		}
		e.log.Error("rebuilding the vectors failed; retrying", "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
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
			Paper:  jsonResult{ID: p.ID, Title: p.Title, Authors: p.Authors, Categories: p.Categories, Upvotes: p.Community.TotalUpvotes()},
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
