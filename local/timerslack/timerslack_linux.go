package timerslack

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// reexecMarker is in the environment of the image Ensure executes, and only there: that image
// removes it and never executes again, whatever slack it finds (a kernel that does not keep
// it, or a real-time thread, whose slack Linux reads as 0).
const reexecMarker = "_DEVCLOUD_TIMER_SLACK_REEXEC"

func current() (time.Duration, error) {
	r, _, errno := unix.Syscall6(unix.SYS_PRCTL, unix.PR_GET_TIMERSLACK, 0, 0, 0, 0, 0)
	if errno != 0 {
		return 0, fmt.Errorf("timer slack: prctl(PR_GET_TIMERSLACK): %w", errno)
	}
	return time.Duration(r), nil
}

func ensure(want time.Duration) error {
	// The slack is the calling thread's, and execve hands the new image the slack of the
	// thread that calls it: both on one thread. (The first statement of main runs on the main
	// thread, so a parent-death signal set on it survives too.)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	had, err := current()
	if err != nil {
		return err
	}
	if _, again := os.LookupEnv(reexecMarker); again {
		_ = os.Unsetenv(reexecMarker)
		if had < want {
			return fmt.Errorf("timer slack: re-executed for a %v slack, got %v", want, had)
		}
		return nil
	}
	if had >= want || traced() {
		return nil // already coarse enough; or under a debugger, which an exec would lose
	}
	if err := unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(want), 0, 0, 0); err != nil {
		return fmt.Errorf("timer slack: prctl(PR_SET_TIMERSLACK, %v): %w", want, err)
	}
	if got, err := current(); err != nil || got != want {
		_ = unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(had), 0, 0, 0)
		return fmt.Errorf("timer slack: the kernel kept %v, not %v (a real-time thread has none)", got, want)
	}
	// /proc/self/exe is the running file even if its path was since replaced or removed.
	err = syscall.Exec("/proc/self/exe", os.Args, append(os.Environ(), reexecMarker+"=1"))
	// Still here: carry on as before, on the slack the process had.
	_ = unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(had), 0, 0, 0)
	return fmt.Errorf("timer slack: re-execute with a %v slack: %w", want, err)
}

// traced reports whether a debugger (ptrace) is attached.
func traced() bool {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false
	}
	_, rest, ok := bytes.Cut(b, []byte("\nTracerPid:"))
	if !ok {
		return false
	}
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	pid := bytes.TrimSpace(line)
	return len(pid) > 0 && !bytes.Equal(pid, []byte("0"))
}
