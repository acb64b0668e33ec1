package cli

import (
	"runtime/debug"
	"testing"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"3GiB": 3 << 30, "512MiB": 512 << 20, "6GB": 6e9, "1.5GiB": 3 << 29, "1000": 1000} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "lots", "-1GiB", "3TiB"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) accepted", bad)
		}
	}
}

func TestMemoryLimitIsSetWithoutGOMEMLIMIT(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	got, err := setMemoryLimit("")
	if err != nil || got <= 0 || got > defaultMemoryCap {
		t.Fatalf("default limit %d, %v; want 0 < limit <= %d", got, err, int64(defaultMemoryCap))
	}
	if debug.SetMemoryLimit(-1) != got {
		t.Errorf("runtime limit not set to %d", got)
	}
	if got, _ := setMemoryLimit("2GiB"); got != 2<<30 || debug.SetMemoryLimit(-1) != 2<<30 {
		t.Errorf("--memory-limit 2GiB set %d", got)
	}
	if _, err := setMemoryLimit("much"); err == nil {
		t.Error("a bad --memory-limit was accepted")
	}
	t.Setenv("GOMEMLIMIT", "1GiB")
	if got, _ := setMemoryLimit("2GiB"); got != 0 {
		t.Errorf("with GOMEMLIMIT set, setMemoryLimit set %d", got)
	}
}
