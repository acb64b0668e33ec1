package lexical_test

import (
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/synth"
)

func init() {
	lexical.SetGenerate(func(seed int64, sample []lexical.Document, n int, emit func(lexical.Document) error) error {
		return synth.Generate(synth.Options{Seed: seed}, sample, n, emit)
	})
}
