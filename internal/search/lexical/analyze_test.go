package lexical

import (
	"slices"
	"testing"
)

// textTerms returns the distinct terms the text analyser emits for s.
func textTerms(s string) []string {
	var out []string
	newAnalyzer().text(s, 0, func(term string, _ int, _ bool) {
		if !slices.Contains(out, term) {
			out = append(out, term)
		}
	})
	return out
}

func TestAnalyzerText(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string // must all be present
		notWant []string // must all be absent
	}{
		{"case folding and stemming", "Training Transformers", []string{"train", "transform"}, []string{"Training"}},
		{"stop words dropped", "the model of the world", []string{"model", "world"}, []string{"the", "of"}},
		{"hyphen emits parts and joined", "pre-training", []string{"pre", "train", "pretrain"}, nil},
		{"joined word matches hyphenated", "pretraining", []string{"pretrain"}, nil},
		{"spaced words give the parts", "pre training", []string{"pre", "train"}, nil},
		{"acronym", "LoRA adapters", []string{"lora", "adapt"}, nil},
		{"model name with digits", "GPT-4o", []string{"gpt", "4o", "gpt4o"}, nil},
		{"model name query form", "gpt4o", []string{"gpt4o"}, nil},
		{"dotted version", "Qwen2.5-VL", []string{"qwen2", "5", "vl", "qwen25vl"}, nil},
		{"dotted version alone", "Qwen2.5", []string{"qwen2", "5", "qwen25"}, nil},
		{"numbers kept", "trained on 175 billion tokens in 2025", []string{"175", "2025", "billion"}, nil},
		{"NFKC ligature", "ﬁne-tuning", []string{"fine", "tune", "finetun"}, nil},
		{"fullwidth digits", "ＧＰＴ４", []string{"gpt4"}, nil},
		{"diacritics folded", "Schrödinger équation", []string{"schroding", "equat"}, nil},
		{"latex emph", `\emph{robust} learning`, []string{"robust", "learn"}, []string{"emph"}},
		{"latex accent", `Erd\H{o}s and G\"odel and Poincar\'e`, []string{"erdo", "godel", "poincar"}, nil},
		{"latex ell norm", `$\ell_1$ regularisation`, []string{"l1"}, nil}, // tex.Text reads ℓ₁
		{"latex math symbols", `$O(n \log n)$ time`, []string{"o", "n", "log", "time"}, nil},
		{"latex textbf", `\textbf{BERT}`, []string{"bert"}, []string{"textbf"}},
		{"new arxiv id", "see 2401.12345 for details", []string{"2401.12345"}, []string{"2401", "12345"}},
		{"arxiv id with version", "arXiv:2401.12345v2", []string{"2401.12345"}, nil},
		{"old arxiv id", "hep-th/9901001", []string{"hep-th/9901001"}, nil},
		{"possessive", "Hinton's model", []string{"hinton", "model"}, []string{"s"}},
		{"sentence punctuation", "models. Results, (and) [more]!", []string{"model", "result"}, nil},
		{"underscore identifiers", "x_train", []string{"x", "train", "xtrain"}, nil},
		{"em dash separates", "models—fast", []string{"model", "fast"}, nil},
		{"state of the art", "state-of-the-art", []string{"state", "art", "stateoftheart"}, []string{"the"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := textTerms(tt.in)
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("text(%q) = %q, missing %q", tt.in, got, w)
				}
			}
			for _, w := range tt.notWant {
				if slices.Contains(got, w) {
					t.Errorf("text(%q) = %q, should not contain %q", tt.in, got, w)
				}
			}
		})
	}
}

func TestAnalyzerQueryAndDocumentAgree(t *testing.T) {
	// Each pair: text in a paper, what a user types. They must share a term.
	pairs := []struct{ doc, query string }{
		{"pre-training", "pretraining"},
		{"pretraining", "pre-training"},
		{"LoRA", "lora"},
		{"GPT-4o", "gpt-4o"},
		{"GPT-4o", "gpt4o"},
		{"Qwen2.5", "qwen2.5"},
		{"Qwen2.5", "Qwen2.5"},
		{`$\ell_1$`, "l1"},
		{`$\ell_1$`, "ell_1"},
		{"Schrödinger", "schrodinger"},
		{`Poincar\'e`, "Poincaré"},
		{"2401.12345", "2401.12345"},
	}
	for _, p := range pairs {
		t.Run(p.doc+"~"+p.query, func(t *testing.T) {
			d, q := textTerms(p.doc), textTerms(p.query)
			for _, x := range q {
				if slices.Contains(d, x) {
					return
				}
			}
			t.Errorf("document %q -> %q and query %q -> %q share no term", p.doc, d, p.query, q)
		})
	}
}

func TestPositionsForPhrases(t *testing.T) {
	type tp struct {
		term string
		pos  int
	}
	var got []tp
	newAnalyzer().text("learning to rank with pre-training", 0, func(term string, pos int, joined bool) {
		got = append(got, tp{term, pos})
	})
	want := []tp{{"learn", 0}, {"rank", 2}, {"pre", 4}, {"train", 5}, {"pretrain", 4}}
	if !slices.Equal(got, want) {
		t.Errorf("positions = %v, want %v", got, want)
	}
}

func TestAuthorTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Geoffrey Hinton", []string{"geoffrey", "hinton"}},
		{"José Ñúñez", []string{"jose", "nunez"}},
		{`Paul Erd\H{o}s`, []string{"paul", "erdos"}},
		{"Jean-Pierre Serre", []string{"jean", "pierre", "jeanpierre", "serre"}},
		{"Yoshua Bengio (Mila)", []string{"yoshua", "bengio", "mila"}},
		{"Lecun Jones", []string{"lecun", "jones"}}, // not stemmed
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := authorTokens(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("authorTokens(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCategoryTerms(t *testing.T) {
	if got, want := categoryTerms("cs.CL"), []string{"cat:cs.cl", "cat:cs"}; !slices.Equal(got, want) {
		t.Errorf("categoryTerms(cs.CL) = %q, want %q", got, want)
	}
	if got, want := categoryTerms("hep-th"), []string{"cat:hep-th"}; !slices.Equal(got, want) {
		t.Errorf("categoryTerms(hep-th) = %q, want %q", got, want)
	}
}
