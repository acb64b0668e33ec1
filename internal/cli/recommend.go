package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/embed"
	"github.com/paperboy-dev/paperboy/internal/receval"
	"github.com/paperboy-dev/paperboy/internal/recommend"
	"github.com/paperboy-dev/paperboy/internal/search/paperdoc"
	"github.com/paperboy-dev/paperboy/internal/store"
)

type evalRecommendCmd struct {
	Data        string   `name:"data" default:"../shared/data" help:"The shared data directory (arxiv-cs, eval)."`
	JSON        bool     `name:"json" help:"Print the report as JSON."`
	Dim         int      `name:"dim" default:"256" help:"Dimensions of the embedding model trained for the evaluation."`
	Seed        uint64   `name:"seed" default:"1" help:"Random seed of the embedding model and the classifiers."`
	Workers     int      `name:"workers" default:"2" help:"Cases ranked at once."`
	Variants    []string `name:"variants" placeholder:"WORDS" help:"Also measure the other settings of paperboy's model tried (content only) whose names contain one of WORDS; all for every one."`
	ContentOnly bool     `name:"content-only" help:"Skip the with-authors setting."`
	AuthorsOnly bool     `name:"with-authors-only" help:"Skip the content-only setting."`
	NoAnchors   bool     `name:"no-anchors" help:"Skip the anchors (arxiv-sanity-lite's SVM, the tf-idf centroid)."`
	ModelCache  string   `name:"model-cache" placeholder:"FILE" help:"Keep the content-only embedding model in FILE and reuse it when present (for repeated measurements)."`
	AnchorTol   float64  `name:"anchor-tol" default:"1e-6" help:"Tolerance of the anchor's SVM (scikit-learn's LinearSVC uses 1e-6)."`
}

func (c *evalRecommendCmd) Run(e *env) error {
	opts := receval.Options{
		Data: c.Data, Tmp: os.TempDir(), Workers: c.Workers, Seed: c.Seed, AnchorTol: c.AnchorTol, Log: e.log,
		ContentOnly: c.ContentOnly, WithAuthorsOnly: c.AuthorsOnly, NoAnchors: c.NoAnchors,
		Embed: func(ctx context.Context, s *store.Store) (recommend.Vectors, error) {
			return c.embed(ctx, e, s)
		},
	}
	opts.Recommend = recommend.DefaultOptions()
	opts.Recommend.Seed = c.Seed
	for _, v := range recommendVariants(c.Seed) {
		for _, w := range c.Variants {
			if w == "all" || strings.Contains(v.Name, w) {
				opts.Variants = append(opts.Variants, v)
				break
			}
		}
	}
	rep, err := receval.Run(e.ctx, opts)
	if err != nil {
		return err
	}
	if c.JSON {
		return receval.WriteJSON(e.stdout, rep)
	}
	return receval.WriteReport(e.stdout, rep)
}

// embed trains the embedding model on the scratch database as 'embed
// train' does (the same sample of the store, the same options) and embeds
// every paper, as the server's vectors would hold them.
func (c *evalRecommendCmd) embed(ctx context.Context, e *env, s *store.Store) (recommend.Vectors, error) {
	start := time.Now()
	st, err := s.Stats(ctx)
	if err != nil {
		return nil, err
	}
	opts := embed.DefaultTrainOptions()
	opts.Dim, opts.Seed = c.Dim, c.Seed
	opts.Progress = func(stage string) {
		e.log.Info("eval recommend: embed train", "stage", stage, "elapsed", time.Since(start).Round(time.Second))
	}
	sample, err := trainingSample(ctx, s, st.Papers, opts.MaxTrainDocs)
	if err != nil {
		return nil, err
	}
	var model *embed.Model
	if c.ModelCache != "" {
		model, _ = embed.OpenFile(c.ModelCache)
	}
	if model == nil {
		if model, err = embed.Train(ctx, sample, opts); err != nil {
			return nil, err
		}
		if c.ModelCache != "" {
			if err := model.SaveFile(c.ModelCache); err != nil {
				return nil, err
			}
		}
	}
	vecs := recommend.VectorMap{}
	err = s.EachPaper(ctx, func(p store.Paper) error {
		vecs[p.ID] = model.EmbedDocument(paperdoc.Of(&p))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("eval recommend: embed: %w", err)
	}
	return vecs, nil
}

// recommendVariants are the settings of the model measured on the way to
// the default (recommend/doc.go), each a change of the first one tried:
// an SVM over [tf-idf; embedding] fused with the embedding's neighbours;
// the "ef:" ones are the default's tf-idf neighbours fused by reciprocal
// rank with the embedding's, "ez:" the two kernels' logs standardised and
// added (EmbedZ).
func recommendVariants(seed uint64) []receval.Variant {
	base := recommend.Options{EmbedWeight: 1, Negatives: 10000, C: 0.01, Tol: 1e-3, Fusion: 0.5, Seed: seed}
	with := func(name string, change func(*recommend.Options)) receval.Variant {
		o := base
		change(&o)
		return receval.Variant{Name: name, Options: o}
	}
	return []receval.Variant{
		with("first tried: svm [tf-idf; embedding] + embedding neighbours", func(*recommend.Options) {}),
		with("svm over tf-idf alone", func(o *recommend.Options) { o.EmbedWeight, o.Fusion = 0, 0 }),
		with("svm over [tf-idf; embedding]", func(o *recommend.Options) { o.Fusion = 0 }),
		with("embedding nearest profile paper", func(o *recommend.Options) { o.Fusion = 1 }),
		with("fusion, embedding weight 0.3", func(o *recommend.Options) { o.Fusion = 0.3 }),
		with("fusion, embedding weight 0.7", func(o *recommend.Options) { o.Fusion = 0.7 }),
		with("neighbours by kernel 0.05", func(o *recommend.Options) { o.Fusion, o.Kernel = 1, 0.05 }),
		with("neighbours by kernel 0.1", func(o *recommend.Options) { o.Fusion, o.Kernel = 1, 0.1 }),
		with("neighbours, kernel 0.05, half-life 5", func(o *recommend.Options) { o.Fusion, o.Kernel, o.HalfLife = 1, 0.05, 5 }),
		with("svm tf-idf, half-life 5", func(o *recommend.Options) { o.EmbedWeight, o.Fusion, o.HalfLife = 0, 0, 5 }),
		with("fusion, kernel 0.05, half-life 5", func(o *recommend.Options) { o.Kernel, o.HalfLife = 0.05, 5 }),
		with("neighbours by tf-idf cosine, max", func(o *recommend.Options) { o.Fusion, o.TermSimilarity = 1, 1 }),
		with("neighbours by half tf-idf, kernel 0.05", func(o *recommend.Options) { o.Fusion, o.TermSimilarity, o.Kernel = 1, 0.5, 0.05 }),
		with("nb: kernel 0.2", func(o *recommend.Options) { o.Fusion, o.Kernel = 1, 0.2 }),
		with("nb: tf-idf, kernel 0.1", func(o *recommend.Options) { o.Fusion, o.TermSimilarity, o.Kernel = 1, 1, 0.1 }),
		with("nb: half tf-idf, kernel 0.1", func(o *recommend.Options) { o.Fusion, o.TermSimilarity, o.Kernel = 1, 0.5, 0.1 }),
		with("nb: half tf-idf, kernel 0.2", func(o *recommend.Options) { o.Fusion, o.TermSimilarity, o.Kernel = 1, 0.5, 0.2 }),
		with("sv: tf-idf C 0.1", func(o *recommend.Options) { o.EmbedWeight, o.Fusion, o.C = 0, 0, 0.1 }),
		with("sv: tf-idf + neighbours half tf-idf kernel 0.1", func(o *recommend.Options) { o.EmbedWeight, o.TermSimilarity, o.Kernel = 0, 0.5, 0.1 }),
		with("rare: tf-idf neighbours kernel 0.1, min_df 2, 500k terms", func(o *recommend.Options) {
			o.Fusion, o.TermSimilarity, o.Kernel, o.MinDF, o.MaxTerms = 1, 1, 0.1, 2, 500_000
		}),
		with("rare: tf-idf neighbours max, min_df 2, 500k terms", func(o *recommend.Options) {
			o.Fusion, o.TermSimilarity, o.MinDF, o.MaxTerms = 1, 1, 2, 500_000
		}),
		with("rare: half tf-idf neighbours kernel 0.1, min_df 2, 500k terms", func(o *recommend.Options) {
			o.Fusion, o.TermSimilarity, o.Kernel, o.MinDF, o.MaxTerms = 1, 0.5, 0.1, 2, 500_000
		}),
		with("best: rare tf-idf neighbours kernel 0.2", func(o *recommend.Options) {
			o.Fusion, o.TermSimilarity, o.Kernel, o.MinDF, o.MaxTerms = 1, 1, 0.2, 2, 500_000
		}),
		with("best: rare tf-idf neighbours kernel 0.1 + metadata", func(o *recommend.Options) {
			o.Fusion, o.TermSimilarity, o.Kernel, o.MinDF, o.MaxTerms, o.Metadata = 1, 1, 0.1, 2, 500_000, true
		}),
		with("best: svm rare tf-idf", func(o *recommend.Options) {
			o.EmbedWeight, o.Fusion, o.MinDF, o.MaxTerms = 0, 0, 2, 500_000
		}),
		with("best: svm rare tf-idf + rare tf-idf neighbours kernel 0.1", func(o *recommend.Options) {
			o.EmbedWeight, o.TermSimilarity, o.Kernel, o.MinDF, o.MaxTerms = 0, 1, 0.1, 2, 500_000
		}),
		with("best: svm rare tf-idf + rare tf-idf neighbours kernel 0.1 + metadata", func(o *recommend.Options) {
			o.EmbedWeight, o.TermSimilarity, o.Kernel, o.MinDF, o.MaxTerms, o.Metadata = 0, 1, 0.1, 2, 500_000, true
		}),
		with("nb2: rare+metadata kernel 0.05", func(o *recommend.Options) {
			o.Fusion, o.TermSimilarity, o.Kernel, o.MinDF, o.MaxTerms, o.Metadata = 1, 1, 0.05, 2, 500_000, true
		}),
		with("nb2: rare+metadata kernel 0.1 trigrams 1M terms", func(o *recommend.Options) {
			o.Fusion, o.TermSimilarity, o.Kernel, o.MinDF, o.MaxTerms, o.Metadata, o.NGrams = 1, 1, 0.1, 2, 1_000_000, true, 3
		}),
		with("nb2: rare+metadata kernel 0.1 max_df 0.02", func(o *recommend.Options) {
			o.Fusion, o.TermSimilarity, o.Kernel, o.MinDF, o.MaxTerms, o.Metadata, o.MaxDF = 1, 1, 0.1, 2, 500_000, true, 0.02
		}),
		with("nb2: rare+metadata kernel 0.1 max_df 0.3", func(o *recommend.Options) {
			o.Fusion, o.TermSimilarity, o.Kernel, o.MinDF, o.MaxTerms, o.Metadata, o.MaxDF = 1, 1, 0.1, 2, 500_000, true, 0.3
		}),
		with("nb2: rare+metadata 0.8 tf-idf 0.2 embedding kernel 0.1", func(o *recommend.Options) {
			o.Fusion, o.TermSimilarity, o.Kernel, o.MinDF, o.MaxTerms, o.Metadata = 1, 0.8, 0.1, 2, 500_000, true
		}),
		with("nb3: rare+metadata kernel 0.1 max_df 0.5", func(o *recommend.Options) {
			o.Fusion, o.TermSimilarity, o.Kernel, o.MinDF, o.MaxTerms, o.Metadata, o.MaxDF = 1, 1, 0.1, 2, 1_000_000, true, 0.5
		}),
		with("nb3: rare+metadata kernel 0.1 max_df 1", func(o *recommend.Options) {
			o.Fusion, o.TermSimilarity, o.Kernel, o.MinDF, o.MaxTerms, o.Metadata, o.MaxDF = 1, 1, 0.1, 2, 1_000_000, true, 1
		}),
		with("nb3: rare+metadata kernel 0.1 max_df 0.5 trigrams", func(o *recommend.Options) {
			o.Fusion, o.TermSimilarity, o.Kernel, o.MinDF, o.MaxTerms, o.Metadata, o.MaxDF, o.NGrams = 1, 1, 0.1, 2, 2_000_000, true, 0.5, 3
		}),
		with("nb3: rare+metadata kernel 0.15 max_df 0.5", func(o *recommend.Options) {
			o.Fusion, o.TermSimilarity, o.Kernel, o.MinDF, o.MaxTerms, o.Metadata, o.MaxDF = 1, 1, 0.15, 2, 1_000_000, true, 0.5
		}),
		with("ef: tf-idf neighbours + embedding neighbours by reciprocal rank, 0.2", func(o *recommend.Options) {
			*o = recommend.DefaultOptions()
			o.Seed, o.EmbedZ, o.EmbedFusion = seed, 0, 0.2
		}),
		with("ef: tf-idf neighbours + embedding neighbours by reciprocal rank, 0.35", func(o *recommend.Options) {
			*o = recommend.DefaultOptions()
			o.Seed, o.EmbedZ, o.EmbedFusion = seed, 0, 0.35
		}),
		with("ef: tf-idf neighbours + embedding neighbours by reciprocal rank, 0.5", func(o *recommend.Options) {
			*o = recommend.DefaultOptions()
			o.Seed, o.EmbedZ, o.EmbedFusion = seed, 0, 0.5
		}),
		with("ez: tf-idf neighbours + embedding neighbours standardised, 0.25", func(o *recommend.Options) {
			*o = recommend.DefaultOptions()
			o.Seed, o.EmbedZ = seed, 0.25
		}),
		with("svm tf-idf with comments and categories", func(o *recommend.Options) { o.EmbedWeight, o.Fusion, o.Metadata = 0, 0, true }),
		with("svm tf-idf + neighbours half tf-idf, kernel 0.05, half-life 5", func(o *recommend.Options) {
			o.EmbedWeight, o.TermSimilarity, o.Kernel, o.HalfLife = 0, 0.5, 0.05, 5
		}),
	}
}
