// Package topicmap is a map of the corpus by meaning: the papers' vectors
// clustered into a few dozen broad areas and a few hundred to a few
// thousand fine topics, every paper assigned its fine topic, every topic
// named by the phrases its papers use; the facets of a query's matches
// drawn from it; and keyphrases for every paper.
//
// # Building
//
// Build (run by 'paperboy embed train', or 'paperboy topics build') takes
// an evenly spaced sample of the vectors (64 per fine topic, at most
// 250,000), clusters it into Areas broad areas by spherical k-means
// (k-means++ seeding on cosine distance, 20 rounds, seeded: the same seed
// and vectors give the same map, tested), then each area's share of the
// sample into as many fine topics as that share deserves (1.5·√papers in
// all, at most 4,000; areas 1.5·√topics, at most 64). Clustering within
// areas costs sample × (areas + topics/areas) dot products instead of
// sample × topics, and makes the two levels nest by construction. Every
// paper is then assigned, streaming, to the nearest fine topic among the
// children of its two nearest areas; papers that arrive later are assigned
// the same way as their vectors are made (semantic.Index.Apply), without
// moving a centroid, until the next 'embed train'.
//
// # Labels
//
// At most 400 papers of each topic are read (title and abstract, LaTeX
// reduced to text). Their candidate phrases are the 2-4-word runs of
// content words: runs end at punctuation, function words, the verbs,
// adverbs and vague adjectives of abstracts ("propose", "significantly",
// "novel"), numbers and lone letters, so a phrase never starts or ends
// with one; hyphenated words stay one word; phrases are matched by their
// stems and shown as the topic that uses them most writes them. A phrase
// scores tf·idf² (tf: the share of the topic's papers that use it; idf
// over the papers read), times √lift for a fine topic, lift being how much
// more the topic uses it than its area does: "vision-language models"
// names an area, not each of its topics. A phrase nearly always said
// inside a longer one (at least 60 % of the time) gives way to it
// ("multilingual large" to "multilingual large language models"), and
// near-duplicates of a better phrase (sharing most stems) are left out.
// The label is the best two phrases; the slug is the best one's, made
// unique by the second's words or a number.
//
// # Files
//
// The map is saved as topics.bin beside the model and vectors
// (semantic.Index.Save writes all three into one directory that is
// renamed into place), versioned by FormatVersion and by the fingerprint
// of the vectors it clustered: a map made for other vectors is not loaded.
// It is flat: a JSON header with the labels, the centroids as float32, the
// sorted ids in one blob with offsets and a uint16 topic per paper, and a
// CRC-32. Opening reads it in one pass; the ids are slices of one string.
// A paper's topic is read from a map, and for modern arXiv ids from a
// dense table (a row of uint16 per month, indexed by the number): a facet
// count reads it once per match.
//
// # Facets
//
// Facets chooses from the counts of a query's matches per fine topic.
// A topic takes part when the share of its papers that match is at least
// the share of all papers that do (its lift at least 1): a topic the query
// is about, not one that mentions it. Taking topics by matches, each joins
// the sense whose centroid (its members', weighted by matches) is at
// least 0.45 alike, else starts one; then senses whose centroids are at
// least 0.35 alike merge, the most alike first. A sense's centroid keeps
// what its topics share and averages out the rest, so one sense said by
// topics of several areas (LLM alignment: value, safety and preference
// topics, 0.24-0.41 alike, their senses 0.35-0.37) becomes one facet
// counting their matches together. Senses are picked greedily by count ×
// √lift × (1 − cosine to the chosen senses)², at most 10, each with at
// least 0.5 % of the matches, 3 papers and 1/20 of the largest facet.
// While that leaves a single facet, or the largest holds more than half
// of the facets' matches (a clear query: one sense and its strays), the
// join tightens (0.55, 0.65, none; no merging) to show its
// sub-areas. A facet is named by the first phrase among its topics'
// terms and best 48 phrases whose last word is the query's
// ("vision-language alignment"), with a second such phrase of another of
// its largest four topics that shares no other word ("value alignment ·
// safety alignment"), else its largest topic's first term; labels of one
// query's facets are made distinct. It is selected by its topics' slugs
// joined by commas. Senses, for 'eval topics', counts facets whose
// largest topics are less than 0.35 alike, joined transitively.
//
// On the 80k papers, 'paperboy eval topics --only facets' shows for
// alignment (15,785 matches): value alignment · safety alignment 1609,
// text-to-image alignment · semantic alignment 1342, vision-language
// alignment 1294, audio-visual alignment · video-language alignment 784,
// global alignment (3D) 442, domain alignment 415, cross-lingual
// alignment · word alignment 261, vision-language alignment · medical
// image segmentation 192, graph alignment · entity alignment 149, human
// judgments 122. Before the merging LLM alignment was three facets
// (value 755, safety 561, language model alignment 244) and entity
// alignment did not show. Speech / forced alignment still does not: its
// papers are spread thin over the speech topics, which match
// "alignment" at 1.3 times the corpus rate (t100 speech synthesis 78 of
// 302, spoken dialogue, ASR under the rate), a sense weaker than the
// ten shown. Clear queries show sub-areas: speech recognition its ASR,
// speech synthesis and spoken dialogue topics (before: ASR and three
// strays), segmentation ten facets of referring, video, lesion, medical,
// remote sensing, action and 3D segmentation, gaussian splatting ten of
// its topics.
//
// Cost, 'paperboy bench facets --mode lexical --rounds 3' (1,214
// queries), as the searching thread's CPU time, at load 19-24 on 2 cores
// (the wall clock there mostly measures the wait for a core): on the 80k
// papers p99 0.94 ms without facets, 3.28 with (+2.34; wall +3.7); on
// 300,000 synthetic papers ('--synthetic 300000', a map of 822 topics of
// hashed words) p99 3.96 / 10.52 ms (+6.56; wall 33 / 54 ms), the
// heaviest query "Large language models" 5.5 / 28.9 ms. Nearly all of it
// is the counting pass of a query of several words: the lexical index
// enumerates every paper holding all of them; choosing the facets
// (Facets and their labels) takes about 0.5 ms. Linear in the matches,
// 3M papers would give a p99 near 100 ms and 0.3 s for the heaviest.
package topicmap
