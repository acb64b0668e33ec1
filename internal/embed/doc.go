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
// relevance ≥ 2, NDCG%20 linear gain) and known-item MRR@10 on the 80,017
// papers, all measured in one run of TestSemanticEval with p = 0:
//
//	                                   CSFCube MAP  NDCG%20   known-item MRR@10  masked
//	lexical (paperboy engine)          0.293        0.480     0.995              0.990
//	tf-idf cosine (this vocabulary)    0.321        0.518     -                  -
//	LSA 256, semantic only             0.279        0.489     0.885              0.851
//	hybrid RRF k=60 lexical + LSA      0.310        0.529     0.962              0.949
//	hybrid, LSA weight 0.5             0.306        0.515     0.970              0.961
//	hybrid, LSA weight 0.25            -            -         0.978              0.971
//	RRF lexical + LSA + tf-idf         0.331        0.539     -                  -
//	(SPECTER 0.342 / 0.533, FTS5 0.331 / 0.540 linear gain)
//
// p = 0.25 (the default) gave 0.283 / 0.491 semantic-only, 0.309 / 0.525
// hybrid and 0.332 / 0.539 for the three-list fusion: the σ weighting
// matters little. The targets (hybrid ≥ 0.36 / 0.56
// on CSFCube, known-item not below lexical) are NOT met by LSA: fusing
// an 0.885-MRR ranker into a 0.995 one with equal RRF weights costs the
// head of the lexical list. Next steps, in expected order of value:
// word vectors (skip-gram with subwords, SIF-weighted) trained on the
// corpus; a lexical weight above the semantic one or fusing only when the
// lexical top is not confident; the tf-idf cosine as a third list for
// paper-to-paper similarity (CSFCube, similar papers).
//
// Reproduce (minutes; add PAPERBOY_EVAL_SWEEP=1 for p in 0..1):
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
