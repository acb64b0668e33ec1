package web

import (
	"html"
	"html/template"
	"net/url"
	"regexp"
	"strings"
)

// renderMarkdownReference is renderMarkdown as it was before it was made
// linear (commit 08c1094): simple, obviously following the syntax, and
// quadratic. Tests check that the linear renderer writes exactly what it
// wrote, for valid UTF-8.
func renderMarkdownReference(src string) template.HTML {
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
			b.WriteString(inlineMarkdownReference(l, true))
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
	refLink    = regexp.MustCompile(`^\[([^\]\n]{1,500})\]\((https?://[^\s()<>"]+)\)`)
	refBareURL = regexp.MustCompile(`^https?://[^\s<>"]+`)
	refMention = regexp.MustCompile(`^@([A-Za-z0-9_-]{1,40})`)
)

// inlineMarkdown renders one line's inline markup; links inside link text
// are not links again.
func inlineMarkdownReference(s string, links bool) string {
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
			if m := refLink.FindStringSubmatch(rest); m != nil && validLink(m[2]) {
				b.WriteString(`<a href="` + html.EscapeString(m[2]) + `" rel="nofollow ugc">` + inlineMarkdownReference(m[1], false) + "</a>")
				i += len(m[0])
				continue
			}
		case (rest[0] == 'h' || rest[0] == 'H') && links && atWordStart(i):
			if m := refBareURL.FindString(rest); m != "" {
				m = strings.TrimRight(m, ".,;:!?)]'")
				if validLink(m) {
					b.WriteString(`<a href="` + html.EscapeString(m) + `" rel="nofollow ugc">` + html.EscapeString(m) + "</a>")
					i += len(m)
					continue
				}
			}
		case strings.HasPrefix(rest, "**"):
			if end := strings.Index(rest[2:], "**"); end > 0 {
				b.WriteString("<strong>" + inlineMarkdownReference(rest[2:2+end], links) + "</strong>")
				i += end + 4
				continue
			}
		case rest[0] == '*' && len(rest) > 1 && rest[1] != ' ':
			if end := strings.IndexByte(rest[1:], '*'); end > 0 && rest[end] != ' ' {
				b.WriteString("<em>" + inlineMarkdownReference(rest[1:1+end], links) + "</em>")
				i += end + 2
				continue
			}
		case rest[0] == '@' && links && atWordStart(i):
			if m := refMention.FindStringSubmatch(rest); m != nil {
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
