package lexical

// generate writes n synthetic documents learnt from sample (synth.Generate
// with seed), for the scale figures. The synth package imports this one,
// so only the external test package can import it: synth_test.go sets
// this hook from there.
var generate func(seed int64, sample []Document, n int, emit func(Document) error) error

// SetGenerate sets generate.
func SetGenerate(fn func(seed int64, sample []Document, n int, emit func(Document) error) error) {
	generate = fn
}
