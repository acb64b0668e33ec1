package citation

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/store"

	"github.com/paperboy-dev/paperboy/internal/tex"
)

// bibTitles are real arXiv titles with the characters that broke the
// BibTeX (or LaTeX after it), and what their title field must be.
var bibTitles = []struct{ id, title, want string }{
	{"2505.24864", "ProRL: Prolonged Reinforcement Learning Expands Reasoning Boundaries in Large Language Models",
		"{ProRL}: {P}rolonged {R}einforcement {L}earning {E}xpands {R}easoning {B}oundaries in {L}arge {L}anguage {M}odels"},
	{"2503.16883", "Assessing the Reliability and Validity of GPT-4 in Annotating Emotion Appraisal Ratings",
		"Assessing the {R}eliability and {V}alidity of {GPT}-4 in {A}nnotating {E}motion {A}ppraisal {R}atings"},
	{"2503.12141", "Enhanced Sentiment Analysis of Iranian Restaurant Reviews Utilizing Sentiment Intensity Analyzer & Fuzzy Logic",
		`Enhanced {S}entiment {A}nalysis of {I}ranian {R}estaurant {R}eviews {U}tilizing {S}entiment {I}ntensity {A}nalyzer \& {F}uzzy {L}ogic`},
	{"2508.05358", `Evaluation of a Sign Language Avatar on Comprehensibility, User Experience \& Acceptability`,
		`Evaluation of a {S}ign {L}anguage {A}vatar on {C}omprehensibility, {U}ser {E}xperience \& {A}cceptability`},
	{"2504.17343", "TimeChat-Online: 80% Visual Tokens are Naturally Redundant in Streaming Videos",
		`{TimeChat}-{O}nline: 80\% {V}isual {T}okens are {N}aturally {R}edundant in {S}treaming {V}ideos`},
	{"2506.18185", "CareLab at #SMM4H-HeaRD 2025: Insomnia Detection and Food Safety Event Extraction with Domain-Aware Transformers",
		`{CareLab} at \#{SMM4H}-{HeaRD} 2025: {I}nsomnia {D}etection and {F}ood {S}afety {E}vent {E}xtraction with {D}omain-{A}ware {T}ransformers`},
	{"2503.20279", "sudo rm -rf agentic_security", `sudo rm -rf agentic\_security`},
	{"2503.23447", "CA^2ST: Cross-Attention in Audio, Space, and Time for Holistic Video Recognition",
		`{CA}\^{}{2ST}: {C}ross-{A}ttention in {A}udio, {S}pace, and {T}ime for {H}olistic {V}ideo {R}ecognition`},
	{"2507.16116", "PUSA V1.0: Surpassing Wan-I2V with $500 Training Cost by Vectorized Timestep Adaptation",
		`{PUSA} {V1}.0: {S}urpassing {W}an-{I2V} with \$500 {T}raining {C}ost by {V}ectorized {T}imestep {A}daptation`},
	{"2508.17202", `Active Domain Knowledge Acquisition with \$100 Budget`, `Active {D}omain {K}nowledge {A}cquisition with \$100 {B}udget`},
	{"2508.07932", `\(X\)-evolve: Solution space evolution powered by large language models`,
		`{\(X\)}-evolve: {S}olution space evolution powered by large language models`},
	{"2506.22637", "CaO$_2$: Rectifying Inconsistencies in Diffusion-Based Dataset Distillation",
		`{CaO}{$_2$}: {R}ectifying {I}nconsistencies in {D}iffusion-{B}ased {D}ataset {D}istillation`},
	{"2506.21714", `$\textrm{ODE}_t \left(\textrm{ODE}_l \right)$: Shortcutting the Time`,
		`{$\textrm{ODE}_t \left(\textrm{ODE}_l \right)$}: {S}hortcutting the {T}ime`},
	{"2605.20490", `\ECUAS{n}: A family of metrics`, `\textbackslash{}{ECUAS}{n}: {A} family of metrics`},
	{"2512.17296", `Anomaly Location for High-Resolution PCBA \\ via Self-Supervised Image Reconstruction`,
		`Anomaly {L}ocation for {H}igh-{R}esolution {PCBA}   via {S}elf-{S}upervised {I}mage {R}econstruction`},
	{"2508.04428", `\textsc{SimInstruct}: A Responsible Tool`, `\textsc{SimInstruct}: {A} {R}esponsible {T}ool`},
	{"2510.19555", "[De|Re]constructing VLMs' Reasoning in Counting", `[De\textbar{}{R}e]constructing {VLMs}' {R}easoning in {C}ounting`},
	{"2504.07128", "DeepSeek-R1 Thoughtology: Let's <think> about LLM Reasoning",
		`{DeepSeek}-{R1} {T}houghtology: {L}et's \textless{}think\textgreater{} about {LLM} {R}easoning`},
	{"2503.13441", "Humanoid Policy ~ Human Policy", `Humanoid {P}olicy \textasciitilde{} {H}uman {P}olicy`},
	{"2503.13961", "BG-Triangle: Bézier Gaussian Triangle", `{BG}-{T}riangle: {B}ézier {G}aussian {T}riangle`},
	{"2505.23392", `Towards Automated DESIGN-R\textsuperscript{\textregistered} Assessment`,
		`Towards {A}utomated {DESIGN}-{R}\textsuperscript{\textregistered} {A}ssessment`},
	{"2504.19161", `Transformer with 1\textpertenthousand Spatial Sampling`, `Transformer with 1\textpertenthousand {S}patial {S}ampling`},
	{"2506.00001", `Scaling $\mathcal{O}(n)$ attention with \emph{na\"ive} kernels`, `Scaling {$\mathcal{O}(n)$} attention with \emph{na\"ive} kernels`},
	// hostile or broken input
	{"x1", `Unbalanced {brace and $math \{ x`, `Unbalanced {brace and \$math \textbraceleft{} x}`},
	{"x2", `Closing } too many and $50% {off}$ \`, `Closing \textbraceright{} too many and {$50\% {off}$} \textbackslash{}`},
	{"x3", `Set $\{x\}$ and Erd\H{o}s`, `Set {$\lbrace x\rbrace $} and {E}rd{\H{o}}s`},
	{"x4", "a title}\n@misc{evil,", `a title\textbraceright{} @misc{evil,}`},
}

func TestBibTeXTitles(t *testing.T) {
	for _, tc := range bibTitles {
		got := bibText(tc.title, true)
		if got != tc.want {
			t.Errorf("%s: %q\n got %s\nwant %s", tc.id, tc.title, got, tc.want)
		}
		if err := checkBibValue(got); err != "" {
			t.Errorf("%s: %s in %s", tc.id, err, got)
		}
	}
	// Names: accents braced whole, as BibTeX's special characters.
	for in, want := range map[string]string{
		`Tolúl\d{o}pé Ògúnrèmí`: `Ògúnrèmí, Tolúl{\d{o}}pé`,
		`Kurt G\"odel`:          `G{\"o}del, Kurt`,
		`Nguy\~ên Tony`:         `Tony, Nguy{\~}ên`,
		`Jane Doe & Co_1`:       `Co\_1, Jane Doe \&`,
		"and Shadab Khan":       "Khan, {and} Shadab",
	} {
		if got := bibAuthor(in); got != want {
			t.Errorf("author %q: %s, want %s", in, got, want)
		}
	}
}

// checkBibValue checks a field value by BibTeX's rules and LaTeX's: every
// brace (escaped or not, BibTeX counts both) balanced; outside math no
// bare & % # _ ^ ~ nor a command that is not LaTeX's; math closed and
// without & % #. It returns what is wrong, or "".
func checkBibValue(v string) string {
	depth := 0
	for _, c := range v {
		switch c {
		case '{':
			depth++
		case '}':
			if depth--; depth < 0 {
				return "a closing brace without its opening one"
			}
		}
	}
	if depth != 0 {
		return "unclosed braces"
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			if i+1 >= len(v) {
				return "a trailing backslash"
			}
			if v[i+1] == '(' {
				end := strings.Index(v[i:], `\)`)
				if end < 0 {
					return `unclosed \(`
				}
				if strings.ContainsAny(strings.NewReplacer(`\&`, "", `\%`, "", `\#`, "").Replace(v[i+2:i+end]), "&%#") {
					return "a bare & % or # in math"
				}
				i += end + 1
				continue
			}
			j := i + 1
			for j < len(v) && isASCIILetter(v[j]) {
				j++
			}
			if name := v[i+1 : j]; name != "" && !latexTextCommands[name] {
				return `a command LaTeX does not know: \` + name
			}
			if j == i+1 {
				j++
			}
			i = j - 1
		case '$':
			end := tex.MathEnd(v, i+1, "$")
			if end < 0 {
				return "an unclosed $"
			}
			if strings.ContainsAny(strings.NewReplacer(`\&`, "", `\%`, "", `\#`, "").Replace(v[i+1:end]), "&%#") {
				return "a bare & % or # in math"
			}
			i = end
		case '&', '%', '#', '_', '^', '~':
			return "a bare " + string(c)
		}
	}
	return ""
}

// TestBibTeXWithPlainBst runs the real bibtex with plain.bst on the
// entries, when both are installed (apt-get install texlive-binaries
// texlive-base): no error, no warning, and the braced words keep their
// capitals in the formatted references.
func TestBibTeXWithPlainBst(t *testing.T) {
	bibtex, err := exec.LookPath("bibtex")
	if err != nil {
		t.Skip("no bibtex (apt-get install texlive-binaries texlive-base)")
	}
	dir := t.TempDir()
	var bib, aux strings.Builder
	for i, tc := range bibTitles {
		p := store.Paper{ID: tc.id, Title: tc.title, Authors: []string{"Ada Lovelace", `Kurt G\"odel`, "Tolúlọpé Ògúnrèmí"},
			Categories: []string{"cs.LG"}, FirstVersionAt: time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)}
		if i == 0 {
			p.DOI = "10.1000/a_b%c"
		}
		entry := BibTeX(&p)
		// Keys repeat across the hostile titles; the test's own are unique.
		entry = strings.Replace(entry, "@misc{"+bibKey(&p, "2025"), "@misc{k"+tc.id, 1)
		bib.WriteString(entry + "\n\n")
	}
	aux.WriteString("\\citation{*}\n\\bibstyle{plain}\n\\bibdata{refs}\n")
	os.WriteFile(filepath.Join(dir, "refs.bib"), []byte(bib.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "doc.aux"), []byte(aux.String()), 0o644)
	cmd := exec.Command(bibtex, "doc")
	cmd.Dir = dir
	// Found in the directory when plain.bst is not installed where
	// kpathsea looks.
	cmd.Env = append(os.Environ(), "BIBINPUTS=.:", "BSTINPUTS=.:")
	out, err := cmd.CombinedOutput()
	if strings.Contains(string(out), "couldn't open style file") {
		t.Skip("bibtex has no plain.bst (apt-get install texlive-base)")
	}
	if err != nil || strings.Contains(string(out), "Warning") || strings.Contains(string(out), "error") {
		t.Fatalf("bibtex: %v\n%s\n%s", err, out, bib.String())
	}
	bbl, err := os.ReadFile(filepath.Join(dir, "doc.bbl"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(bbl)), " ") // bibtex wraps lines
	for _, want := range []string{"{ProRL}: {P}rolonged", "{GPT}-4", `{A}nalyzer \& {F}uzzy`, `80\% {V}isual`, `\#{SMM4H}`,
		`agentic\_security`, `{$_2$}`, "{B}ézier", `G{\"o}del`} {
		if !strings.Contains(text, want) {
			t.Errorf("the formatted references lack %s:\n%s", want, bbl)
		}
	}
	if strings.Contains(text, "Prorl") {
		t.Error("plain.bst lowered ProRL")
	}
	// Each formatted reference is still valid LaTeX text.
	for _, item := range strings.Split(text, `\bibitem`)[1:] {
		item = strings.TrimSuffix(strings.TrimSpace(item), `\end{thebibliography}`)
		item = item[strings.Index(item, "}")+1:] // the key
		item = strings.ReplaceAll(item, `\newblock`, "")
		if err := checkBibValue(item); err != "" {
			t.Errorf("%s in the formatted reference %s", err, item)
		}
	}
}

// TestBibTeXOfEveryTitle checks every title of a Kaggle arXiv file when
// PAPERBOY_KAGGLE_FILE names one (the real data is not in the repository).
func TestBibTeXOfEveryTitle(t *testing.T) {
	path := os.Getenv("PAPERBOY_KAGGLE_FILE")
	if path == "" {
		t.Skip("PAPERBOY_KAGGLE_FILE is not set")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<24)
	n := 0
	for sc.Scan() {
		var rec struct{ ID, Title, Authors string }
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		n++
		if err := checkBibValue(bibText(rec.Title, true)); err != "" {
			t.Errorf("%s: %s: %q -> %s", rec.ID, err, rec.Title, bibText(rec.Title, true))
		}
		for _, a := range strings.Split(rec.Authors, ", ") {
			if err := checkBibValue(bibAuthor(a)); err != "" {
				t.Errorf("%s: author %s: %q", rec.ID, err, a)
			}
		}
	}
	t.Logf("%d titles", n)
}
