package cli

import (
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// defaultMemoryCap is the largest soft heap limit set by default: with the
// index segments and vectors mapped from their files (the page cache, not
// the heap), a server of 3M papers lives well under it, and a full build
// or 'embed train' stays within about 6 GB of resident memory instead of
// growing to twice its live heap.
const defaultMemoryCap = 5 << 30

// setMemoryLimit sets the Go runtime's soft memory limit from --memory-limit
// (PAPERBOY_MEMORY_LIMIT), or by default to min(5 GiB, 3/4 of the memory
// of the machine or its container). GOMEMLIMIT, when set, is the
// operator's and wins. It returns the limit set, 0 when left alone.
func setMemoryLimit(flag string) (int64, error) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return 0, nil
	}
	var limit int64
	if flag != "" {
		n, err := parseSize(flag)
		if err != nil {
			return 0, fmt.Errorf("--memory-limit %q: %w", flag, err)
		}
		limit = n
	} else {
		limit = defaultMemoryCap
		if m := machineMemory(); m > 0 {
			limit = min(limit, m/4*3)
		}
	}
	if limit > 0 {
		debug.SetMemoryLimit(limit)
	}
	return limit, nil
}

// parseSize reads 3GiB, 512MiB, 6GB, 800MB or a number of bytes.
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("want a size such as 3GiB, 512MiB or 6GB")
	}
	return int64(f * float64(mult)), nil
}

// machineMemory is the memory of the container (cgroup v2 or v1 limit) or
// else of the machine, in bytes; 0 when unknown.
func machineMemory() int64 {
	var total int64
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				total = kb * 1024
			}
		}
	}
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		if b, err := os.ReadFile(p); err == nil {
			if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 && (total == 0 || n < total) {
				total = n
			}
		}
	}
	return total
}
