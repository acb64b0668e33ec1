// Package lexical is paperboy's lexical search engine: an inverted index of
// papers (title, abstract, authors, categories, arXiv id) with BM25F
// ranking, dynamic pruning, incremental updates and a small query language.
// It depends on the standard library, golang.org/x/text,
// github.com/kljensen/snowball and internal/search/internal/mapfile (to
// map saved segments) only.
//
// # Analysis
//
// Text is reduced from LaTeX (\emph{x} -> x, \'e -> e, $\ell_1$ -> ell_1),
// NFKC-normalised, stripped of diacritics and lower-cased, then split into
// raw tokens of letters and digits joined by single inner connectors
// (- _ . / ^). A compound emits its parts and its joined form, so
// "pre-training", "pretraining" and "pre training" meet, and "GPT-4o" is
// found by gpt-4o, gpt4o and gpt; "Qwen2.5" by qwen2.5. Pure words are
// Snowball-stemmed (English); words with digits are kept verbatim; arXiv
// identifiers (2401.12345, hep-th/9901001) are single terms. Stop words are
// not indexed but keep their position, so "learning to rank" is a phrase.
// Author names are indexed twice: stemmed in the default text field, and
// unstemmed and folded as au: terms. Categories index their archive too
// (cat:cs.CL also gives cat:cs).
//
// # Index
//
// An Index is a list of immutable segments, each with deletions beside it,
// published as an immutable snapshot through an atomic pointer: searches
// never lock, and a writer (Add, Delete, Compact) builds new segments and
// swaps the snapshot. Every write is visible when it returns. Each Add makes
// a segment; when more than maxSegments pile up the smaller half is merged
// (postings are copied, not re-analysed). Builder makes one segment from a
// whole corpus with exact statistics and is the way to do a full build.
// With SpillTo it keeps at most DefaultRunBytes of postings on the heap,
// writes sorted runs to disk beyond that, and merges them term by term
// straight into the segment's file (spill.go), the same bytes an in-memory
// build makes (TestSpilledBuildMatchesOneRun).
//
// A segment holds a sorted term dictionary (binary search, no map to build
// on open), and per term postings in blocks of 128: varint doc deltas, one
// quantised impact byte and one field-mask byte per posting; positions in a
// separate blob. Per block the last doc and the maximum impact are kept
// apart from the data so that pruning can skip blocks without decoding.
//
// Scoring is BM25F (k1 1.2; field weights title 2, abstract 1, authors 0.5;
// per-field length normalisation b 0.75/0.75/0.3): per-field frequencies,
// normalised by field length, are combined into one pseudo frequency and
// saturated once. The result is precomputed at index time as an 8-bit
// impact (score*7), so a query sums bytes. A word the query says several
// times (an abstract used as the query) counts that many times, up to 8, as
// BM25's query term frequency does. In short queries (up to 6 words) each
// matched word also adds a coordination bonus (0.3*idf), so papers with more
// of the words rank higher; in long ones the bonus would drown the term
// weights, so it is off. Ties are broken by listed date, then upvotes, then
// ID.
// Impacts of a segment use the statistics of the whole index when it is
// built; merges keep them, so they drift slowly as the corpus grows (a
// periodic rebuild with Builder refreshes them).
//
// # Query evaluation
//
// Optional words are evaluated with block-max MaxScore, a window of 4096
// docs at a time (after Lucene's MaxScoreBulkScorer): each word gets a bound
// from the block maxima overlapping the window; the words whose bounds sum
// below the current top-k threshold are non-essential and only probed for
// docs the others produce; essential words are accumulated term-at-a-time;
// blocks and windows that cannot beat the threshold are skipped. The
// result is exactly the top k of exhaustive scoring (TestPrunedMatchesExhaustive).
//
// Queries with more than 6 optional words (sentences) run in two phases:
// words in more than 10% of the papers, and then the most frequent words
// while the others' postings exceed a budget of 500k, are left out of
// candidate generation and only rescore the best 200 candidates of the
// rest (the 4 rarest words always generate candidates). On the known-item
// set this ranks as well as full evaluation (MRR@10 0.995) at a quarter of
// the work; at millions of papers the budget trades a little recall of
// sentence queries for bounded latency.
//
// Required clauses (phrases, field restrictions, and every word when
// sorting by date or votes) are evaluated by leapfrogging their postings;
// optional words then only rank, but one of them must match. Phrases are
// verified against positions stored in the index (not against the text).
// Result.Total counts every match, whatever the page: pruning skips
// papers that cannot reach the top k, so a pruned query counts the union
// of its words' postings afterwards (papers the conjunction pruned are
// checked for one optional word). Only past a budget of 1M postings in a
// segment is it an estimate (TotalExact false).
//
// # Persistence
//
// Save writes one file per segment plus meta.bin (format version, lastSeq,
// segment count), little-endian, each file ending in a CRC-32, into a
// temporary sibling directory that is renamed over the target. Arrays of
// integers start at multiples of 8 bytes (format 3). Open maps each segment
// file read-only (syscall.Mmap; a plain read where mapping is unavailable),
// checks its CRC, and uses the term dictionary, postings, positions and
// per-paper arrays in place: they live in the page cache, shared with the
// file and dropped by the kernel under pressure, not on the Go heap; only
// category names and deletions are copied. A damaged file (truncated,
// flipped bits, grown) fails its CRC or a length check and Open returns
// ErrFormat, after which the caller rebuilds from the database
// (TestOpenSurvivesTruncationAndBitFlips). Files are replaced by renaming
// a new directory, never rewritten in place, so a mapped file cannot
// shrink under a reader (which would be SIGBUS); a mapping is released
// when no snapshot holds its segment. Segments made in memory since (Add,
// merges) are on the heap until the next Open; follow reopens a freshly
// built index at once. Mapped and in-memory indexes answer identically
// (TestMappedIndexMatchesInMemory).
//
// # Figures
//
// Measured on the 2-core development machine (Xeon, 24 GiB, Go 1.26), top 10,
// query mix from eval/known-item-dev.jsonl: the first 1..6 words of each of
// the 400 queries ("1-6 words", 2400 queries) and the whole sentence.
// Latency is per-query service time; with 8 clients on 2 cores a request
// also waits for a core, which the percentiles include only when a running
// query is preempted.
//
//	                       80k real           1M synthetic       3M synthetic
//	build                  7.5 s              2 min 21 s         6 min 57 s
//	build peak RSS         1.2 GB             5.8 GB             6.0 GiB (GOMEMLIMIT=6GiB)
//	index on disk          95 MiB             1.0 GiB            3.0 GiB
//	open                   0.08 s             0.56 s             1.7 s
//	heap after open        122 MiB            1.1 GiB            3.3 GiB
//	1-6 words, 1 client    p50 0.10 p99 0.52  p50 0.41 p99 4.3   p50 0.81 p99 12  (ms)
//	sentence, 1 client     p50 0.79 p99 1.2   p50 4.0  p99 6.5   p50 6.7  p99 13
//	1-6 words, 8 clients   p50 0.10 p99 0.51  p50 0.39 p99 5.0   p50 0.76 p99 42
//	sentence, 8 clients    p50 0.77 p99 1.2   p50 4.0  p99 62    p50 6.6  p99 82
//
// On the 3M index, Add of a batch of 100 replacements takes well under a
// millisecond plus analysis, and Compact (a full merge, which blocks other
// writers but not searches) 42 s.
//
// Synthetic builds include generating the documents; the 80k "peak" is the
// test process's Sys, with the parsed corpus in memory.
//
// 80k real is arxiv-cs 2025-26 plus the Hugging Face daily papers (80,017).
// Known-item MRR@10 there: 0.995 on the summary sentence, 0.992 with coined
// names masked (SQLite FTS5 bm25 with OR-ed terms: 0.994 / 0.992, at about
// 190 ms a query). CSFCube (`paperboy eval search`, the query paper's title and
// abstract read as words): MAP 0.330, NDCG%20 0.546, against FTS5's 0.329
// / 0.540 on the same protocol. The 3M corpus is Generate'd from the real
// one with Synth.Topical 0: its words are drawn independently, so it has
// none of the co-occurrence that makes pruning effective on real text, a
// pessimistic case. Reproduce with
//
//	PAPERBOY_BENCH=1 go test -run TestRealCorpusFigures -v ./internal/search/lexical/
//	PAPERBOY_BENCH_SCALE=3000000 PAPERBOY_BENCH_DIR=/tmp/pb go test -run TestScaleFigures -v -timeout 3h ./internal/search/lexical/
//	PAPERBOY_BENCH_DIR=/tmp/pb go test -run TestSavedIndexFigures -v ./internal/search/lexical/
//	go test -bench BenchmarkSearch -run XXX ./internal/search/lexical/
package lexical
