package tex

import (
	"html/template"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// LaTeX in titles and abstracts is rendered on the server: text-mode markup
// (accents, \emph, dashes, quotes) becomes HTML or Unicode, and math ($...$,
// \(...\), $$...$$) becomes MathML, which browsers display natively. What
// the renderer does not know is shown as escaped text; nothing in the
// input ever reaches the page as markup.

// HTML renders text with LaTeX markup as safe HTML. \href and \url with
// an http or https address become links.
func HTML(s string) template.HTML { return renderHTML(s, true) }

// HTMLWithoutLinks renders like HTML but shows \href's text unlinked, for
// text that is itself inside a link (a card's title).
func HTMLWithoutLinks(s string) template.HTML { return renderHTML(s, false) }

func renderHTML(s string, links bool) template.HTML {
	if !strings.ContainsAny(s, texSpecials) {
		return template.HTML(template.HTMLEscapeString(s))
	}
	r := texRenderer{html: true, links: links}
	r.text(s)
	return template.HTML(r.b.String())
}

// Text renders text with LaTeX markup as readable plain Unicode text, for
// indexing, mail, snippets, feeds and meta tags; it tolerates fragments of
// markup. Line breaks and spaces are kept as written.
func Text(s string) string {
	if !strings.ContainsAny(s, texSpecials) {
		return s // most titles and snippets: nothing to render
	}
	var r texRenderer
	r.text(s)
	return r.b.String()
}

// texSpecials are the bytes texRenderer.text reads as markup; a run of
// other bytes is copied (escaped) as it is.
const texSpecials = "$\\{}~-`'"

var isTexSpecial = func() (t [256]bool) {
	for _, c := range []byte(texSpecials) {
		t[c] = true
	}
	return t
}()

type texRenderer struct {
	b     strings.Builder
	html  bool
	links bool // \href and \url become <a> elements
}

// link writes text as a link to addr when links are on and addr is an
// http or https URL (no javascript: or data: ever), else as text.
func (r *texRenderer) link(addr string, text func()) {
	u, err := url.Parse(strings.TrimSpace(addr))
	if !r.html || !r.links || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		text()
		return
	}
	r.b.WriteString(`<a href="`)
	template.HTMLEscape(&r.b, []byte(u.String()))
	r.b.WriteString(`" rel="nofollow noopener">`)
	r.links = false // a link inside a link is not HTML
	text()
	r.links = true
	r.b.WriteString("</a>")
}

func (r *texRenderer) esc(s string) {
	if r.html {
		template.HTMLEscape(&r.b, []byte(s))
	} else {
		r.b.WriteString(s)
	}
}

func (r *texRenderer) tag(s string) {
	if r.html {
		r.b.WriteString(s)
	}
}

var textSymbols = map[string]string{
	"ss": "ß", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å",
	"l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "ldots": "…", "dots": "…", "LaTeX": "LaTeX", "TeX": "TeX",
	"textendash": "–", "textemdash": "—", "S": "§", "P": "¶", "copyright": "©", "dag": "†",
	"%": "%", "&": "&", "_": "_", "#": "#", "$": "$", "{": "{", "}": "}", " ": " ", ",": "\u2009",
	";": " ", "textasciitilde": "~", "slash": "/", "newline": " ", "par": " ", "quad": " ", "qquad": " ",
	"textbackslash": "\\", "&amp;": "&", "eg": "e.g.", "ie": "i.e.", "etal": "et al.",
}

// combining diacritics of the accent commands.
var accents = map[string]rune{
	"'": '\u0301', "`": '\u0300', "^": '\u0302', "\"": '\u0308', "~": '\u0303', "=": '\u0304',
	".": '\u0307', "c": '\u0327', "v": '\u030C', "u": '\u0306', "H": '\u030B', "k": '\u0328', "r": '\u030A',
}

// composed holds the precomposed forms of common accented letters.
var composed = composedLetters()

func composedLetters() map[string]string {
	composed := map[string]string{}
	for _, row := range []struct {
		mark  rune
		bases string
		comps string
	}{
		{'\u0301', "aeiouyAEIOUYcnszCNSZ", "áéíóúýÁÉÍÓÚÝćńśźĆŃŚŹ"},
		{'\u0300', "aeiouAEIOU", "àèìòùÀÈÌÒÙ"},
		{'\u0302', "aeiouAEIOU", "âêîôûÂÊÎÔÛ"},
		{'\u0308', "aeiouyAEIOU", "äëïöüÿÄËÏÖÜ"},
		{'\u0303', "anoANO", "ãñõÃÑÕ"},
		{'\u0327', "cCsS", "çÇşŞ"},
		{'\u030C', "cCsSzZrReEnN", "čČšŠžŽřŘěĚňŇ"},
		{'\u030A', "aAuU", "åÅůŮ"},
		{'\u030B', "oOuU", "őŐűŰ"},
		{'\u0304', "aeiouAEIOU", "āēīōūĀĒĪŌŪ"},
		{'\u0306', "aAgG", "ăĂğĞ"},
		{'\u0328', "aAeE", "ąĄęĘ"},
		{'\u0307', "zZ", "żŻ"},
	} {
		comps := []rune(row.comps)
		for i, b := range row.bases {
			composed[string(b)+string(row.mark)] = string(comps[i])
		}
	}
	for k, v := range map[string]string{"ı\u0301": "í", "ı\u0300": "ì", "ı\u0302": "î", "ı\u0308": "ï"} {
		composed[k] = v
	}
	return composed
}

func accent(base string, mark rune) string {
	if c, ok := composed[base+string(mark)]; ok {
		return c
	}
	return base + string(mark)
}

// readCommand reads a control sequence after a backslash at s[i]: a run of
// letters, or one other character. It returns the name and the index after.
func readCommand(s string, i int) (string, int) {
	j := i + 1
	for j < len(s) && isLetter(s[j]) {
		j++
	}
	if j == i+1 && j < len(s) {
		_, size := utf8.DecodeRuneInString(s[j:])
		j += size
	}
	return s[i+1 : j], j
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// readArg reads a command argument at s[i] (after spaces): a braced group or
// one character. ok is false at the end of the text.
func readArg(s string, i int) (arg string, next int, ok bool) {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	if i >= len(s) {
		return "", i, false
	}
	if s[i] == '{' {
		depth := 0
		for j := i; j < len(s); j++ {
			switch s[j] {
			case '\\':
				j++
			case '{':
				depth++
			case '}':
				depth--
				if depth == 0 {
					return s[i+1 : j], j + 1, true
				}
			}
		}
		return s[i+1:], len(s), true // unbalanced: the rest
	}
	if s[i] == '\\' {
		name, j := readCommand(s, i)
		return "\\" + name, j, true
	}
	_, size := utf8.DecodeRuneInString(s[i:])
	return s[i : i+size], i + size, true
}

var textStyles = map[string][2]string{
	"emph": {"<em>", "</em>"}, "textit": {"<em>", "</em>"}, "textsl": {"<em>", "</em>"},
	"textbf": {"<strong>", "</strong>"}, "texttt": {"<code>", "</code>"},
	"textrm": {"", ""}, "textsf": {"", ""}, "textsc": {"", ""}, "textup": {"", ""}, "textnormal": {"", ""},
	"mbox": {"", ""}, "text": {"", ""}, "underline": {"", ""}, "footnote": {" (", ")"},
	"textsuperscript": {"<sup>", "</sup>"}, "textsubscript": {"<sub>", "</sub>"},
}

// text renders text mode.
func (r *texRenderer) text(s string) {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '$':
			display := strings.HasPrefix(s[i:], "$$")
			open := 1
			if display {
				open = 2
			}
			end := MathEnd(s, i+open, s[i:i+open])
			if end < 0 {
				r.esc(s[i : i+open])
				i += open
				continue
			}
			r.math(s[i+open:end], display)
			i = end + open
		case c == '\\' && i+1 < len(s) && (s[i+1] == '(' || s[i+1] == '['):
			closer := `\)`
			if s[i+1] == '[' {
				closer = `\]`
			}
			end := strings.Index(s[i+2:], closer)
			if end < 0 {
				r.esc(s[i : i+2])
				i += 2
				continue
			}
			r.math(s[i+2:i+2+end], s[i+1] == '[')
			i += 2 + end + 2
		case c == '\\':
			i = r.textCommand(s, i)
		case c == '{' || c == '}':
			i++ // grouping braces
		case c == '~':
			r.b.WriteString("\u00a0")
			i++
		case strings.HasPrefix(s[i:], "---"):
			r.b.WriteString("—")
			i += 3
		case strings.HasPrefix(s[i:], "--"):
			r.b.WriteString("–")
			i += 2
		case strings.HasPrefix(s[i:], "``"):
			r.b.WriteString("“")
			i += 2
		case strings.HasPrefix(s[i:], "''"):
			r.b.WriteString("”")
			i += 2
		default:
			j := i + 1
			for j < len(s) && !isTexSpecial[s[j]] {
				j++
			}
			r.esc(s[i:j])
			i = j
		}
	}
}

// isMoney reports whether the text between two dollars is rather prices,
// as in "costs $5 and $10": math does not start with a digit and end with a
// space.
func isMoney(between string) bool {
	return between[0] >= '0' && between[0] <= '9' && strings.HasSuffix(between, " ")
}

// MathEnd returns where the math opened by delim just before i closes, or
// -1 when nothing closes it, the formula is empty, or single dollars are
// prices ("costs $5 and $10"). Pages, plain text and BibTeX read math
// boundaries alike through it.
func MathEnd(s string, i int, delim string) int {
	end := findMathEnd(s, i, delim)
	if end > 0 && delim == "$" && isMoney(s[i:end]) {
		return -1
	}
	return end
}

// findMathEnd finds the closing delimiter of math opened before i, skipping
// escaped characters; -1 if there is none.
func findMathEnd(s string, i int, delim string) int {
	for j := i; j < len(s); j++ {
		if s[j] == '\\' {
			j++
			continue
		}
		if strings.HasPrefix(s[j:], delim) {
			if j == i {
				return -1
			}
			return j
		}
	}
	return -1
}

func (r *texRenderer) textCommand(s string, i int) int {
	name, j := readCommand(s, i)
	if name == "" { // a trailing backslash
		r.esc("\\")
		return j
	}
	if mark, ok := accents[name]; ok && (len(name) > 1 || !isLetter(name[0]) || j >= len(s) || s[j] == '{' || s[j] == ' ') {
		arg, next, ok := readArg(s, j)
		if !ok {
			r.esc("\\" + name)
			return j
		}
		if sym, isSym := textSymbols[strings.TrimPrefix(arg, "\\")]; isSym && strings.HasPrefix(arg, "\\") {
			arg = sym
		}
		r.esc(accent(arg, mark))
		return next
	}
	if st, ok := textStyles[name]; ok {
		arg, next, ok := readArg(s, j)
		if !ok {
			return j
		}
		r.tag(st[0])
		r.text(arg)
		r.tag(st[1])
		return next
	}
	switch name {
	case "href":
		addr, next, _ := readArg(s, j)
		arg, next, _ := readArg(s, next)
		r.link(addr, func() { r.text(arg) })
		return next
	case "url":
		addr, next, ok := readArg(s, j)
		if !ok {
			return j
		}
		r.link(addr, func() { r.esc(addr) })
		return next
	case "textcolor":
		_, next, _ := readArg(s, j) // the colour
		arg, next, _ := readArg(s, next)
		r.text(arg)
		return next
	case "cite", "ref", "label", "eqref":
		_, next, _ := readArg(s, j)
		return next
	case "em", "it", "bf", "rm", "sc", "sf", "tt", "small", "large", "Large", "footnotesize", "normalsize":
		return skipSpace(s, j)
	case "\\":
		r.b.WriteString(" ")
		return j
	}
	if sym, ok := textSymbols[name]; ok {
		r.esc(sym)
		return skipLetterSpace(s, j, name)
	}
	if sym, ok := mathSymbols[name]; ok {
		r.esc(sym.text)
		return skipLetterSpace(s, j, name)
	}
	r.esc("\\" + name)
	return j
}

func skipSpace(s string, i int) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i
}

// skipLetterSpace drops the space that ends a letter command ("\ss e").
func skipLetterSpace(s string, i int, name string) int {
	if isLetter(name[0]) && i < len(s) && s[i] == ' ' && i+1 < len(s) && s[i+1] != ' ' {
		// keep it when a word follows: "\LaTeX is" reads better with it
		if name == "LaTeX" || name == "TeX" || name == "ldots" || name == "dots" {
			return i
		}
		return i + 1
	}
	return i
}

func (r *texRenderer) math(src string, display bool) {
	p := mathParser{s: src}
	nodes := p.list(false)
	if !r.html {
		plainRow(&r.b, nodes)
		return
	}
	// A browser never breaks a line inside <math>, so a long inline formula
	// is cut, as TeX does, after its relations and binary operators into
	// formulas the line can break between; what stays wide scrolls in its
	// own box (class "wide", style.css). A \href ends the formula around
	// it, as MathML has no portable link.
	breakable := !display && plainWidth(nodes) > longInlineMath
	var piece []mathNode
	flush := func() {
		if len(piece) > 0 {
			r.mathElement(piece, display)
			piece = nil
		}
	}
	for i, n := range nodes {
		if h, ok := n.(mHref); ok {
			flush()
			r.link(h.addr, func() { r.esc(h.text) })
			continue
		}
		piece = append(piece, n)
		if breakable && isBreakAfter(n) && i+1 < len(nodes) {
			flush()
			r.b.WriteString("<wbr>")
		}
	}
	flush()
}

// longInlineMath is the plain length, in characters, above which inline
// math is broken into pieces, and a piece gets its own scroll box: about a
// third of a phone's line.
const longInlineMath = 24

// mathElement writes nodes as one <math> element.
func (r *texRenderer) mathElement(nodes []mathNode, display bool) {
	switch {
	case display:
		r.b.WriteString(`<math display="block">`)
	case plainWidth(nodes) > longInlineMath:
		r.b.WriteString(`<math class="wide">`)
	default:
		r.b.WriteString(`<math>`)
	}
	if len(nodes) == 1 {
		nodes[0].mathML(&r.b)
	} else {
		r.b.WriteString("<mrow>")
		for _, n := range nodes {
			n.mathML(&r.b)
		}
		r.b.WriteString("</mrow>")
	}
	r.b.WriteString("</math>")
}

// plainWidth is the length of nodes as plain text, a measure of their width.
func plainWidth(nodes []mathNode) int {
	var b strings.Builder
	plainRow(&b, nodes)
	return utf8.RuneCountInString(b.String())
}

// isBreakAfter reports an operator after which TeX may break inline math.
func isBreakAfter(n mathNode) bool {
	op, ok := n.(mOperator)
	if !ok {
		return false
	}
	switch op.text {
	case "=", "<", ">", "≤", "≥", "≠", "≈", "≡", "∼", "≃", "≅", "∝", "∈", "∉", "⊂", "⊆", "⊃", "⊇",
		"→", "←", "⇒", "⇐", "⇔", "↔", "↦", "⟶", ":=", "≔", "+", "−", "±", "∓", "×", "⋅", "∪", "∩", "⊕", "⊗", ",", ";":
		return true
	}
	return false
}

// isMathLetter reports whether r is written as an identifier in math.
func isMathLetter(r rune) bool { return unicode.IsLetter(r) }
