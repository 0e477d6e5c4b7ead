package lambdahost

import (
	"bytes"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
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

// startCmd starts cmd, in the SCHED_BATCH scheduling class when background (see
// FunctionSpec.Background). A child takes the class of the thread that forks it, and every
// thread it makes inherits it: the starting thread switches to the class for the fork and
// back at once, locked so no other goroutine runs there meanwhile, and never left locked
// (its exit would fire the child's Pdeathsig). A kernel refusing the class only costs the
// preference: the process starts as any other.
func startCmd(cmd *exec.Cmd, background bool) error {
	if !background {
		return cmd.Start()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := setSchedPolicy(unix.SCHED_BATCH); err != nil {
		return cmd.Start()
	}
	defer func() { _ = setSchedPolicy(unix.SCHED_NORMAL) }()
	return cmd.Start()
}

// setSchedPolicy sets the calling thread's scheduling policy, at nice 0.
func setSchedPolicy(policy uint32) error {
	return unix.SchedSetAttr(0, &unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: policy}, 0)
}
