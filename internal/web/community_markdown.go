package web

import (
	"html"
	"html/template"
	"net/url"
	"regexp"
	"strings"
)

// renderMarkdown renders a comment's Markdown subset: paragraphs (a single
// newline is a line break), fenced code blocks, `code`, **bold**, *em*,
// [links](https://...) and bare http(s) addresses, and @name mentions
// linking to profiles.
//
// It is safe by construction rather than by filtering: every byte of the
// input reaches the output through html.EscapeString, and the only markup
// is the fixed tags written here. Link targets must be absolute http(s)
// URLs, are escaped inside a quoted attribute, and carry rel="nofollow
// ugc", so a comment can neither inject markup, break out of an attribute
// nor link to javascript:.
func renderMarkdown(src string) template.HTML {
	src = strings.ReplaceAll(strings.ReplaceAll(src, "\r\n", "\n"), "\x00", "")
	var b strings.Builder
	lines := strings.Split(src, "\n")
	var para []string
	flush := func() {
		if len(para) == 0 {
			return
		}
		b.WriteString("<p>")
		for i, l := range para {
			if i > 0 {
				b.WriteString("<br>\n")
			}
			b.WriteString(inlineMarkdown(l, true))
		}
		b.WriteString("</p>\n")
		para = para[:0]
	}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			flush()
			var code []string
			for i++; i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), "```"); i++ {
				code = append(code, lines[i])
			}
			b.WriteString("<pre><code>" + html.EscapeString(strings.Join(code, "\n")) + "</code></pre>\n")
			continue
		}
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		para = append(para, line)
	}
	flush()
	return template.HTML(b.String())
}

var (
	mdLink    = regexp.MustCompile(`^\[([^\]\n]{1,500})\]\((https?://[^\s()<>"]+)\)`)
	mdBareURL = regexp.MustCompile(`^https?://[^\s<>"]+`)
	mdMention = regexp.MustCompile(`^@([A-Za-z0-9_-]{1,40})`)
)

// inlineMarkdown renders one line's inline markup; links inside link text
// are not links again.
func inlineMarkdown(s string, links bool) string {
	var b strings.Builder
	atWordStart := func(i int) bool {
		return i == 0 || strings.ContainsRune(" \t([{\"'", rune(s[i-1]))
	}
	for i := 0; i < len(s); {
		rest := s[i:]
		switch {
		case rest[0] == '`':
			if end := strings.IndexByte(rest[1:], '`'); end >= 0 {
				b.WriteString("<code>" + html.EscapeString(rest[1:1+end]) + "</code>")
				i += end + 2
				continue
			}
		case rest[0] == '[' && links:
			if m := mdLink.FindStringSubmatch(rest); m != nil && validLink(m[2]) {
				b.WriteString(`<a href="` + html.EscapeString(m[2]) + `" rel="nofollow ugc">` + inlineMarkdown(m[1], false) + "</a>")
				i += len(m[0])
				continue
			}
		case (rest[0] == 'h' || rest[0] == 'H') && links && atWordStart(i):
			if m := mdBareURL.FindString(rest); m != "" {
				m = strings.TrimRight(m, ".,;:!?)]'")
				if validLink(m) {
					b.WriteString(`<a href="` + html.EscapeString(m) + `" rel="nofollow ugc">` + html.EscapeString(m) + "</a>")
					i += len(m)
					continue
				}
			}
		case strings.HasPrefix(rest, "**"):
			if end := strings.Index(rest[2:], "**"); end > 0 {
				b.WriteString("<strong>" + inlineMarkdown(rest[2:2+end], links) + "</strong>")
				i += end + 4
				continue
			}
		case rest[0] == '*' && len(rest) > 1 && rest[1] != ' ':
			if end := strings.IndexByte(rest[1:], '*'); end > 0 && rest[end] != ' ' {
				b.WriteString("<em>" + inlineMarkdown(rest[1:1+end], links) + "</em>")
				i += end + 2
				continue
			}
		case rest[0] == '@' && links && atWordStart(i):
			if m := mdMention.FindStringSubmatch(rest); m != nil {
				name := strings.TrimRight(m[1], "-_")
				b.WriteString(`<a href="/u/` + url.PathEscape(name) + `" class="mention">@` + html.EscapeString(name) + "</a>")
				i += 1 + len(name)
				continue
			}
		}
		// Anything else is text: one character, escaped.
		n := 1
		for n < len(rest) && rest[n]&0xC0 == 0x80 {
			n++
		}
		b.WriteString(html.EscapeString(rest[:n]))
		i += n
	}
	return b.String()
}

// validLink accepts only absolute http and https URLs with a host.
func validLink(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
