// Package recommend ranks new papers for a reader from the papers in
// their library: the model behind recommendations and, later, the
// digest. Features computes every paper's features once (a tf-idf vector
// with arxiv-sanity-lite's vectorizer settings, SanityTfidf, beside its
// embedding from the corpus-trained model); Features.Train fits one
// reader's Model when their library changes; Model.Score ranks a
// request's candidates with it and gives each of the first results its
// Reason, the one or two library papers it is most like. Features.Rank
// is Train then Score, what 'paperboy eval recommend' measures.
//
// # Model
//
// A reader's Model is their library's papers as neighbours: a candidate
// scores the sum over library papers of exp((cos-1)/Kernel), cos the
// tf-idf cosine (TermSimilarity 1), Kernel 0.1, so one close library
// paper counts for more than many loose ones and a reader's several
// interests each pull their own candidates. The tf-idf is
// SanityTfidf's analyzer with a larger vocabulary (1- to 3-grams in at
// least 2 and at most half of the papers, up to 2 million) over title,
// abstract, authors, comments (venue, project page) and categories as
// tokens: rare shared terms, a method's, a dataset's or a lab's name, are
// what mark a group's next paper. Train inverts the library's vectors
// (column -> paper, weight, with a bitmap of its columns), so Score costs
// one pass over each candidate's terms; a Window indexes a candidate set
// by term once (NewWindow, per features build or day), and
// Model.ScoreWindow walks the library's terms instead, summing each
// cosine in the same column order, so its scores, order and reasons are
// Score's to the bit (TestScoreWindowIsScore; the embedding part is the
// same code for both). Each result's Reason
// names the library papers with the two highest cosines. The other parts measured
// below stay as options: a linear SVM (squared hinge, liblinear's dual
// coordinate descent, TrainSVC) over the tf-idf and the embedding ×
// EmbedWeight against Negatives papers drawn with the seed, fused by
// reciprocal rank (k 60) with the neighbours (Fusion < 1); the
// embeddings' cosine blended in (TermSimilarity < 1); recency weights
// (HalfLife); and the same kernel over the papers' embeddings beside the
// tf-idf's (EmbedZ): the logs of the two kernel sums standardised over
// the request's candidates and added, the embedding's × EmbedZ, the sum
// brought back to the tf-idf kernel's unit (its score × exp(EmbedZ × its
// logs' deviation × the embedding's standard score)) so that foryou's
// follows and "fewer like this" keep their meaning; without embeddings
// the tf-idf part ranks alone. foryou hands the features the semantic
// index's vectors when the options read them (Options.UsesEmbeddings).
// Everything is deterministic for a seed.
//
// # Measurements
//
// 'paperboy eval recommend [--variants all]' (internal/receval): the
// author-continuation dev cases, 300 authors, their earlier papers as the
// library, their March 2026 papers to find among the 6,083 of that month,
// authors hidden behind one-token stand-ins. Recall@20 / nDCG@20 / MRR.
// The first block starts from an SVM over [tf-idf; embedding] (10k
// negatives, C 0.01, fused 0.5 with the embedding's best cosine), with the
// anchor's vocabulary (20,000 1-2-grams, min_df 5, max_df 0.1):
//
//	arxiv-sanity-lite, scikit-learn (issue 21)           0.217 / 0.145 / 0.156
//	arxiv-sanity-lite in Go (receval.Sanity)              0.217 / 0.146 / 0.157
//	tf-idf centroid                                       0.211 / 0.134 / 0.140
//	first tried: svm [tf-idf; emb] + emb neighbours 0.5   0.220 / 0.131 / 0.129
//	  fusion weight 0.3 / 0.7                             0.214 / 0.127 / 0.123, 0.211 / 0.129 / 0.130
//	svm over tf-idf, 10k negatives                        0.221 / 0.141 / 0.140
//	  C 0.1                                               0.219 / 0.147 / 0.152
//	  recency half-life 5 papers (sample weights)         0.221 / 0.141 / 0.141
//	  + comments and categories                           0.227 / 0.143 / 0.143
//	svm over [tf-idf; embedding]                          0.210 / 0.122 / 0.118
//	embedding, best cosine to a library paper             0.187 / 0.113 / 0.117
//	embedding, kernel 0.05 / 0.1 / 0.2                    0.196 / 0.119 / 0.120, 0.212 / 0.126 / 0.127, 0.214 / 0.133 / 0.139
//	embedding, kernel 0.05, half-life 5                   0.191 / 0.113 / 0.111
//	tf-idf, best cosine                                   0.193 / 0.124 / 0.137
//	tf-idf, kernel 0.1                                    0.224 / 0.136 / 0.142
//	half tf-idf half embedding, kernel 0.1 / 0.2          0.225 / 0.139 / 0.144, 0.232 / 0.141 / 0.148
//
// Then the vocabulary (tf-idf neighbours, kernel 0.1 unless said):
//
//	min_df 2, 500k terms                                  0.237 / 0.174 / 0.193
//	  kernel 0.2; best cosine                             0.233 / 0.171 / 0.187, 0.214 / 0.145 / 0.157
//	  blending the embedding in at 0.5                    0.225 / 0.147 / 0.157
//	  svm over it (10k negatives)                         0.242 / 0.171 / 0.182
//	  svm fused with the neighbours                       0.237 / 0.174 / 0.189
//	  + comments and categories                           0.255 / 0.186 / 0.207
//	    kernel 0.05 (max_df 0.1) / 0.15 (max_df 0.5)      0.254 / 0.177 / 0.192, 0.259 / 0.190 / 0.209
//	    embedding blended in at 0.2                       0.250 / 0.173 / 0.187
//	    max_df 0.02 / 0.3 / 0.5 / 1                       0.230 / 0.164 / 0.182, 0.266 / 0.192 / 0.212, 0.261 / 0.193 / 0.213, 0.262 / 0.194 / 0.216
//	    1-3-grams, max_df 0.1                             0.259 / 0.188 / 0.210
//	    1-3-grams, max_df 0.5 (the default)               0.274 / 0.201 / 0.223
//
// Then the default against changes of its scoring and of its
// vocabulary, in one process (TestDevLoop; the code of every option is in
// commit a924799, dropped afterwards since none beat the default):
//
//	the default                                           0.274 / 0.201 / 0.223
//	cosine of vectors less the corpus's mean, b 1 / 0.5   0.275 / 0.199 / 0.222, 0.274 / 0.199 / 0.224
//	  b 1, kernel 0.07                                    0.275 / 0.197 / 0.218
//	pseudo-relevance feedback, the first k candidates as
//	  neighbours of weight w: k 3 w 0.1 / k 5 w 0.5       0.270 / 0.198 / 0.221, 0.242 / 0.160 / 0.177
//	  k 10 w 0.3 / k 3 w 1                                0.228 / 0.162 / 0.183, 0.223 / 0.140 / 0.149
//	each library paper's kernel over its mass among the
//	  candidates^γ (γ 0.25 to 1, three smoothings)        0.273-0.274 / 0.198-0.201 / 0.219-0.223
//	category prior, (library papers in the candidate's
//	  primary category + 1)^0.5 / ^1                      0.252 / 0.189 / 0.212, 0.251 / 0.187 / 0.205
//	+ interests: kernel to the centroids of the library's
//	  average-link clusters × size × 0.5, link 0.1 / 0.2  0.265 / 0.195 / 0.216, 0.270 / 0.200 / 0.224
//	  × 1, link 0.15                                      0.270 / 0.197 / 0.219
//	kernel 0.07 / 0.2 / 0.4                               0.269 / 0.197 / 0.220, 0.273 / 0.199 / 0.221, 0.272 / 0.197 / 0.218
//	half-life 10 / 20 papers                              0.261 / 0.195 / 0.218, 0.267 / 0.197 / 0.221
//	cosines × (distinct terms / mean)^g, pivoted length:
//	  g -0.3 / -0.15                                      0.258 / 0.185 / 0.206, 0.260 / 0.195 / 0.221
//	  g +0.15 / +0.3                                      0.274 / 0.200 / 0.220, 0.273 / 0.197 / 0.216
//	idf^0.8 / idf^1.5                                     0.269 / 0.194 / 0.217, 0.266 / 0.197 / 0.223
//	Snowball stems                                        0.257 / 0.187 / 0.206
//	also words starting with a digit (3d, 6dof)           0.270 / 0.197 / 0.218
//	title counted twice                                   0.264 / 0.190 / 0.206
//	max_df 1                                              0.273 / 0.199 / 0.222
//	1-4-grams                                             0.268 / 0.198 / 0.220
//
// Nothing moved Recall@20 by more than 0.001 up; the default sits on a
// plateau of its family. Where the rest is: half the truth papers rank
// below 297 of 6,083, and the median truth paper's best tf-idf cosine to
// a library paper is 0.03 (p90 0.11): its text shares almost nothing with
// the library, so no weighting of shared terms reaches it: the next
// signal measured is beside the words.
//
// Then the embedding beside the default's tf-idf (TestDevLoop with
// RECOMMEND_EMBED: the embedding model trained on the content-only
// scratch corpus as 'eval recommend' trains it, 256 dimensions, seed 1;
// its figures are the command's to the digit). "rank fusion w" is
// EmbedFusion, reciprocal ranks (k 60) of the two kernels' rankings;
// "z w" is EmbedZ; "ek" the embedding kernel's width when not 0.1; the
// options measured and not kept (sum, log, centroid) are in commit
// d9486e5:
//
//	the default before (tf-idf alone)                     0.274 / 0.201 / 0.223
//	embedding alone, kernel 0.1                           0.212 / 0.126 / 0.127
//	  its vectors less their mean (centred)               0.208 / 0.125 / 0.127
//	rank fusion 0.1 / 0.15 / 0.2                          0.275 / 0.192 / 0.209, 0.274 / 0.190 / 0.204, 0.278 / 0.187 / 0.198
//	  0.25 / 0.35 / 0.5                                   0.273 / 0.181 / 0.189, 0.271 / 0.172 / 0.177, 0.262 / 0.166 / 0.170
//	  0.2, ek 0.07 / 0.15                                 0.271 / 0.184 / 0.196, 0.274 / 0.186 / 0.198
//	  0.35, ek 0.05 / 0.2                                 0.266 / 0.167 / 0.167, 0.266 / 0.172 / 0.178
//	  0.2, centred                                        0.278 / 0.187 / 0.198
//	sum of the kernels, embedding × 0.001 / 0.01          0.274 / 0.199 / 0.221, 0.260 / 0.172 / 0.183
//	  × 0.1 / × 1                                         0.214 / 0.131 / 0.133, 0.209 / 0.126 / 0.127
//	product of the kernels, embedding's ^0.5 / ^1         0.213 / 0.141 / 0.150, 0.213 / 0.134 / 0.140
//	z 0.1                                                 0.276 / 0.200 / 0.224
//	z 0.2 / 0.25 / 0.3                                    0.278 / 0.200 / 0.224, 0.280 / 0.200 / 0.223, 0.278 / 0.199 / 0.224
//	z 0.4 / 0.5 / 1                                       0.268 / 0.196 / 0.224, 0.268 / 0.195 / 0.219, 0.256 / 0.187 / 0.206
//	z 0.3, ek 0.02 / 0.05 / 0.2                           0.269 / 0.199 / 0.226, 0.268 / 0.200 / 0.228, 0.279 / 0.198 / 0.221
//	z 0.3, tf-idf kernel 0.07 / 0.15                      0.270 / 0.197 / 0.224, 0.276 / 0.198 / 0.222
//	z 0.25, centred / ek 0.2 centred                      0.278 / 0.199 / 0.223, 0.270 / 0.197 / 0.221
//	z 0.4, centred                                        0.268 / 0.196 / 0.223
//	tf-idf centroid's cosine standardised as z, 0.1 / 0.25 0.273 / 0.200 / 0.223, 0.273 / 0.200 / 0.223
//	  with z 0.25                                         0.279 / 0.200 / 0.223, 0.278 / 0.199 / 0.221
//	  with z 0.25, ek 0.2                                 0.269 / 0.197 / 0.221
//
// The embedding adds recall only when neither scale decides alone: summed
// as they are, or multiplied, the embedding's kernel (a tenfold larger
// spread of cosines) ranks alone; fused by ranks it lifts Recall@20 a
// little and costs nDCG and MRR (a close tf-idf match counts no more than
// a loose one of the same rank); standardised per request and added at
// 0.2 to 0.3 it lifts Recall@20 by 0.004 to 0.006 at no cost to nDCG or
// MRR. Past 0.3, or with other kernel widths, it falls back by about
// 0.01: the gain is of the size of the noise between neighbouring
// settings, the embedding being weaker than the tf-idf alone (0.212 against
// 0.274). Split into the odd and the even cases, z 0.25's Recall@20 is
// 0.265 and 0.295, without the embedding 0.253 and 0.294: the gain comes
// from one half. In 'paperboy eval recommend' with z 0.25 as the default
// (commit dd93173), content only: 0.280 / 0.200 / 0.223 (the dev loop's
// figures), the anchor in Go 0.217 / 0.146 / 0.157 in the same run, so
// 1.29 × its Recall@20; with the authors: 0.807 / 0.675 / 0.677, against
// 0.865 / 0.727 / 0.721 without the embedding. Where a rare shared term
// (an author's name) marks the next paper, the embedding's topical lift
// outranks it: a loss of 0.058 of Recall@20 with the authors, the
// server's setting, for a gain of 0.006 without them, within the noise.
// The dev loop on the with-authors papers (RECEVAL_AUTHORS=1 for the
// dump) gives the same figures and, for z 0.1, 0.839 / 0.705 / 0.703 (rank
// fusion 0.2: 0.818 / 0.443 / 0.367): every weight of the embedding costs
// with the authors. So the default leaves the embedding out; EmbedZ stays
// as an option.
//
// With the real authors (their names are tokens like any other, so a
// rare name shared with the library counts as a rare term does), before
// the embedding: the default 0.865 / 0.727 / 0.721, the anchor in Go
// 0.556 / 0.423 / 0.435 (scikit-learn 0.559 / 0.425 / 0.434), the tf-idf
// centroid 0.476 / 0.335 / 0.350 (0.476 / 0.335 / 0.350 again in the
// run above).
//
// So: the embeddings (LSA fine-tuned on titles against abstracts) rank a
// researcher's next papers worse than tf-idf does, and adding them to the
// classifier or the similarity cost nDCG every time; only standardised
// per request beside the tf-idf kernel do they add a little recall;
// recency weighting did not help (authors return to older topics); the
// classifier adds nothing over kernel neighbours once the vocabulary keeps
// rare terms. What helped is what makes a group's papers recognisable:
// rare 1-3-grams and the comments. The default reaches 1.26 × the
// anchor's Recall@20 (0.274 against 0.217; the issue asks for 1.3, 0.282:
// the embedding's standardised kernel came closest, 1.29 ×, and was not
// kept for what it costs with the authors) and 1.38 × / 1.42 × its
// nDCG@20 and MRR. It was chosen on the dev cases, so expect somewhat less on others; the
// steps that carried the gain (min_df 5 -> 2, comments, trigrams) are
// general, the kernel width, max_df and the embedding's weight were
// picked among close values.
//
// Speed (BenchmarkScore, BenchmarkScoreWindow, BenchmarkTrain; synthetic
// features of the real corpus's shape, 80k papers of 250 terms among 2
// million, a 20-paper library, 6,083 candidates, reasons for the first
// 20, two shared cores):
//
//	go test ./internal/recommend -run '^$' -bench 'BenchmarkScore(Window)?$' -benchtime 3s
//
// Score 8.4 ms p50, 9.1 ms p95; ScoreWindow 3.3 ms p50, 3.8 ms p95, its
// window built beforehand (alternating runs of both, a quiet machine);
// Train 0.6 ms. What is left of ScoreWindow is
// the products themselves (common terms shared with most candidates),
// the kernel's exp for each pair that shares a term, and the sort.
// Building the features (the tf-idf of 74,728 papers) takes about a
// minute and is done once. The embedding part costs a 256-dimension dot
// product and an exp for every (candidate, library paper) pair, the same
// in Score and ScoreWindow: on a machine loaded 20 deep (wall times
// meaningless), CPU profiles of BenchmarkScoreWindowEmbedding give 9.5 ms
// of CPU a call with EmbedZ 0.25 against 5.8 ms for the default (the
// exps most of the difference, the dot products about 1 ms):
//
//	go test ./internal/recommend -run '^$' -bench ScoreWindowEmbedding -benchtime 40x -cpuprofile cpu.prof
package recommend
