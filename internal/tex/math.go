package tex

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// mathNode is one piece of parsed TeX math.
type mathNode interface {
	mathML(b *strings.Builder)
	plain(b *strings.Builder)
}

type (
	mIdent struct {
		text    string
		upright bool // multi-letter names and \mathrm are upright anyway
	}
	mNumber   struct{ text string }
	mOperator struct{ text string }
	mText     struct{ text string }
	mRow      struct{ nodes []mathNode }
	mScripts  struct{ base, sub, sup mathNode }
	mFrac     struct{ num, den mathNode }
	mSqrt     struct{ index, body mathNode }
	mAccent   struct {
		body mathNode
		mark string
	}
	// mHref is \href: inside a formula its text; at a formula's top
	// level, HTML makes it a link (texRenderer.math).
	mHref struct{ addr, text string }
)

func writeEsc(b *strings.Builder, s string) {
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&#34;")
		case '\'':
			b.WriteString("&#39;")
		default:
			b.WriteRune(r)
		}
	}
}

func (n mIdent) mathML(b *strings.Builder) {
	if n.upright && utf8.RuneCountInString(n.text) == 1 {
		b.WriteString(`<mi mathvariant="normal">`)
	} else {
		b.WriteString("<mi>")
	}
	writeEsc(b, n.text)
	b.WriteString("</mi>")
}
func (n mIdent) plain(b *strings.Builder) { b.WriteString(n.text) }

func (n mNumber) mathML(b *strings.Builder) {
	b.WriteString("<mn>")
	writeEsc(b, n.text)
	b.WriteString("</mn>")
}
func (n mNumber) plain(b *strings.Builder) { b.WriteString(n.text) }

func (n mOperator) mathML(b *strings.Builder) {
	b.WriteString("<mo>")
	writeEsc(b, n.text)
	b.WriteString("</mo>")
}
func (n mOperator) plain(b *strings.Builder) {
	switch n.text {
	case "=", "≤", "≥", "≠", "→", "←", "⇒", "≈", "∈", "×", "+", "−", "±", "≡", "∼", "⊂", "⊆", "↦", "⇔", "∝":
		b.WriteString(" " + n.text + " ")
	default:
		b.WriteString(n.text)
	}
}

func (n mText) mathML(b *strings.Builder) {
	b.WriteString("<mtext>")
	writeEsc(b, n.text)
	b.WriteString("</mtext>")
}
func (n mText) plain(b *strings.Builder) { b.WriteString(n.text) }

func (n mHref) mathML(b *strings.Builder) { mText{n.text}.mathML(b) }
func (n mHref) plain(b *strings.Builder)  { b.WriteString(n.text) }

func (n mRow) mathML(b *strings.Builder) {
	if len(n.nodes) == 1 {
		n.nodes[0].mathML(b)
		return
	}
	b.WriteString("<mrow>")
	for _, c := range n.nodes {
		c.mathML(b)
	}
	b.WriteString("</mrow>")
}
func (n mRow) plain(b *strings.Builder) { plainRow(b, n.nodes) }

// plainRow writes nodes as plain text. A word such as "log" is set apart
// from the letters beside it in the formula, as TeX spaces it: "n \log n" reads "n log n",
// not "nlogn".
func plainRow(b *strings.Builder, nodes []mathNode) {
	start, prevWord := b.Len(), false
	for _, c := range nodes {
		word := isFunctionName(c)
		if (word || prevWord) && b.Len() > start && endsAlnum(b.String()) {
			var s strings.Builder
			c.plain(&s)
			if r, _ := utf8.DecodeRuneInString(s.String()); unicode.IsLetter(r) || unicode.IsDigit(r) {
				b.WriteByte(' ')
			}
			b.WriteString(s.String())
		} else {
			c.plain(b)
		}
		prevWord = word
	}
}

// isFunctionName reports a node such as \\log or \\max_i.
func isFunctionName(n mathNode) bool {
	if sc, ok := n.(mScripts); ok {
		n = sc.base
	}
	id, ok := n.(mIdent)
	return ok && !id.upright && utf8.RuneCountInString(id.text) > 1
}

func endsAlnum(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func (n mScripts) mathML(b *strings.Builder) {
	switch {
	case n.sub != nil && n.sup != nil:
		b.WriteString("<msubsup>")
		n.base.mathML(b)
		n.sub.mathML(b)
		n.sup.mathML(b)
		b.WriteString("</msubsup>")
	case n.sub != nil:
		b.WriteString("<msub>")
		n.base.mathML(b)
		n.sub.mathML(b)
		b.WriteString("</msub>")
	default:
		b.WriteString("<msup>")
		n.base.mathML(b)
		n.sup.mathML(b)
		b.WriteString("</msup>")
	}
}

var (
	superscripts = strings.NewReplacer("0", "⁰", "1", "¹", "2", "²", "3", "³", "4", "⁴", "5", "⁵", "6", "⁶",
		"7", "⁷", "8", "⁸", "9", "⁹", "+", "⁺", "−", "⁻", "n", "ⁿ", "i", "ⁱ", "T", "ᵀ", "(", "⁽", ")", "⁾", "*", "*", "′", "′")
	subscripts = strings.NewReplacer("0", "₀", "1", "₁", "2", "₂", "3", "₃", "4", "₄", "5", "₅", "6", "₆",
		"7", "₇", "8", "₈", "9", "₉", "+", "₊", "−", "₋", "i", "ᵢ", "j", "ⱼ", "k", "ₖ", "n", "ₙ", "t", "ₜ",
		"(", "₍", ")", "₎", "a", "ₐ", "e", "ₑ", "o", "ₒ", "x", "ₓ", "m", "ₘ", "p", "ₚ", "s", "ₛ", "l", "ₗ")
)

// script writes a sub- or superscript in Unicode when every character has
// a script form, else as _x or ^{...}.
func script(b *strings.Builder, n mathNode, r *strings.Replacer, mark string) {
	var inner strings.Builder
	n.plain(&inner)
	s := strings.ReplaceAll(inner.String(), " ", "")
	// Styled letters ("H^{\\mathbf{3}}") have script forms only unstyled.
	for _, form := range []string{s, norm.NFKC.String(s)} {
		if conv, ok := allScript(form, r); ok {
			b.WriteString(conv)
			return
		}
	}
	if utf8.RuneCountInString(s) == 1 {
		b.WriteString(mark + s)
		return
	}
	b.WriteString(mark + "(" + s + ")")
}

// allScript converts s with r and reports whether every character had a
// script form.
func allScript(s string, r *strings.Replacer) (string, bool) {
	conv := r.Replace(s)
	if conv == s && s != "" {
		return "", false
	}
	for _, c := range conv {
		if c < 0x80 {
			return "", false
		}
	}
	return conv, true
}

func (n mScripts) plain(b *strings.Builder) {
	n.base.plain(b)
	if n.sub != nil {
		script(b, n.sub, subscripts, "_")
	}
	if n.sup != nil {
		script(b, n.sup, superscripts, "^")
	}
}

func (n mFrac) mathML(b *strings.Builder) {
	b.WriteString("<mfrac>")
	n.num.mathML(b)
	n.den.mathML(b)
	b.WriteString("</mfrac>")
}
func (n mFrac) plain(b *strings.Builder) {
	for i, part := range []mathNode{n.num, n.den} {
		if i > 0 {
			b.WriteString("/")
		}
		var s strings.Builder
		part.plain(&s)
		if utf8.RuneCountInString(s.String()) == 1 {
			b.WriteString(s.String())
		} else {
			b.WriteString("(" + s.String() + ")")
		}
	}
}

func (n mSqrt) mathML(b *strings.Builder) {
	if n.index != nil {
		b.WriteString("<mroot>")
		n.body.mathML(b)
		n.index.mathML(b)
		b.WriteString("</mroot>")
		return
	}
	b.WriteString("<msqrt>")
	n.body.mathML(b)
	b.WriteString("</msqrt>")
}
func (n mSqrt) plain(b *strings.Builder) {
	b.WriteString("√(")
	n.body.plain(b)
	b.WriteString(")")
}

func (n mAccent) mathML(b *strings.Builder) {
	b.WriteString(`<mover accent="true">`)
	n.body.mathML(b)
	b.WriteString("<mo>" + n.mark + "</mo></mover>")
}
func (n mAccent) plain(b *strings.Builder) {
	var inner strings.Builder
	n.body.plain(&inner)
	s := inner.String()
	if utf8.RuneCountInString(s) == 1 && n.mark != "→" {
		b.WriteString(s + map[string]string{"^": "\u0302", "¯": "\u0304", "~": "\u0303", "˙": "\u0307", "¨": "\u0308"}[n.mark])
		return
	}
	b.WriteString(s)
}

// mathSymbol is what a control word stands for in math.
type mathSymbol struct {
	text string
	op   bool // an operator (mo) rather than an identifier (mi)
}

var mathSymbols = func() map[string]mathSymbol {
	m := map[string]mathSymbol{}
	greek := "alpha α beta β gamma γ delta δ epsilon ϵ varepsilon ε zeta ζ eta η theta θ vartheta ϑ iota ι kappa κ " +
		"lambda λ mu μ nu ν xi ξ pi π varpi ϖ rho ρ varrho ϱ sigma σ varsigma ς tau τ upsilon υ phi ϕ varphi φ chi χ psi ψ omega ω " +
		"Gamma Γ Delta Δ Theta Θ Lambda Λ Xi Ξ Pi Π Sigma Σ Upsilon Υ Phi Φ Psi Ψ Omega Ω " +
		"infty ∞ partial ∂ nabla ∇ ell ℓ hbar ℏ emptyset ∅ varnothing ∅ aleph ℵ Re ℜ Im ℑ wp ℘ top ⊤ bot ⊥ prime ′ " +
		"dots … ldots … cdots ⋯ vdots ⋮ ddots ⋱ dagger † star ⋆ ast ∗ circ ∘ bullet • checkmark ✓"
	f := strings.Fields(greek)
	for i := 0; i+1 < len(f); i += 2 {
		m[f[i]] = mathSymbol{text: f[i+1]}
	}
	ops := "leq ≤ le ≤ geq ≥ ge ≥ neq ≠ ne ≠ times × cdot ⋅ pm ± mp ∓ div ÷ to → rightarrow → leftarrow ← " +
		"Rightarrow ⇒ Leftarrow ⇐ Leftrightarrow ⇔ leftrightarrow ↔ implies ⇒ iff ⇔ mapsto ↦ longrightarrow ⟶ " +
		"in ∈ notin ∉ ni ∋ subset ⊂ subseteq ⊆ supset ⊃ supseteq ⊇ cup ∪ cap ∩ setminus ∖ " +
		"sum ∑ prod ∏ int ∫ oint ∮ bigcup ⋃ bigcap ⋂ approx ≈ sim ∼ simeq ≃ cong ≅ equiv ≡ propto ∝ ll ≪ gg ≫ " +
		"forall ∀ exists ∃ neg ¬ lnot ¬ wedge ∧ land ∧ vee ∨ lor ∨ oplus ⊕ otimes ⊗ odot ⊙ mid ∣ parallel ∥ " +
		"langle ⟨ rangle ⟩ lceil ⌈ rceil ⌉ lfloor ⌊ rfloor ⌋ vert | Vert ‖ | ‖ lVert ‖ rVert ‖ lvert | rvert | " +
		"uparrow ↑ downarrow ↓ perp ⊥ preceq ⪯ succeq ⪰ prec ≺ succ ≻ triangleq ≜ coloneqq ≔ vdash ⊢ models ⊨ " +
		"leftarrow ← gets ← uparrow ↑ lbrace { rbrace } { { } } cdotp ⋅ colon : bigoplus ⨁ bigotimes ⨂ " +
		"ominus ⊖ sqcup ⊔ uplus ⊎ diamond ⋄ triangle △ angle ∠ nleq ≰ ngeq ≱ lesssim ≲ gtrsim ≳ asymp ≍ " +
		"leqslant ⩽ geqslant ⩾ hookrightarrow ↪ rightharpoonup ⇀ circledast ⊛ ast ∗ # # & & % % $ $ _ _"
	f = strings.Fields(ops)
	for i := 0; i+1 < len(f); i += 2 {
		m[f[i]] = mathSymbol{text: f[i+1], op: true}
	}
	for _, fn := range strings.Fields("log ln exp sin cos tan sec csc cot arcsin arccos arctan sinh cosh tanh " +
		"max min arg argmax argmin sup inf lim limsup liminf det dim ker deg gcd Pr tr rank sgn softmax") {
		m[fn] = mathSymbol{text: fn}
	}
	return m
}()

// Mathematical alphabets, mapped to Unicode's Mathematical Alphanumeric
// Symbols (browsers' MathML ignores mathvariant other than normal).
var alphabets = map[string]struct {
	upper, lower, digit rune
	holes               map[rune]rune
}{
	"mathcal":    {0x1D49C, 0x1D4B6, 0, map[rune]rune{'B': 'ℬ', 'E': 'ℰ', 'F': 'ℱ', 'H': 'ℋ', 'I': 'ℐ', 'L': 'ℒ', 'M': 'ℳ', 'R': 'ℛ', 'e': 'ℯ', 'g': 'ℊ', 'o': 'ℴ'}},
	"mathscr":    {0x1D49C, 0x1D4B6, 0, map[rune]rune{'B': 'ℬ', 'E': 'ℰ', 'F': 'ℱ', 'H': 'ℋ', 'I': 'ℐ', 'L': 'ℒ', 'M': 'ℳ', 'R': 'ℛ', 'e': 'ℯ', 'g': 'ℊ', 'o': 'ℴ'}},
	"mathbb":     {0x1D538, 0x1D552, 0x1D7D8, map[rune]rune{'C': 'ℂ', 'H': 'ℍ', 'N': 'ℕ', 'P': 'ℙ', 'Q': 'ℚ', 'R': 'ℝ', 'Z': 'ℤ'}},
	"mathbf":     {0x1D400, 0x1D41A, 0x1D7CE, nil},
	"boldsymbol": {0x1D400, 0x1D41A, 0x1D7CE, nil},
	"bm":         {0x1D400, 0x1D41A, 0x1D7CE, nil},
	"mathfrak":   {0x1D504, 0x1D51E, 0, map[rune]rune{'C': 'ℭ', 'H': 'ℌ', 'I': 'ℑ', 'R': 'ℜ', 'Z': 'ℨ'}},
	"mathsf":     {0x1D5A0, 0x1D5BA, 0x1D7E2, nil},
	"mathit":     {0x1D434, 0x1D44E, 0, map[rune]rune{'h': 'ℎ'}},
}

func toAlphabet(name, s string) string {
	a := alphabets[name]
	var b strings.Builder
	for _, r := range s {
		if h, ok := a.holes[r]; ok {
			b.WriteRune(h)
			continue
		}
		switch {
		case r >= 'A' && r <= 'Z':
			b.WriteRune(a.upper + r - 'A')
		case r >= 'a' && r <= 'z':
			b.WriteRune(a.lower + r - 'a')
		case r >= '0' && r <= '9' && a.digit != 0:
			b.WriteRune(a.digit + r - '0')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

var mathAccents = map[string]string{
	"hat": "^", "widehat": "^", "bar": "¯", "overline": "¯", "tilde": "~", "widetilde": "~",
	"vec": "→", "dot": "˙", "ddot": "¨", "overrightarrow": "→",
}

// mathParser parses TeX math into nodes. It never fails: what it does not
// understand becomes text.
type mathParser struct {
	s     string
	i     int
	depth int
}

// maxMathDepth bounds nesting, so hostile input cannot exhaust the stack.
const maxMathDepth = 50

// list parses nodes up to the end or, in a group, the closing brace.
func (p *mathParser) list(inGroup bool) []mathNode {
	var nodes []mathNode
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '}' {
			if inGroup {
				p.i++
				return nodes
			}
			p.i++
			continue
		}
		if c == '^' || c == '_' {
			p.i++
			var base mathNode = mText{}
			if n := len(nodes); n > 0 {
				base = nodes[n-1]
				nodes = nodes[:n-1]
			}
			sc, ok := base.(mScripts)
			if !ok {
				sc = mScripts{base: base}
			}
			arg := p.arg()
			if c == '^' {
				sc.sup = arg
			} else {
				sc.sub = arg
			}
			nodes = append(nodes, sc)
			continue
		}
		if c == '\'' {
			p.i++
			prime := mOperator{"′"}
			if n := len(nodes); n > 0 {
				nodes[n-1] = mScripts{base: nodes[n-1], sup: prime}
			} else {
				nodes = append(nodes, prime)
			}
			continue
		}
		if n := p.atom(); n != nil {
			nodes = append(nodes, n)
		}
	}
	return nodes
}

// arg parses a command or script argument: a group or one atom.
func (p *mathParser) arg() mathNode {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
	if p.i >= len(p.s) {
		return mRow{}
	}
	if p.s[p.i] == '{' {
		p.i++
		return p.group()
	}
	if n := p.atom(); n != nil {
		return n
	}
	return mRow{}
}

func (p *mathParser) group() mathNode {
	if p.depth >= maxMathDepth {
		// Too deep: the rest is shown as written.
		n := mText{p.s[p.i:]}
		p.i = len(p.s)
		return n
	}
	p.depth++
	defer func() { p.depth-- }()
	return mRow{p.list(true)}
}

// rawArg reads a braced argument's text unparsed (for \text, \mathcal).
func (p *mathParser) rawArg() string {
	arg, next, _ := readArg(p.s, p.i)
	p.i = next
	return arg
}

// atom parses one atom; nil for nothing to show (spaces, sizing commands).
func (p *mathParser) atom() mathNode {
	c := p.s[p.i]
	switch {
	case c == ' ' || c == '\t' || c == '\n' || c == '&' || c == '~':
		p.i++
		return nil
	case c == '{':
		p.i++
		return p.group()
	case c >= '0' && c <= '9' || c == '.' && p.i+1 < len(p.s) && p.s[p.i+1] >= '0' && p.s[p.i+1] <= '9':
		j := p.i
		for j < len(p.s) && (p.s[j] >= '0' && p.s[j] <= '9' || p.s[j] == '.' && j+1 < len(p.s) && p.s[j+1] >= '0' && p.s[j+1] <= '9') {
			j++
		}
		n := mNumber{p.s[p.i:j]}
		p.i = j
		return n
	case c == '\\':
		return p.command()
	}
	r, size := utf8.DecodeRuneInString(p.s[p.i:])
	p.i += size
	if isMathLetter(r) {
		return mIdent{text: string(r)}
	}
	if r == '-' {
		return mOperator{"−"}
	}
	return mOperator{string(r)}
}

func (p *mathParser) command() mathNode {
	name, j := readCommand(p.s, p.i)
	p.i = j
	if name == "" {
		return mText{"\\"}
	}
	if a, ok := mathAccents[name]; ok {
		return mAccent{body: p.arg(), mark: a}
	}
	if _, ok := alphabets[name]; ok {
		// The argument's own markup ("\\mathbf{\\texttt{D}}") is rendered first.
		return mIdent{text: toAlphabet(name, Text(p.rawArg()))}
	}
	switch name {
	case "frac", "dfrac", "tfrac", "cfrac":
		num := p.arg()
		return mFrac{num: num, den: p.arg()}
	case "binom":
		top := p.arg()
		return mRow{[]mathNode{mOperator{"("}, mFrac{num: top, den: p.arg()}, mOperator{")"}}}
	case "sqrt":
		var index mathNode
		if p.i < len(p.s) && p.s[p.i] == '[' {
			end := strings.IndexByte(p.s[p.i:], ']')
			if end > 0 {
				sub := mathParser{s: p.s[p.i+1 : p.i+end], depth: p.depth + 1}
				index = mRow{sub.list(false)}
				p.i += end + 1
			}
		}
		return mSqrt{index: index, body: p.arg()}
	case "text", "textrm", "textit", "textbf", "mbox", "textsf", "texttt", "textnormal":
		return mText{Text(p.rawArg())}
	case "mathrm", "operatorname", "mathop", "rm", "mathnormal", "mathtt":
		// Unicode's monospace letters would make "Di$\mathtt{[M]}$O" hard to
		// read and to search for; \mathtt is shown upright like \mathrm.
		if name == "rm" {
			return nil
		}
		return mIdent{text: Text(p.rawArg()), upright: true}
	case "href":
		addr := p.rawArg()
		return mHref{addr: addr, text: Text(p.rawArg())}
	case "textcolor":
		p.rawArg() // the colour
		return p.arg()
	case "color":
		p.rawArg()
		return nil
	case "underline", "hyperlink":
		if name == "hyperlink" {
			p.rawArg() // the target
		}
		return p.arg()
	case "unicode":
		if r, ok := codePoint(p.rawArg()); ok {
			return mText{string(r)}
		}
		return nil
	case "left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "middle",
		"displaystyle", "textstyle", "scriptstyle", "limits", "nolimits", "nonumber", "notag", "!", ",", ";", ":", ">", "quad", "qquad":
		if name == "left" || name == "right" {
			if p.i < len(p.s) && p.s[p.i] == '.' {
				p.i++
			}
		}
		if name == "quad" || name == "qquad" || name == ";" {
			return mText{"\u2003"}
		}
		if name == "," || name == ":" || name == ">" {
			return mText{"\u2009"}
		}
		return nil
	case " ":
		return mText{" "}
	case "{", "}", "%", "#", "&", "$", "_", "|":
		return mOperator{map[string]string{"|": "‖"}[name] + strings.TrimPrefix(name, "|")}
	}
	if sym, ok := mathSymbols[name]; ok {
		if sym.op {
			return mOperator{sym.text}
		}
		return mIdent{text: sym.text}
	}
	return mText{"\\" + name}
}

// codePoint reads the argument of \unicode: "x2013" (hexadecimal) or
// "8211" (decimal).
func codePoint(arg string) (rune, bool) {
	arg = strings.TrimSpace(arg)
	base := 10
	if rest, ok := strings.CutPrefix(strings.ToLower(arg), "x"); ok {
		arg, base = rest, 16
	}
	n, err := strconv.ParseUint(arg, base, 21)
	if err != nil || !utf8.ValidRune(rune(n)) || n < 0x20 {
		return 0, false
	}
	return rune(n), true
}
