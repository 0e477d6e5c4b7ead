//go:build unix && !linux

package lambdahost

import (
	"os/exec"
	"syscall"
)

// sysProcAttr puts a function's process in its own process group, so it and anything it
// starts can be killed together.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func killGroup(pid int, sig syscall.Signal) error { return syscall.Kill(-pid, sig) }

// peakMemoryMB is not measured outside Linux.
func peakMemoryMB(int) int { return 0 }

// startCmd starts cmd; background processes get no other treatment outside Linux.
func startCmd(cmd *exec.Cmd, _ bool) error { return cmd.Start() }
