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
// Options.Fusion fuses two rankings by reciprocal rank (k 60): a linear
// SVM (squared hinge, liblinear's dual coordinate descent, TrainSVC)
// trained on the library's papers against Negatives papers drawn with the
// seed, over the tf-idf vector and the embedding × EmbedWeight; and the
// candidates' similarity to the library's papers, the best cosine or, with
// Kernel, a sum of exp((cos-1)/Kernel), optionally weighed towards the
// newest papers (HalfLife) and blending the tf-idf cosine in
// (TermSimilarity). Everything is deterministic for a seed.
//
// # Measurements
//
// 'paperboy eval recommend --variants all' (internal/receval): the author-continuation
// dev cases, 300 authors, their earlier papers as the library, their
// March 2026 papers to find among the 6,083 of that month, authors
// hidden behind stand-ins. Recall@20 / nDCG@20 / MRR:
//
//	arxiv-sanity-lite, scikit-learn (issue 21)          0.217 / 0.145 / 0.156
//	arxiv-sanity-lite in Go (receval.Sanity)             see the closing note of issue 21
//	tf-idf centroid                                      0.211 / 0.134 / 0.140
//	svm over tf-idf, 10k negatives                       0.221 / 0.141 / 0.140
//	  + recency half-life 5 papers (sample weights)      0.221 / 0.141 / 0.141
//	svm over [tf-idf; embedding], 10k negatives          0.210 / 0.122 / 0.118
//	embedding, best cosine to a library paper            0.187 / 0.113 / 0.117
//	embedding, kernel 0.05 / 0.1                         0.196 / 0.119 / 0.120, 0.212 / 0.126 / 0.127
//	embedding, kernel 0.05, half-life 5                  0.191 / 0.113 / 0.111
//	fusion svm [tf-idf; emb] + embedding max, 0.3/0.5/0.7 0.214 / 0.127 / 0.123, 0.220 / 0.131 / 0.129, 0.211 / 0.129 / 0.130
//	fusion 0.5, kernel 0.05, half-life 5                 0.220 / 0.132 / 0.129
//
// Everything lands between 0.19 and 0.22 Recall@20: the embeddings (LSA
// fine-tuned on titles against abstracts) rank a researcher's next papers
// worse than tf-idf does, adding them to the classifier's features costs
// nDCG, and recency weighting does not help (authors return to older
// topics). The target (1.3 × the anchor's Recall@20) is not
// reached.
package recommend
