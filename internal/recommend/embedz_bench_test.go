package recommend

import "testing"

// BenchmarkScoreWindowEmbedding is BenchmarkScoreWindow for the default
// model with the embedding's kernel (EmbedZ 0.25) and without it, in
// turn, so the embedding's cost (a 256-dimension dot product and a kernel
// for every candidate and library paper) is measured beside what it adds
// to.
func BenchmarkScoreWindowEmbedding(b *testing.B) {
	for _, tc := range []struct {
		name string
		z    float64
	}{{"embedZ-0.25", 0.25}, {"default", 0}} {
		b.Run(tc.name, func(b *testing.B) {
			o := DefaultOptions()
			o.EmbedZ = tc.z
			f := benchFeatures(b, o)
			m, err := f.Train(f.ids[:20])
			if err != nil {
				b.Fatal(err)
			}
			benchScoreWindow(b, f, m)
		})
	}
}
