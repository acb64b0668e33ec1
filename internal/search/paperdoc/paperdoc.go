// Package paperdoc turns a stored paper into the document that the search
// index, the embeddings and the evaluation read. It sits beside search
// rather than in it so that the engine (and embed, which imports it) does
// not depend on the store and its database drivers.
package paperdoc

import (
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Of is paper p as the search index sees it.
func Of(p *store.Paper) lexical.Document {
	return lexical.Document{
		ID:         p.ID,
		Title:      p.Title,
		Abstract:   p.Abstract,
		Authors:    p.Authors,
		Categories: p.Categories,
		Date:       p.ListedOn,
		Upvotes:    p.Community.TotalUpvotes(),
	}
}
