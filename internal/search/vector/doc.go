// Package vector is an index of unit vectors keyed by string id (in memory,
// or mapped from its file by OpenFile),
// searched by inner product (cosine similarity for unit vectors).
//
// It is an inverted-file index: k-means centroids partition the vectors
// into lists, each list's float32 vectors stored contiguously beside a
// 256-bit code of each vector's residual from the centroid. A query scores
// the centroids, estimates its inner products with the vectors of the
// nearest lists (as many as Train calibrated, or Options.Probe) from their
// codes, and scores the best estimates exactly with SIMD dot products to
// keep the top k. Until Train is called (and for SearchExact) every vector
// is in one list scanned in float32, which is exact search, the reference
// the approximate search is measured against.
//
// The files follow those steps: index.go holds the type, Add and Delete;
// search.go the probing, the scan of codes and the exact re-ranking;
// train.go k-means and the assignment of vectors to lists; calibrate.go
// the choice of probe count and re-rank depth; codes.go the residual
// codes; persist.go Save and Open. Open reads only the current format
// (FormatVersion) and returns ErrFormat for any other file, which its
// caller answers by embedding the papers again from the database.
// OpenFile maps the file read-only and uses its vectors, codes and weights
// in place (format 4 aligns them): they live in the page cache, not on the
// Go heap, which keeps only the ids, their map (about 120 bytes a vector)
// and the centroids. A list is copied to the heap when a deletion must
// write into it; additions append to a copy anyway. The whole file's CRC
// is checked at open, so a truncated or damaged file is ErrFormat, never a
// fault later (TestOpenFileSurvivesTruncationAndBitFlips).
//
// The index was built to find the ten nearest of 3 million vectors with
// recall@10 of at least 0.95 and a 99th-percentile latency under 10 ms.
//
// # Choice of method
//
// A trial of the options before this package was written (384 dims,
// synthetic clustered vectors) measured binary codes of whole vectors
// with float32 re-ranking at recall@10 0.88 at 1M, under the 0.95 target,
// and IVF-flat at 0.954-0.986; the Go HNSW library tried
// (github.com/coder/hnsw v0.6.1) returned wrong neighbours. IVF is the simplest
// to update incrementally (a new vector joins its nearest list) and to
// persist (lists are flat arrays), so it is what this package does.
//
// IVF-flat alone missed the latency target at 3M: the probed lists' float32
// vectors (1 KiB each) are read from memory for every query, so the scan is
// bound by memory bandwidth (p50 14 ms, p99 20 ms on clustered synthetic
// vectors). So each list also keeps a 256-bit code of every vector's
// residual from the centroid, after a random rotation, and one weight
// (RaBitQ's estimator, codes.go): 36 bytes instead of 1,024. A query
// estimates every probed vector's score from its code with one table
// lookup per code byte (about 14 ns a vector, against about 40 ns for a
// float32 dot product in cache and more from memory), and only the best
// estimates are scored exactly. Unlike the trial's codes of whole vectors,
// codes of residuals inside the probed lists lose little: the trial's
// recall loss came from ranking all 1M vectors by Hamming distance.
//
// Train calibrates the re-rank depth as it calibrates the probe count
// (below): the stored sample's true neighbours that lie in the probed
// lists are ranked among the estimates, and the depth is twice the 0.99
// quantile of their ranks (held-out queries lost 1-2% more than the stored
// vectors predicted). The codes cost 36 bytes a vector (108 MB at 3M) and
// are saved with the index.
//
// # How many lists a query scans
//
// A fixed share of the lists (max(8, lists/32), 3%) found all ten
// nearest neighbours of synthetic clustered vectors, but only 85% of them
// for the real papers' LSA vectors, which are not clustered much: 23% of
// the lists were needed for 95%. So Train calibrates the probe count to
// the data (Index.calibrate): 200 stored vectors look for their ten
// nearest others, each neighbour needs the lists down to its own in the
// query's ranking of the centroids, and the probe count is the
// Options.Recall quantile of those needs (0.98 by default, at least 8
// lists), and is saved with the index. On the 80,017 real papers (283 lists) the
// float32 index chose 83 lists, and the known-item queries, embedded by the
// model, found recall@10 0.964 at p50 1.28 ms and p99 1.94 ms, against
// exact search at p50 2.9 ms (before: 8 lists, recall 0.854, p50 0.16 ms).
// With the codes a rebuilt model chose 111 lists and a re-rank depth of
// 294, and found recall@10 0.970 at p50 0.83 ms and p99 1.09 ms beside
// another 2-core job (exact search p50 6.4 ms in the same run):
//
//	PAPERBOY_BENCH_EMBED=<data-dir>/embed PAPERBOY_DATA=../shared/data go test -run TestRealVectorRecall -v ./internal/search/semantic/
//
// Stored vectors lie inside their own lists; real queries are short and
// fall between lists more often. In the evaluation's index (84,222 papers,
// fine-tuned model) the count calibrated on stored vectors, 46 of 283
// lists, cost semantic search 0.01 known-item MRR@10 against exact search,
// and twice the lists recovered it. So TrainFor takes query vectors
// instead, and the semantic package calibrates on 200 papers' titles
// embedded as queries: on the 80,017 real papers it chose 64 lists and a
// re-rank of 276, recall@10 0.977 on the known-item queries at p50 0.53
// ms beside another job (exact p50 3.9 ms in the same run).
//
// # A budget per query
//
// Calibration asks for as many lists as recall needs, which on vectors that
// cluster poorly is most of them (1,171 of 1,732 lists and a re-rank of
// 31,878 for a hundred results on 3M recombined-sentence papers: p99 101
// ms alone, 713 ms at eight clients). So a query's work is also bounded
// (Options.ScanBudget, RerankBudget): the nearest lists are scanned until
// 250,000 codes are estimated, and at most 1,000 estimates are re-ranked,
// a few milliseconds a core whatever the data. SearchBounded says when
// the budget cut a query; hybrid search then also scores its lexical
// candidates exactly (semantic.Index.SearchWith), a hundred dot products,
// so the papers both lists name are fused with their true similarity. On
// clustered data and on the 80k real papers (68 lists of about 280) the
// scan budget does not bind; the re-rank budget binds only queries for a
// hundred (hybrid's), at recall@100 0.947 instead of 0.951. TestRealVectorRecall reports recall with and
// without it.
//
// # Figures
//
// Synthetic clustered unit vectors, 256 dims (n/1000 centres, noise 1.2
// per dimension, so points of one cluster have cosine about 0.4), 500
// held-out queries, top 10, one client, Options defaults. Each run also
// scans the same lists in float32, the baseline of the same run. 3M on a
// quiet machine; 1M beside another 2-core job:
//
//	                          1M*                 3M
//	add                       27 s                1 min 17 s
//	train + assign + encode   73 s                2 min 17 s
//	heap                      1,103 MiB           3,252 MiB   (≈ n × (dim×4 + 36 + 70) bytes)
//	lists / probe / re-rank   1000 / 8 / -        1732 / 92 / 996
//	search p50 / p99          0.50 / 8.3 ms       2.56 / 4.93 ms
//	  float32 scan, same run  -                   8.17 / 18.3 ms
//	recall@10                 0.994               0.978 (float32 scan: 0.978)
//	exact search              99 ms               146 ms
//
// (*with the codes, before the re-rank depth was doubled, without the
// float32 baseline.) At 3M the codes make a query 3.2 times faster at the
// median and 3.7 times at the 99th percentile than the float32 scan of the
// same lists, at the same recall, and meet the targets (recall@10 ≥ 0.95,
// p99 < 10 ms) on these vectors. Vectors that cluster poorly need many more lists (the real
// papers' LSA vectors 39%, the fine-tuned ones 20%), and then the scan of codes, about 14 ns a
// vector, is the cost, and the re-rank grows too. The 3M synthetic papers
// of 'paperboy gen-corpus' (words drawn without co-occurrence, so their
// LSA vectors barely cluster) needed 1,240 of 1,732 lists and a re-rank
// of 92,550: a query for ten took p50 79 ms from the codes against 117 ms
// for the float32 scan of the same lists, recall@10 0.973 both (40 stored
// vectors as queries, one client, quiet machine). For a hundred results
// the re-rank would exceed an eighth of the scanned vectors, and then the
// lists are scanned in float32 (p50 111 ms). Reproduce with
//
//	PAPERBOY_BENCH=1 PAPERBOY_BENCH_SIZES=100000,1000000,3000000 go test -run TestScaleFigures -v -timeout 1h ./internal/vector/
//
// Topical synthetic papers ('gen-corpus --topical 0.8': each paper keeps
// most of the words of the real paper it follows) cluster more like real
// ones. At 3M, with the fine-tuned model (19 min to train and embed),
// calibration on titles chose 338 of 1,732 lists and a re-rank of 1,294.
// The 400 known-item sentences as queries, quiet machine, found recall@10
// 0.995 at p50 5.7 ms and p99 19.9 ms; at half the lists (--vector-probes
// 169) recall@10 0.990 at p50 3.8 ms and p99 8.3 ms; exact search p50 76
// ms. Titles, shorter than those sentences, fall between lists more often,
// so the calibration errs towards more lists here:
//
//	PAPERBOY_BENCH_EMBED=<data-dir>/embed PAPERBOY_DATA=../shared/data go test -run TestRealVectorRecall -v ./internal/search/semantic/
package vector
