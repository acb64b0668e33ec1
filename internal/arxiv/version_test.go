package arxiv

import "testing"

func TestParseVersion(t *testing.T) {
	for in, want := range map[string]int{"v1": 1, "v12": 12, " v3 ": 3, "2": 2} {
		if n, err := ParseVersion(in); err != nil || n != want {
			t.Errorf("ParseVersion(%q) = %d, %v; want %d", in, n, err, want)
		}
	}
	for _, in := range []string{"", "v", "v0", "v-1", "vx", "w2"} {
		if n, err := ParseVersion(in); err == nil {
			t.Errorf("ParseVersion(%q) = %d; want an error", in, n)
		}
	}
}
