package lambdahost

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// sysProcAttr puts a function's process in its own process group, so it and anything it
// starts can be killed together, and has the kernel kill it if this process dies first.
// (Pdeathsig fires when the thread that started the child exits; Go only ends threads that
// a goroutine locked and left locked, which this package never does.)
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func killGroup(pid int, sig syscall.Signal) error { return syscall.Kill(-pid, sig) }

// peakMemoryMB is the process's peak resident set size (VmHWM), 0 if unknown.
func peakMemoryMB(pid int) int {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	_, rest, ok := bytes.Cut(b, []byte("VmHWM:"))
	if !ok {
		return 0
	}
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	kb, err := strconv.Atoi(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(line), []byte("kB")))))
	if err != nil {
		return 0
	}
	return (kb + 1023) / 1024
}
