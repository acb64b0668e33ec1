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
// 1.3 times the share of all papers that do (its lift): a topic the query
// is about, not one that mentions it. Taking topics by matches, each joins
// the sense whose centroid (its members', weighted by matches) is at
// least 0.45 alike, else starts one, so a sense spread over neighbouring
// topics is one facet counting their matches together; while that leaves
// a single facet (a clear query) the join tightens (0.55, 0.65, none) to
// show its sub-areas. Senses are picked greedily by count × √lift × (1 −
// cosine to the chosen senses)², at most 10, each with at least 0.5 % of
// the matches, 3 papers and 1/20 of the largest facet. A facet is named
// by the first phrase among its topics' terms and best 48 phrases whose
// last word is the query's ("vision-language alignment"), then its
// largest topic's first term; it is selected by its topics' slugs joined
// by commas. Senses, for 'eval topics', counts facets whose largest
// topics are less than 0.35 alike, joined transitively.
//
// On the 80k papers, 'paperboy eval topics --only facets' shows for
// alignment (15,785 matches): text-to-image alignment 730, value
// alignment 641, safety alignment 533, vision-language alignment 463,
// missing modalities 415, video-language alignment 411, chest x-ray 248,
// language model alignment 244, audio-visual alignment 242, global
// alignment (3d reconstruction) 232; 9 senses. Speech / forced,
// cross-lingual and entity alignment do not show: their papers are
// spread thin over large topics (automatic speech recognition, machine
// translation, knowledge graphs) whose lift stays near 1, and LLM
// alignment stays three facets, as the map puts its three topics in
// three areas (centroids 0.31-0.41 alike).

// # Keyphrases
//
// Keyphrases takes the 1-4-word runs of a paper's title and abstract
// (the same boundaries as labels) and scores each by the cosine of its
// embedding with the paper's (KeyBERT's idea, with the corpus model), +0.35
// × its words' mean idf (relative to the paper's most informative phrase),
// +0.15·ln(1+count), +0.3 when the title says it, −0.1 for one word, +0.05
// for two or three; near-duplicates are left out. Computed on demand
// (about a millisecond a paper; the web layer caches them).
//
// # Measurements
//
// 'paperboy eval topics' on the 80,017 real papers (arxiv-cs 2025-26 and
// the Hugging Face daily papers, 'paperboy embed train' with seed 1, 256
// dimensions): 31 areas, 424 fine topics.
//
//	keyphrases vs Hugging Face's ai_keywords (6,325 papers that have them)
//	                                   P@5   R@5   F1@5   P@10  R@10  F1@10
//	paperboy, exact match              0.168 0.086 0.111  0.158 0.159 0.154
//	paperboy, stemmed match            0.181 0.092 0.119  0.166 0.167 0.162
//	tf-idf top 1-3-grams, exact        0.161 0.081 0.105  0.150 0.149 0.145
//	tf-idf top 1-3-grams, stemmed      0.170 0.086 0.111  0.156 0.155 0.151
//
// The weights were chosen on these papers among three settings (title
// bonus 0.15 / 0.3 / 0.45, one-word penalty 0.25 / 0.1 / 0.05: F1@10
// stemmed 0.153 / 0.162 / 0.158), so the margin over the baseline is
// optimistic by about that spread. ai_keywords are a language model's
// choice, often of single words and coined names, so the ceiling is low.
//
// Map coherence (2,090 papers sampled): mean cosine of two papers of one
// fine topic 0.244, of two different topics 0.000; a paper's cosine to its
// topic's centroid 0.484; a paper's nearest neighbour is in its fine topic
// 50.0 % of the time and in its area 65.2 %.
//
// Cost on the 2-core machine beside three other jobs (load 12-16):
// 'paperboy topics build' on the 80k papers 3 min 47 s (clustering and
// assignment 5 s; the rest streams the store and finds the labelling
// sample's phrases, since made parallel), peak RSS 1.7 GB with the model
// and vectors loaded (2.5 GB before a topic's one-paper phrases were
// dropped); topics.bin 1.8 MiB, 173 MB RSS to load model, vectors and map.
// At 3M papers the sample bounds clustering (250,000 vectors × (64 +
// ~40) dot products a round), assignment streams, labelling reads at most
// 400 papers a topic and prunes each full topic's phrases, and the map
// holds an id and a uint16 per paper plus the dense table (about 12 MB).
//
// Facets, 'paperboy bench facets' (the first 1-3 words of the 400
// known-item queries and 14 facet queries, 3 rounds, 20 results, one
// client; the same load): lexical p99 9.1 / 13.1 ms without / with facets
// (+4.0), a second run 8.7 / 13.8 (+5.1); hybrid 35.4 / 38.3 (+2.9), a
// second run 53.3 / 43.7 (the load's noise exceeds the difference).
// Facets cost one lexical pass over the boolean matches (none extra for a
// one-word query) and a table read per match.
package topicmap
