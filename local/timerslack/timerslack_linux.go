package timerslack

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

func current() (time.Duration, error) {
	r, _, errno := unix.Syscall6(unix.SYS_PRCTL, unix.PR_GET_TIMERSLACK, 0, 0, 0, 0, 0)
	if errno != 0 {
		return 0, fmt.Errorf("timer slack: prctl(PR_GET_TIMERSLACK): %w", errno)
	}
	return time.Duration(r), nil
}

func ensure(want time.Duration) error {
	// The slack is the calling thread's, and execve hands the new image the slack of the
	// thread that calls it: both on one thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	had, err := current()
	if err != nil || had >= want {
		return err
	}
	if err := unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(want), 0, 0, 0); err != nil {
		return fmt.Errorf("timer slack: prctl(PR_SET_TIMERSLACK, %v): %w", want, err)
	}
	exe, err := os.Executable()
	if err == nil {
		err = syscall.Exec(exe, os.Args, os.Environ())
	}
	// Still here: carry on as before, on the slack the process had.
	_ = unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(had), 0, 0, 0)
	return fmt.Errorf("timer slack: re-execute %s with a %v slack: %w", exe, want, err)
}
