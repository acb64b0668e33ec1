package mapfile

func noop() {}

// Release runs a release function returned by Map; it is the cleanup
// callers register (runtime.AddCleanup) on what they decode from a mapping.
func Release(release func()) { release() }
