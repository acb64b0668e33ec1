package web

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/tex"
)

// maxSuggestions is how many completions the search box suggests, and
// maxPhrases how many of them may be phrases.
const (
	maxSuggestions = 8
	maxPhrases     = 3
)

// suggestCandidates is how many of the best lexical matches are read for
// titles that complete the words typed; completionTerms is how many index
// terms the last, unfinished word may stand for.
const (
	suggestCandidates = 150
	completionTerms   = 12
)

// suggestion is one completion of what has been typed: a phrase that
// several titles use (no id), or a paper's title.
type suggestion struct {
	ID    string `json:"id,omitempty"`
	Title string `json:"title"`
}

// completer is a lexical index that knows the terms a prefix may stand
// for (lexical.Index, follow.Indexer).
type completer interface {
	Completions(prefix string, n int) []string
}

// suggest serves GET /api/suggest?q=: completions of what has been typed
// so far, for the search box. Every word typed must begin a word of the
// title, in order (the last one is being typed; earlier ones may be whole
// or cut short): first the phrases that complete the words in several
// titles ("gaussian spl" → "gaussian splatting"), then titles, those that
// hold the words side by side and whole first, then the most upvoted and
// the newest. Candidates are the best lexical matches of the earlier words
// and of the terms the last one may stand for. A query with nothing to
// complete suggests nothing.
func (s *Server) suggest(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	out := []suggestion{}
	typed := suggestWords(q)
	if s.search == nil || utf8.RuneCountInString(q) < 2 || len(q) > search.MaxQueryLen || len(typed) == 0 {
		writeJSON(w, http.StatusOK, out)
		return nil
	}
	words := slices.Clone(typed[:len(typed)-1])
	last := typed[len(typed)-1]
	if c, ok := s.search.(completer); ok {
		words = append(words, c.Completions(last, completionTerms)...)
	} else {
		words = append(words, last)
	}
	res, err := s.search.Search(r.Context(), search.Request{Query: strings.Join(words, " "), Limit: suggestCandidates})
	if err != nil {
		writeJSON(w, http.StatusOK, out)
		return nil
	}
	papers, err := s.papersByID(r.Context(), res.IDs())
	if err != nil {
		return err
	}
	hits := make(map[string]search.Hit, len(res.Hits))
	for _, h := range res.Hits {
		hits[h.ID] = h
	}
	type match struct {
		suggestion
		quality int
		hit     search.Hit
	}
	var titles []match
	phrases := map[string]int{}
	for i := range papers {
		title := tex.Text(papers[i].Title)
		quality, phrase, ok := completes(typed, suggestWords(title))
		if !ok {
			continue
		}
		titles = append(titles, match{suggestion{ID: papers[i].ID, Title: title}, quality, hits[papers[i].ID]})
		if phrase != "" && phrase != strings.Join(typed, " ") {
			phrases[phrase]++
		}
	}
	// Phrases that several titles complete the words with, most used first.
	var common []string
	for p, n := range phrases {
		if n >= 2 {
			common = append(common, p)
		}
	}
	slices.SortFunc(common, func(a, b string) int {
		return cmp.Or(cmp.Compare(phrases[b], phrases[a]), cmp.Compare(a, b))
	})
	for _, p := range common[:min(maxPhrases, len(common))] {
		out = append(out, suggestion{Title: p})
	}
	slices.SortStableFunc(titles, func(a, b match) int {
		return cmp.Or(cmp.Compare(b.quality, a.quality), cmp.Compare(b.hit.Upvotes, a.hit.Upvotes), b.hit.Date.Compare(a.hit.Date))
	})
	for _, t := range titles {
		if len(out) == maxSuggestions {
			break
		}
		out = append(out, t.suggestion)
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, out)
	return nil
}

// suggestWords splits text into lower-case, folded words of letters and
// digits, as suggestions compare them.
func suggestWords(text string) []string {
	return strings.FieldsFunc(strings.ToLower(lexical.Fold(text)), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// completes reports whether every typed word begins a word of title, in
// order, and how well: words side by side count most, then words typed
// whole. phrase is the title's words from the first match to the last when
// they are side by side ("" otherwise).
func completes(typed, title []string) (quality int, phrase string, ok bool) {
	at, start, adjacent, whole := -1, -1, true, 0
	for i, w := range typed {
		j := at + 1
		for j < len(title) && !strings.HasPrefix(title[j], w) {
			j++
		}
		if j == len(title) {
			return 0, "", false
		}
		if i == 0 {
			start = j
		} else if j != at+1 {
			adjacent = false
		}
		if title[j] == w {
			whole++
		}
		at = j
	}
	quality = whole
	if adjacent {
		quality += len(typed) + 1
		phrase = strings.Join(title[start:at+1], " ")
	}
	return quality, phrase, true
}
