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
		{`$<img src=x onerror=alert(1)>$`, "<math><mo>&lt;</mo></math><wbr><math><mrow><mi>i</mi><mi>m</mi><mi>g</mi><mi>s</mi><mi>r</mi><mi>c</mi><mo>=</mo></mrow></math><wbr><math><mrow><mi>x</mi><mi>o</mi><mi>n</mi><mi>e</mi><mi>r</mi><mi>r</mi><mi>o</mi><mi>r</mi><mo>=</mo></mrow></math><wbr><math><mrow><mi>a</mi><mi>l</mi><mi>e</mi><mi>r</mi><mi>t</mi><mo>(</mo><mn>1</mn><mo>)</mo><mo>&gt;</mo></mrow></math>"},
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
		// No markup from the input survives: every tag is one the renderer
		// writes, and a link only ever goes to an http or https address.
		lower := strings.ToLower(out)
		for _, bad := range []string{"<script", "<img", "<iframe", "<svg", "<style"} {
			if strings.Contains(lower, bad) {
				t.Fatalf("HTML(%q) = %q holds %s", s, out, bad)
			}
		}
		for rest := lower; ; {
			_, after, found := strings.Cut(rest, "<a ")
			if !found {
				break
			}
			if !strings.HasPrefix(after, `href="http://`) && !strings.HasPrefix(after, `href="https://`) {
				t.Fatalf("HTML(%q) = %q links elsewhere than http(s)", s, out)
			}
			rest = after
		}
		Text(s)
	})
}

// \href in math (38 papers) is a link beside the formula, since MathML has
// no portable link; only http and https addresses are linked.
func TestTexHrefInMathIsALink(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"2504.13834", "Code, data and demo:\n$\\href{https://github.com/JHU-CLSP/science-hierarchography}{https://github.com/JHU-CLSP/science-hierarchography}$",
			"Code, data and demo:\n<a href=\"https://github.com/JHU-CLSP/science-hierarchography\" rel=\"nofollow noopener\">https://github.com/JHU-CLSP/science-hierarchography</a>"},
		{"math around", `$x=\href{https://a.example/p?q=1&r=2}{the site}$`,
			`<math><mrow><mi>x</mi><mo>=</mo></mrow></math><a href="https://a.example/p?q=1&amp;r=2" rel="nofollow noopener">the site</a>`},
		{"javascript", `$\href{javascript:alert(1)}{click}$`, "click"},
		{"text mode", `see \href{http://x.example}{\emph{here}}`, `see <a href="http://x.example" rel="nofollow noopener"><em>here</em></a>`},
		{"url", `at \url{https://x.example/a_b}`, `at <a href="https://x.example/a_b" rel="nofollow noopener">https://x.example/a_b</a>`},
		{"nested", `\href{https://a.example}{\href{https://b.example}{b}}`, `<a href="https://a.example" rel="nofollow noopener">b</a>`},
	} {
		if got := string(HTML(tc.in)); got != tc.want {
			t.Errorf("%s: HTML(%q)\n got %s\nwant %s", tc.name, tc.in, got, tc.want)
		}
	}
	if got := string(HTMLWithoutLinks(`$\href{https://a.example}{A}$`)); got != "A" {
		t.Errorf("HTMLWithoutLinks = %q, want the text alone", got)
	}
	if got := Text(`$\href{https://a.example}{A}$ b`); got != "A b" {
		t.Errorf("Text = %q, want the text alone", got)
	}
}

// Long inline math is cut after relations and binary operators, as TeX
// breaks it, so that the line can wrap: 2602.18255 made a phone's page
// 1,077 px wide.
func TestTexLongInlineMathBreaks(t *testing.T) {
	in := `ring $( \mathbb F_{16}+ v\mathbb F_{16} + v^2\mathbb F_{16} + v^3\mathbb F_{16}) + u(\mathbb F_{16} + v\mathbb F_{16})$ where`
	out := string(HTML(in))
	if n := strings.Count(out, "<wbr>"); n < 5 {
		t.Errorf("long formula broken in %d places, want at least 5: %s", n, out)
	}
	if strings.Contains(out, `class="wide"`) {
		t.Errorf("a piece is still too wide: %s", out)
	}
	if short := string(HTML(`$x+y=z$`)); short != "<math><mrow><mi>x</mi><mo>+</mo><mi>y</mi><mo>=</mo><mi>z</mi></mrow></math>" {
		t.Errorf("short formula cut: %s", short)
	}
	// What cannot be cut scrolls in its own box.
	if wide := string(HTML(`$\frac{aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}{b}$`)); !strings.HasPrefix(wide, `<math class="wide">`) {
		t.Errorf("wide fraction not marked: %s", wide)
	}
}

func TestTexDeepNestingIsBounded(t *testing.T) {
	s := "$" + strings.Repeat("{", 100000) + "x$"
	if out := HTML(s); !strings.Contains(string(out), "<math") {
		t.Fatalf("deep nesting: %.200s", out)
	}
}

// TestTextRealTitles checks the plain text of titles and abstract fragments
// from the arXiv data (ids in the comments).
func TestTextRealTitles(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"mathtt", `Di$\mathtt{[M]}$O: Distilling Masked Diffusion Models into One-step Generator`, // 2503.15457
			"Di[M]O: Distilling Masked Diffusion Models into One-step Generator"},
		{"mathtt function", `activation $\mathtt{ReCU}(x)=\max\{0,x\}^3$`, "activation ReCU(x) = max{0,x}³"},                             // 2504.19779
		{"mathbf texttt", `via $\mathbf{\texttt{D}}$ual-$\mathbf{\texttt{H}}$ead`, "via 𝐃ual-𝐇ead"},                                      // 2505.07675
		{"mathbf superscript", `H$^{\mathbf{3}}$DP: Triply-Hierarchical Diffusion Policy`, "H³DP: Triply-Hierarchical Diffusion Policy"}, // 2505.07819
		{"mathrm", `Galois Rings $\mathrm{GR}(p^{n}, \ell)$: Minimality`, "Galois Rings GR(pⁿ,ℓ): Minimality"},                           // 2603.26614
		{"textbf in math", `$\textbf{Re}^{2}$: Unlocking LLM Reasoning`, "Re²: Unlocking LLM Reasoning"},                                 // 2603.07197
		{"text superscript", `A$^\text{T}$A: Adaptive Transformation Agent`, "AᵀA: Adaptive Transformation Agent"},                       // 2504.01603
		{"text", `$\text{R}^2\text{ec}$: Towards Large Recommender Models`, "R²ec: Towards Large Recommender Models"},                    // 2505.16994
		{"subscripts", `$\textrm{ODE}_t \left(\textrm{ODE}_l \right)$: Shortcutting`, "ODEₜ(ODEₗ): Shortcutting"},                        // 2506.21714
		{"ell", `PHyCLIP: $\ell_1$-Product of Hyperbolic Factors`, "PHyCLIP: ℓ₁-Product of Hyperbolic Factors"},                          // 2510.08919
		{"textsc", `\textsc{SimInstruct}: A Responsible Tool`, "SimInstruct: A Responsible Tool"},                                        // 2508.04428
		{"textbf", `we propose \textbf{Personalize Anything}, a training-free`, "we propose Personalize Anything, a training-free"},      // 2503.12590
		{"emph", `natures, \emph{i.e.}, hyperspectral`, "natures, i.e., hyperspectral"},                                                  // 2503.13814
		{"emph macro", `natures, \emph{\ie}, (1) feature`, "natures, i.e., (1) feature"},                                                 // 2503.12840
		{"greek", `PixArt-$\alpha$, PixArt-$\Sigma$ and $\lambda$`, "PixArt-α, PixArt-Σ and λ"},                                          // 2503.15465
		{"href", `available at \href{https://github.com/zengkaiya/CaT}{our repository}.`, "available at our repository."},                // 2503.12999
		{"href in math", `at $\href{https://github.com/x/y}{\text{github}}$.`, "at github."},
		{"accents", `B\'ezier Gaussian, Fr\'echet, G\"{o}del, Erd\H{o}s`, "Bézier Gaussian, Fréchet, Gödel, Erdős"},                              // 2503.13961, 2503.14513
		{"braced accents", `the mus{\'e}e d'Arch{\'e}ologie`, "the musée d'Archéologie"},                                                         // 2506.04925
		{"escapes", `by margins of 20.43\%, 21.01\% \& SSL\_Cervical\_Segmentation`, "by margins of 20.43%, 21.01% & SSL_Cervical_Segmentation"}, // 2503.11750, 2503.17057
		{"amp", `User Experience \& Acceptability`, "User Experience & Acceptability"},                                                           // 2508.05358
		{"unbalanced braces", `a {b} c} {d`, "a b c d"},
		{"escaped dollars", `costs between \$48-\$74 per persuaded user`, "costs between $48-$74 per persuaded user"},          // 2505.00036
		{"prices", `a price around $250, and an average of $306). Each`, "a price around $250, and an average of $306). Each"}, // 2505.13511
		{"prices in pairs", `costs $5 and $10 a month`, "costs $5 and $10 a month"},
		{"math before a number", `frame rate of $\leqslant$2 fps`, "frame rate of ⩽2 fps"}, // 2503.13956
		{"function names", `in $O(n \log n)$ time, $\max_i x_i$ and A$\mathrm{ReLU}$`, "in O(n log n) time, maxᵢ xᵢ and AReLU"},
		{"unicode", `Biofouling$\unicode{x2013}$communities`, "Biofouling–communities"}, // 2503.12875
		{"textsuperscript", `(FA\textsuperscript{3}-CLIP)`, "(FA3-CLIP)"},               // 2504.00454
		{"textcolor", `code \textcolor{blue}{here}.`, "code here."},
		{"underline", `the $\underline{Ko}rean \underline{G}rammar$`, "the KoreanGrammar"}, // 2506.01237
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Text(tc.in); got != tc.want {
				t.Errorf("Text(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestSpellGreek(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"PixArt-α, PixArt-Σ and λ", "PixArt-alpha, PixArt-sigma and lambda"},
		{"ϵ-greedy and ε-greedy", "epsilon-greedy and epsilon-greedy"},
		{"αβ-CROWN", "alpha beta-CROWN"},
		{"Tα2", "T alpha 2"},
		{"no Greek here", "no Greek here"},
		{"ℓ₁ stays", "ℓ₁ stays"},
	} {
		if got := SpellGreek(c.in); got != c.want {
			t.Errorf("SpellGreek(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
