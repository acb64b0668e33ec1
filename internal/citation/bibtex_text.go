package citation

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/paperboy-dev/paperboy/internal/tex"
)

// bibText turns a title or a name from arXiv's metadata, which is LaTeX
// written by authors with mistakes in it, into a BibTeX field value that
// BibTeX parses and LaTeX typesets:
//
//   - the characters LaTeX reserves in text (& % # _ ^ ~ and an unmatched
//     $) are escaped; what the source escaped already stays as it is;
//   - math ($...$, \(...\)) is kept as written, with & % # escaped and
//     \{ \} written \lbrace \rbrace, and with balanced braces;
//   - commands of LaTeX itself (\textsc, \emph, accents, \,) are kept; a
//     stray backslash or an unknown command (a paper's own macro) is
//     written as \textbackslash{};
//   - braces are balanced (BibTeX counts every brace, escaped or not);
//   - in a title (protect), the words whose case matters are braced so that
//     styles that change case (plain.bst lowers all but the first letter)
//     keep them: words with a capital after the first letter or with a
//     capital and a digit whole ({ProRL}, {GPT}-4, {R1}), the capital of other capitalised words after
//     the first ({G}aussian), and math. Title-case sources thereby keep
//     their capitals too: the source's capitalisation is the one known.
func bibText(s string, protect bool) string {
	w := bibWriter{protect: protect, first: true}
	w.text(s)
	w.flushWord()
	w.b.WriteString(strings.Repeat("}", w.depth))
	return w.b.String()
}

type bibWriter struct {
	b       strings.Builder
	protect bool
	first   bool // no word written yet
	depth   int  // open braces written
	word    strings.Builder
}

func (w *bibWriter) text(s string) {
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' && c != '$' {
			if r, n := utf8.DecodeRuneInString(s[i:]); unicode.IsLetter(r) || unicode.IsDigit(r) {
				w.word.WriteString(s[i : i+n])
				i += n
				continue
			}
		}
		w.flushWord()
		switch c {
		case '$':
			if strings.HasPrefix(s[i:], `$$`) {
				if end := tex.MathEnd(s, i+2, `$$`); end > 0 {
					w.math(`$$`, s[i+2:end], `$$`)
					i = end + 2
					continue
				}
			}
			if end := tex.MathEnd(s, i+1, `$`); end > 0 {
				w.math(`$`, s[i+1:end], `$`)
				i = end + 1
				continue
			}
			w.b.WriteString(`\$`) // a price, or a dollar without its pair
			i++
		case '\\':
			i = w.command(s, i)
		case '{':
			w.depth++
			w.b.WriteByte('{')
			i++
		case '}':
			if w.depth == 0 {
				w.b.WriteString(`\textbraceright{}`)
			} else {
				w.depth--
				w.b.WriteByte('}')
			}
			i++
		case '&', '%', '#', '_':
			w.b.WriteString(`\` + string(c))
			i++
		case '^':
			w.b.WriteString(`\^{}`)
			i++
		case '~':
			w.b.WriteString(`\textasciitilde{}`)
			i++
		case '<':
			w.b.WriteString(`\textless{}`) // OT1 fonts print < as ¡
			i++
		case '>':
			w.b.WriteString(`\textgreater{}`)
			i++
		case '|':
			w.b.WriteString(`\textbar{}`)
			i++
		case '\n', '\r', '\t':
			w.b.WriteByte(' ')
			i++
		default:
			_, n := utf8.DecodeRuneInString(s[i:])
			w.b.WriteString(s[i : i+n])
			i += n
		}
	}
}

// flushWord writes the word read so far, braced as bibText says.
func (w *bibWriter) flushWord() {
	word := w.word.String()
	if word == "" {
		return
	}
	w.word.Reset()
	first := w.first
	w.first = false
	if !w.protect || w.depth > 0 {
		w.b.WriteString(word) // inside braces case is kept already
		return
	}
	r0, n := utf8.DecodeRuneInString(word)
	switch {
	case strings.IndexFunc(word[n:], unicode.IsUpper) >= 0,
		unicode.IsUpper(r0) && strings.IndexFunc(word, unicode.IsDigit) >= 0: // a model's name: V1, R1
		w.b.WriteString("{" + word + "}")
	case unicode.IsUpper(r0) && !first:
		w.b.WriteString("{" + word[:n] + "}" + word[n:])
	default:
		w.b.WriteString(word)
	}
}

// latexTextCommands are the commands of LaTeX's kernel (and of textcomp,
// part of it since 2020) that titles use; they are kept as written.
var latexTextCommands = map[string]bool{
	"emph": true, "textit": true, "textbf": true, "textsc": true, "texttt": true, "textrm": true,
	"textsf": true, "textsl": true, "textup": true, "textnormal": true, "underline": true,
	"textsuperscript": true, "textsubscript": true, "mbox": true,
	"ldots": true, "dots": true, "LaTeX": true, "TeX": true, "textregistered": true, "texttrademark": true,
	"textcopyright": true, "textpertenthousand": true, "textperthousand": true, "textdegree": true,
	"textendash": true, "textemdash": true, "textbackslash": true, "textasciitilde": true,
	"textasciicircum": true, "textbar": true, "textless": true, "textgreater": true,
	"textbraceleft": true, "textbraceright": true, "textquotedbl": true, "S": true, "P": true,
	"ss": true, "ae": true, "AE": true, "oe": true, "OE": true, "aa": true, "AA": true,
	"o": true, "O": true, "l": true, "L": true, "i": true, "j": true,
	// accents with a letter argument
	"H": true, "c": true, "v": true, "u": true, "d": true, "b": true, "t": true, "k": true, "r": true,
}

// command writes the command at s[i] (a backslash) and returns where the
// text continues.
func (w *bibWriter) command(s string, i int) int {
	if i+1 >= len(s) {
		w.b.WriteString(`\textbackslash{}`)
		return i + 1
	}
	c := s[i+1]
	switch {
	case c == '(' || c == '[':
		closer := `\)`
		if c == '[' {
			closer = `\]`
		}
		if end := strings.Index(s[i+2:], closer); end >= 0 {
			w.math(s[i:i+2], s[i+2:i+2+end], closer)
			return i + 2 + end + 2
		}
		w.b.WriteString(`\textbackslash{}`)
		return i + 1
	case isASCIILetter(c):
		j := i + 1
		for j < len(s) && isASCIILetter(s[j]) {
			j++
		}
		name := s[i+1 : j]
		if !latexTextCommands[name] {
			// A macro of the paper's own (\ECUAS{n}): LaTeX would stop
			// on it, so it is shown as written, its name as a word.
			w.b.WriteString(`\textbackslash{}`)
			w.word.WriteString(name)
			return j
		}
		if len(name) <= 2 && w.depth == 0 {
			// An accent or a letter (\H{o}, \o): braced whole, BibTeX's
			// special character, so that case changes and sorting treat
			// it as the letter it is.
			end := accentEnd(s, j, name)
			w.depth++
			w.b.WriteString(`{\` + name)
			w.text(s[j:end])
			w.flushWord()
			w.depth--
			w.b.WriteString("}")
			return end
		}
		if w.depth == 0 && strings.IndexFunc(name, unicode.IsUpper) >= 0 {
			w.b.WriteString(`{\` + name + `}`) // \LaTeX: a case change would break the name
			return j
		}
		w.b.WriteString(`\` + name)
		return j
	case c == '\\':
		w.b.WriteByte(' ') // a line break, as in a title set on two lines
		return i + 2
	case strings.IndexByte(`&%#_${}`, c) >= 0:
		if c == '{' || c == '}' {
			// BibTeX counts escaped braces too: written without braces.
			w.b.WriteString(map[byte]string{'{': `\textbraceleft{}`, '}': `\textbraceright{}`}[c])
		} else {
			w.b.WriteString(s[i : i+2])
		}
		return i + 2
	case strings.IndexByte(`'"^~=.`+"`", c) >= 0:
		end := accentEnd(s, i+2, "")
		if w.depth == 0 {
			w.depth++
			w.b.WriteString(`{\` + string(c))
			w.text(s[i+2 : end])
			w.flushWord()
			w.depth--
			w.b.WriteString("}")
		} else {
			w.b.WriteString(`\` + string(c))
			w.text(s[i+2 : end])
		}
		return end
	case strings.IndexByte(`,;:! `, c) >= 0:
		w.b.WriteString(s[i : i+2])
		return i + 2
	}
	w.b.WriteString(`\textbackslash{}`) // a stray backslash
	return i + 1
}

// accentEnd is the end of an accent's argument starting at j: a braced
// group, or one letter (after spaces when the accent is a word, \H o);
// j itself for letters such as \o that take none.
func accentEnd(s string, j int, name string) int {
	if len(name) > 1 || name != "" && !latexAccentWithArg[name] {
		return j
	}
	k := j
	if name != "" {
		for k < len(s) && s[k] == ' ' {
			k++
		}
	}
	if k >= len(s) {
		return j
	}
	if s[k] == '{' {
		depth := 0
		for m := k; m < len(s); m++ {
			switch s[m] {
			case '{':
				depth++
			case '}':
				if depth--; depth == 0 {
					return m + 1
				}
			}
		}
		return j // unbalanced: the braces are written as text
	}
	if s[k] == '\\' && k+1 < len(s) && (s[k+1] == 'i' || s[k+1] == 'j') {
		return k + 2 // \'\i
	}
	if isASCIILetter(s[k]) {
		return k + 1
	}
	return j
}

var latexAccentWithArg = map[string]bool{"H": true, "c": true, "v": true, "u": true, "d": true, "b": true, "t": true, "k": true, "r": true}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// math writes a formula as written between its delimiters, made safe:
// & % # escaped (a column separator, a comment and a parameter in LaTeX),
// \{ \} as \lbrace \rbrace (BibTeX counts escaped braces) and the other
// braces balanced. In a title it is braced, so that case changes leave
// its letters alone.
func (w *bibWriter) math(open, src, close string) {
	var m strings.Builder
	depth := 0
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\\' && i+1 < len(src):
			switch src[i+1] {
			case '{':
				m.WriteString(`\lbrace `)
			case '}':
				m.WriteString(`\rbrace `)
			default:
				m.WriteString(src[i : i+2])
			}
			i++
		case c == '\\':
			m.WriteString(`\backslash `)
		case c == '&' || c == '%' || c == '#':
			m.WriteString(`\` + string(c))
		case c == '{':
			depth++
			m.WriteByte(c)
		case c == '}':
			if depth > 0 {
				depth--
				m.WriteByte(c)
			}
		case c == '\n' || c == '\r':
			m.WriteByte(' ')
		default:
			m.WriteByte(c)
		}
	}
	m.WriteString(strings.Repeat("}", depth))
	braced := w.protect && w.depth == 0
	w.first = false
	if braced {
		w.b.WriteString("{")
	}
	w.b.WriteString(open + m.String() + close)
	if braced {
		w.b.WriteString("}")
	}
}
