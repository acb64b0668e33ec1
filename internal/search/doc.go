// Package search is how a query becomes results. Callers (the web layer,
// 'paperboy search', the evaluation) build a Searcher and call Search,
// Groups or SimilarPapers; they name requests, results and errors from
// here only.
//
// # The pipeline
//
//  1. Parse. The query language (words, "phrases", au:, cat:, id:,
//     -exclusions, after:/before:, sort:) is read by the lexical engine;
//     Request carries it with paging, sort order and filters.
//  2. Lexical. The inverted index (lexical) ranks the papers that match
//     by BM25F with block-max MaxScore, applying every field, phrase,
//     exclusion and filter. A lexical search, or a hybrid one that is
//     sorted or has no plain words, ends here.
//  3. Vectors. The semantic index (semantic) embeds the query's words and
//     finds the nearest papers above its similarity floor (what random
//     letters reach: semantic.Index.Floor); for a query with filters it
//     instead scores the lexical result's own papers, since only the
//     lexical index knows which pass.
//  4. Fusion. The two lists are fused (Fusion: a convex combination of
//     min-max normalised scores by default, reciprocal rank fusion as an
//     option; internal/search/fusion). Without a model, or while the vectors are
//     rebuilt or a provider is slow, the words answer, Result.Fallback
//     says so in fixed words fit for a client, and the reason is logged.
//  5. Facets. With a topic map (topicmap, built by 'embed train'),
//     SearchFacets counts the fine topic of every paper holding all the
//     query's words, as the lexical index finds them (Request.Match, a
//     table read per match), and chooses the facets that explain them
//     (topicmap.Facets: neighbouring topics joined into senses); a topic
//     slug, or a facet's slugs joined by commas, narrows a search
//     (Request.Keep).
//     Without a map, topic groups (topics) cluster the vectors of the
//     best GroupDepth results and label them with their key terms.
//  6. Page. The fused list is cut to Request.Offset and Limit; one deep
//     lexical search serves every page of a query, and every page reports
//     the same total. A query that finds nothing may be spelt anew from
//     the index's vocabulary (Searcher.Suggest).
//
// # Where the parts live
//
//   - lexical: the inverted-index engine (analyser, query language, index,
//     segments, persistence, highlighting).
//   - semantic: the embedding model and the papers' vectors, saved together.
//   - topics: topic groups.
//   - follow: keeps the lexical index and the vectors current from the
//     store's change feed.
//   - paperdoc: a stored paper as a search document.
//   - synth: synthetic corpora for measuring (never imported by the server).
package search
