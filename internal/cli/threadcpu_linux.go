package cli

import (
	"syscall"
	"time"
	"unsafe"
)

// threadCPU is the CPU time the calling OS thread has used (lock the
// goroutine to its thread around a measurement): what a call costs
// however loaded the machine, where the wall clock also counts the time
// the thread waited for a core. CLOCK_THREAD_CPUTIME_ID counts in
// nanoseconds (getrusage only in scheduler ticks).
func threadCPU() time.Duration {
	const clockThreadCPUTime = 3 // CLOCK_THREAD_CPUTIME_ID
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}
