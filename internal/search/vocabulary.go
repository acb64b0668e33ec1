package search

import (
	"errors"

	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/semantic"
)

// The request and result vocabulary is the lexical engine's: every mode
// answers with its Result, so callers name it once, here.
type (
	// Request is one search: a query in the query language, paging,
	// sort order and filters.
	Request = lexical.Request
	// Result is a page of hits with the parsed query and the total.
	Result = lexical.Result
	// Hit is one paper found, with its score.
	Hit = lexical.Hit
	// Query is a parsed query (Request.Query read by the query language).
	Query = lexical.Query
	// SortOrder says how a Result is ordered.
	SortOrder = lexical.SortOrder
	// Fragment is a piece of highlighted text.
	Fragment = lexical.Fragment
	// Document is a paper as the indexes read it (see paperdoc.Of).
	Document = lexical.Document
	// SimilarPaper is a paper like another, and why.
	SimilarPaper = semantic.SimilarPaper
	// SemanticIndex is the embedding model with the papers' vectors.
	SemanticIndex = semantic.Index
)

// The sort orders.
const (
	SortRelevance   = lexical.SortRelevance
	SortNewest      = lexical.SortNewest
	SortMostUpvoted = lexical.SortMostUpvoted
)

// Limits of a request.
const (
	MaxResults   = lexical.MaxResults   // the deepest hit a request may page to
	DefaultLimit = lexical.DefaultLimit // hits per page when a request says none
	MaxQueryLen  = lexical.MaxQueryLen  // characters in a query
)

// ParseSortOrder reads "relevance", "newest" or "upvotes" (and a few
// synonyms).
func ParseSortOrder(s string) (SortOrder, bool) { return lexical.ParseSortOrder(s) }

// Highlight splits text into fragments, marking the words q matches.
func Highlight(text string, q *Query) []Fragment { return lexical.Highlight(text, q) }

// Snippet is the part of text, at most maxRunes long, that best shows
// what q matches, highlighted.
func Snippet(text string, q *Query, maxRunes int) []Fragment {
	return lexical.Snippet(text, q, maxRunes)
}

// The errors a search returns that callers tell apart. Each one's text is
// meant for the person who searched.
var (
	// ErrEmptyQuery and ErrQueryTooLong refuse a query.
	ErrEmptyQuery   = lexical.ErrEmptyQuery
	ErrQueryTooLong = lexical.ErrQueryTooLong
	// ErrNotReady is returned while the lexical index is being built.
	ErrNotReady = lexical.ErrNotReady

	// ErrNoModel is returned for a semantic search when no model is loaded.
	ErrNoModel = errors.New("no embedding model yet: run 'paperboy embed train'")
	// ErrLexicalOnly is returned for a semantic search that uses fields,
	// filters or a sort order, which only the lexical index applies.
	ErrLexicalOnly = errors.New("semantic search takes plain words only: use mode lexical or hybrid for fields, filters and sort orders")
	// ErrUnavailable is returned for a semantic search while search by
	// meaning is off (Searcher.Down says why); hybrid search answers from
	// words.
	ErrUnavailable = errors.New("search by meaning is unavailable right now")
	// ErrProviderUnavailable: the embeddings provider did not answer in
	// time; hybrid search falls back to words.
	ErrProviderUnavailable = semantic.ErrProviderUnavailable
	// ErrUnknownPaper: a paper has no vector (SimilarPapers).
	ErrUnknownPaper = semantic.ErrUnknownPaper
)

// LexicalIndex is the lexical engine's index, which follow.Indexer serves
// and whose LastSeq says which change of the store it reflects.
type LexicalIndex = lexical.Index
