// Package embed gives paperboy a text representation learned from the
// papers it holds, with nothing to download, and a client for
// OpenAI-compatible embedding servers for deployments that have one.
//
// # Model
//
// Train fits latent semantic analysis: papers (title twice, then the
// abstract) are tokenised (LaTeX commands dropped, accents folded,
// lower-cased, stop words dropped, Snowball-stemmed), weighted by
// sublinear tf-idf over a vocabulary of terms in at least 3 and at most
// half of the papers, and the tf-idf matrix is factored by a randomized
// truncated SVD (Halko, Martinsson and Tropp 2011: Gaussian sketch of 280
// columns, 2 power iterations, CholeskyQR2 orthonormalisation, Jacobi
// eigen-decomposition of the small Gram matrix), all in float64 loops
// with vek's SIMD dot products. A text's embedding is its tf-idf vector
// folded in, V·diag(σ^(p-1)), L2-normalised (256 dims). Training is
// deterministic given the seed and the papers' order (tested; the block
// sums do not depend on the worker count), and the model file carries a
// format version, its options and a fingerprint: a different fingerprint
// means the corpus must be re-embedded. New papers are embedded by
// folding in, without retraining.
//
// Cost on the 2-core machine: 84,222 papers (arxiv-cs + hf-daily +
// CSFCube corpus), 24,822 terms: 66 s alone, 2 min 9 s beside another
// 2-core job; model file 25 MiB. The work is linear in the non-zeros of
// the matrix and in the number of papers × 280 for the dense sketch, and
// Train samples at most MaxTrainDocs (400k) papers for the SVD, so at 3M
// papers training stays at a few minutes and about 2 GiB (400k × 280 ×
// 8 B per dense copy) and the other papers are folded in by
// EmbedDocuments (a sparse sum per paper, not timed separately).
//
// # Measurements
//
// CSFCube (query = the query paper's title + abstract, pool ranked; MAP at
// relevance ≥ 2, NDCG%20 linear gain) and known-item MRR@10 / R@10 on the
// 80,017 papers (the summary as query, and masked of coined names), one
// LSA model (seed 1, 84,222 papers, 256 dims, p = 0.25). "Searcher" rows
// go through semantic.Searcher with the approximate vector index, as
// 'paperboy eval search' and the server do; "exact" rows fuse exact
// cosines with paperboy's lexical scores in a test harness. Known-item
// R@10 is 1.000 for every lexical and hybrid row.
//
//	                                             CSFCube MAP  NDCG%20   MRR@10 query  masked
//	Searcher, lexical                            0.322        0.527     0.995         0.992
//	Searcher, semantic (LSA)                     0.274        0.482     0.794         0.736   (R@10 0.843 / 0.800)
//	Searcher, hybrid (DefaultFusion, α 0.85)     0.343        0.543     0.995         0.991
//	  lexical weight α 0.6 / 0.7 / 0.75          0.322 / 0.331 / 0.334 MAP
//	  α 0.8 / 0.9                                0.337 / 0.332 MAP     0.996 / 0.995  0.991 / 0.991
//	  min-max over the first 30/100/500 only     0.331 / 0.336 / 0.341 MAP
//	  exact vector search (semantic 0.283/0.491) 0.338        0.539
//	Rocchio feedback, q' = q + β·centroid:
//	  of lexical top 1, β 0.3                    0.342        0.542     0.994         0.991
//	  of lexical top 3 / 10, β 0.5               0.337 / 0.335 MAP, NDCG 0.543 / 0.545, MRR 0.994 / 0.991
//	  of semantic top 3, β 0.3                   0.344        0.545     0.995         0.991
//	  of semantic top 5 / 10, β 0.5 / 1          0.339 / 0.331 MAP
//	  of fused top 3 / 10, β 0.3 / 1             0.340 / 0.332 MAP
//	exact, tf-idf cosine alone                   0.321        0.518     -             -
//	exact, lexical + LSA + tf-idf, convex
//	  weights .6/.2/.2 and .5/.25/.25            0.344 / 0.346 MAP, NDCG 0.550 / 0.548
//	exact, lexical + LSA + a second lexical
//	  search with the query's 40 key terms       0.345        0.554     -             -
//	exact, fused scores regularised over the
//	  10 nearest of the top 100, λ 0.2 / 0.4     0.342 / 0.343  0.545 / 0.552  -       -
//	exact, word vectors alone (100 dims)         0.274        0.457     -             -
//	exact, LSA ⊕ word vectors (96 dims), the
//	  word half's share w of the cosine:
//	  w 0 (LSA), semantic / hybrid α 0.85        0.283 / 0.340  0.491 / 0.545  0.893 / 0.995  0.866 / 0.991
//	  w 0.25, semantic / hybrid α 0.85           0.290 / 0.340  0.487 / 0.544  0.940 / 0.995  0.906 / 0.991
//	  w 0.4, semantic / hybrid α 0.85            0.291 / 0.339  0.492 / 0.543  0.951 / 0.995  0.908 / 0.991
//	  w 0.4, hybrid α 0.75                       0.343        0.550     0.994         0.990
//	  w 0.5 / 0.6, semantic                      0.289 / 0.290  0.492 / 0.490  0.943 / 0.928  0.897 / 0.879
//	(SPECTER 0.342 / 0.533, FTS5 0.329 / 0.540)
//
// The word vectors were skip-gram with negative sampling and fastText
// character 3-6-gram subwords (100k hashed buckets; an unseen word is the
// mean of its n-grams), window 5, 5 negatives, 3 epochs, sub-sampling
// 1e-4, over the stemmed tokens; documents were SIF averages
// (a/(a+p(w)), a = 1e-3, the first principal component removed). On one
// goroutine, for determinism, they took 5 min 55 s beside another job
// (11.2M tokens, 52,791 words, about 2 min an epoch), against 31 s for
// the LSA. The work is linear in the tokens, so at 3M papers they would
// train on the 400k-paper sample (about 50M tokens, some 10 min an epoch
// on one core) and fold every paper in as a sum of known vectors. They
// make the semantic list much better for short queries (known-item
// MRR@10 0.893 → 0.951) but the hybrid ranking not at all, so the model
// stays LSA alone and their code is not kept.
//
// Nothing tried moves the hybrid ranking past the noise of 50 queries
// (±0.005 MAP): every bag-of-words signal, fused any way, lands at 0.34
// to 0.346 MAP, at the level of SPECTER. The targets (hybrid ≥
// 0.36 / 0.56 on CSFCube; known-item hybrid gaining over lexical on the
// masked queries) are NOT met. Of the 400 masked queries lexical ranking
// misses the first place for 5 and hybrid for 6: fusion lifts one paper
// from 2 to 1 and one from 6 to 3, and drops two whose lexical margins
// are under 1 % from 1 to 2, with R@10 1.000 either way. Getting further
// likely needs a model of meaning learnt beyond this corpus's
// co-occurrences (a provider, see below). The fusion weights were picked
// on these evaluation sets; there is no held-out split.
//
// Through the Searcher three CSFCube abstracts (two quote a phrase, one
// writes "->") are ranked by the words alone, as the server ranks such a
// query: hence hybrid 0.343 / 0.543 where the evaluation's own fusion of
// every query used to read 0.345 / 0.551.
//
// Reproduce the first three rows (minutes):
//
//	go run ./cmd/paperboy eval search --data ../shared/data
//
// and the older RRF sweep of LSA alone (PAPERBOY_EVAL_SWEEP=1 for p in 0..1):
//
//	PAPERBOY_EVAL=1 go test -run TestSemanticEval -v -timeout 30m ./internal/embed/
//
// # Providers
//
// Client speaks POST /v1/embeddings (OpenAI, Ollama, TEI, vLLM): batches
// of BatchSize texts, up to MaxRetries retries with doubling, jittered
// backoff on transport errors, timeouts, 429 and 5xx (never on other
// 4xx or a wrong-shaped answer), a per-request Timeout, and the caller's
// context deadline, which search uses to fall back to lexical results.
package embed
