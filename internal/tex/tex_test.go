package tex

import (
	"strings"
	"testing"
)

func TestTexHTML(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`Caf\'e and na\"ive Erd\H{o}s, \c{c}a, G\"{o}del, \v{S}kof`, "Café and naïve Erdős, ça, Gödel, Škof"},
		{`An \emph{important} and \textbf{bold} result`, "An <em>important</em> and <strong>bold</strong> result"},
		{"pre-training---fast -- or ``quoted''", "pre-training—fast – or “quoted”"},
		{`$\mathcal{O}(n)$`, "<math><mrow><mi>𝒪</mi><mo>(</mo><mi>n</mi><mo>)</mo></mrow></math>"},
		{`$x_i^2$`, "<math><msubsup><mi>x</mi><mi>i</mi><mn>2</mn></msubsup></math>"},
		{`$\alpha \leq \frac{1}{2}$`, "<math><mrow><mi>α</mi><mo>≤</mo><mfrac><mn>1</mn><mn>2</mn></mfrac></mrow></math>"},
		{`$\mathbb{R}^{d}$`, "<math><msup><mi>ℝ</mi><mi>d</mi></msup></math>"},
		{`<script>alert(1)</script> & "x"`, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;x&#34;"},
		{`$<img src=x onerror=alert(1)>$`, "<math><mrow><mo>&lt;</mo><mi>i</mi><mi>m</mi><mi>g</mi><mi>s</mi><mi>r</mi><mi>c</mi><mo>=</mo><mi>x</mi><mi>o</mi><mi>n</mi><mi>e</mi><mi>r</mi><mi>r</mi><mi>o</mi><mi>r</mi><mo>=</mo><mi>a</mi><mi>l</mi><mi>e</mi><mi>r</mi><mi>t</mi><mo>(</mo><mn>1</mn><mo>)</mo><mo>&gt;</mo></mrow></math>"},
		{`costs $5 and \unknown{x}`, "costs $5 and \\unknownx"},
		{`\text{<b>}`, "&lt;b&gt;"},
		{`$\text{<b>}$`, "<math><mtext>&lt;b&gt;</mtext></math>"},
	} {
		if got := string(HTML(tc.in)); got != tc.want {
			t.Errorf("HTML(%q)\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
}

func TestTexText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`$\mathcal{O}(n^2)$ time`, "𝒪(n²) time"},
		{`$\ell_1$ and $x_{ij}$ and $e^{-x/2}$`, "ℓ₁ and xᵢⱼ and e^(−x/2)"},
		{`\emph{Fast} $\alpha$-nets`, "Fast α-nets"},
		{`half $\frac{a}{b`, "half $\\fracab"}, // unterminated math stays text
	} {
		if got := Text(tc.in); got != tc.want {
			t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzTex(f *testing.F) {
	for _, s := range []string{`$\frac{\sqrt[3]{x}}{y}$`, `\'{}`, `$$x$$`, `\(\)`, `{{{`, `$\mathcal{`, `\`, `$a^^_'$`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := string(HTML(s))
		// No markup from the input survives: every tag is one the renderer writes.
		for _, bad := range []string{"<script", "<img", "<a ", "<iframe", "<svg", "<style"} {
			if strings.Contains(strings.ToLower(out), bad) {
				t.Fatalf("HTML(%q) = %q holds %s", s, out, bad)
			}
		}
		Text(s)
	})
}

func TestTexDeepNestingIsBounded(t *testing.T) {
	s := "$" + strings.Repeat("{", 100000) + "x$"
	if out := HTML(s); !strings.Contains(string(out), "<math>") {
		t.Fatalf("deep nesting: %.200s", out)
	}
}
