package receval

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/paperboy-dev/paperboy/internal/recommend"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Published are the anchor's figures measured with scikit-learn on the dev
// cases (issue 21).
var Published = map[string]Metrics{
	ContentOnly: {Recall: 0.217, NDCG: 0.145, MRR: 0.156},
	WithAuthors: {Recall: 0.559, NDCG: 0.425, MRR: 0.434},
}

// The two settings of the protocol.
const (
	ContentOnly = "content only"
	WithAuthors = "with authors"
)

// Systems in the report.
const (
	SystemPaperboy = "paperboy"
	SystemAnchor   = "arxiv-sanity-lite (Go)"
	SystemSklearn  = "arxiv-sanity-lite (scikit-learn, issue 21)"
	SystemCentroid = "tf-idf centroid"
)

// Options configure Run.
type Options struct {
	Data    string // the shared data directory
	Tmp     string // where the scratch databases go
	Workers int
	Seed    uint64
	// Embed trains the embedding model on a scratch database as 'embed
	// train' does and returns every paper's vector; the model's text
	// leaves authors out, so Run trains once and reuses the vectors for
	// the with-authors database.
	Embed func(ctx context.Context, s *store.Store) (recommend.Vectors, error)
	// Recommend configures paperboy's model; recommend.DefaultOptions
	// when zero.
	Recommend recommend.Options
	// Variants are other settings of paperboy's model, measured in the
	// content-only setting beside it (the experiments in recommend/doc.go).
	Variants []Variant
	// ContentOnly skips the with-authors setting; NoAnchors skips the
	// anchors (for measuring settings of paperboy's model quickly).
	ContentOnly, NoAnchors bool
	// WithAuthorsOnly skips the content-only setting (to run the two
	// settings as two processes).
	WithAuthorsOnly bool
	// AnchorTol is the anchor SVM's tolerance (1e-6, scikit-learn's, when zero).
	AnchorTol float64
	Log       *slog.Logger
}

// Variant is a named setting of paperboy's model.
type Variant struct {
	Name    string
	Options recommend.Options
}

// Row is one system's figures in one setting.
type Row struct {
	Setting string        `json:"setting"`
	System  string        `json:"system"`
	Metrics               // averaged over the cases
	Elapsed time.Duration `json:"elapsed_ns,omitempty"`
}

// Report is the evaluation's result.
type Report struct {
	Cases      int   `json:"cases"`
	Candidates int   `json:"candidates"`
	Rows       []Row `json:"rows"`
}

// Run runs the author-continuation protocol: for each setting a scratch
// database is built from the corpus, the model trained on it and every
// case ranked by paperboy's recommender and the anchors.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if opts.Recommend == (recommend.Options{}) {
		opts.Recommend = recommend.DefaultOptions()
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	cases, err := LoadCases(filepath.Join(opts.Data, CasesFile))
	if err != nil {
		return nil, err
	}
	rep := &Report{Cases: len(cases)}
	var vecs recommend.Vectors
	settings := []string{ContentOnly, WithAuthors}
	if opts.ContentOnly {
		settings = settings[:1]
	}
	if opts.WithAuthorsOnly {
		settings = settings[1:]
	}
	for _, setting := range settings {
		start := time.Now()
		sc, err := BuildScratch(ctx, filepath.Join(opts.Data, ArxivFile), opts.Tmp, setting == ContentOnly)
		if err != nil {
			return nil, err
		}
		defer sc.Close()
		cands := sc.Candidates()
		rep.Candidates = len(cands)
		opts.Log.Info("eval recommend: scratch database", "setting", setting, "papers", len(sc.Papers), "candidates", len(cands), "elapsed", time.Since(start).Round(time.Second))
		if vecs == nil && opts.Embed != nil {
			if !needsEmbeddings(opts) {
				// Training the embedding model is most of a run's time;
				// no measured setting reads its vectors.
				vecs = recommend.VectorMap{}
			} else if vecs, err = opts.Embed(ctx, sc.Store); err != nil {
				return nil, err
			} else {
				opts.Log.Info("eval recommend: embedding model trained", "elapsed", time.Since(start).Round(time.Second))
			}
		}
		run := func(system string, r Ranker) error {
			t := time.Now()
			m, err := Evaluate(ctx, cases, cands, r, opts.Workers)
			if err != nil {
				return fmt.Errorf("receval: %s, %s: %w", system, setting, err)
			}
			rep.Rows = append(rep.Rows, Row{Setting: setting, System: system, Metrics: m, Elapsed: time.Since(t)})
			opts.Log.Info("eval recommend", "setting", setting, "system", system, "recall@20", m.Recall, "ndcg@20", m.NDCG, "mrr", m.MRR, "elapsed", time.Since(t).Round(time.Second))
			return nil
		}
		if vecs != nil {
			systems := []Variant{{SystemPaperboy, opts.Recommend}}
			if setting == ContentOnly {
				systems = append(systems, opts.Variants...)
			}
			for _, v := range systems {
				f, err := recommend.NewFeatures(ctx, sc.Papers, vecs, v.Options)
				if err != nil {
					return nil, err
				}
				if err := run(v.Name, paperboyRanker(f)); err != nil {
					return nil, err
				}
			}
		}
		if opts.NoAnchors {
			continue
		}
		a := NewSanity(sc.Papers, opts.Seed)
		a.tol = opts.AnchorTol
		if err := run(SystemCentroid, a.Centroid); err != nil {
			return nil, err
		}
		if err := run(SystemAnchor, a.Rank); err != nil {
			return nil, err
		}
		rep.Rows = append(rep.Rows, Row{Setting: setting, System: SystemSklearn, Metrics: Published[setting]})
		if err := sc.Close(); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// needsEmbeddings reports whether paperboy's model or one of the variants
// reads the papers' embeddings.
func needsEmbeddings(opts Options) bool {
	uses := recommend.Options.UsesEmbeddings
	if uses(opts.Recommend) {
		return true
	}
	for _, v := range opts.Variants {
		if uses(v.Options) {
			return true
		}
	}
	return false
}

// paperboyRanker ranks through recommend.Features.Rank, the function
// behind the server's recommendations.
func paperboyRanker(f *recommend.Features) Ranker {
	return func(ctx context.Context, profile, candidates []string) ([]string, error) {
		res, err := f.Rank(ctx, profile, candidates, recommend.RankOptions{Limit: Cutoff})
		if err != nil {
			return nil, err
		}
		ids := make([]string, len(res))
		for k, r := range res {
			ids[k] = r.ID
		}
		return ids, nil
	}
}

// WriteReport prints the report as a table.
func WriteReport(w io.Writer, rep *Report) error {
	fmt.Fprintf(w, "author continuation: %d authors, %d candidates (March 2026)\n\n", rep.Cases, rep.Candidates)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "setting\tsystem\tRecall@20\tnDCG@20\tMRR\ttook")
	for _, r := range rep.Rows {
		took := "published"
		if r.Elapsed > 0 {
			took = r.Elapsed.Round(time.Second).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%.3f\t%.3f\t%.3f\t%s\n", r.Setting, r.System, r.Recall, r.NDCG, r.MRR, took)
	}
	return tw.Flush()
}

// WriteJSON prints the report as JSON.
func WriteJSON(w io.Writer, rep *Report) error { return json.NewEncoder(w).Encode(rep) }
