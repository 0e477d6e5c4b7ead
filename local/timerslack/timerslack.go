// Package timerslack gives a long-running local process (devcloud serve, the load generator
// with its in-process runtime) and the function processes it starts a coarser Linux timer
// slack, the time by which the kernel may delay a sleeping thread's timer to wake it together
// with others.
//
// Linux's default slack is 50 µs. A busy Go process's sysmon thread sleeps 20 µs at a time
// while goroutines keep entering system calls, a scheduler thread about to steal a running
// P's next goroutine sleeps 3 µs first, and each of the runtime's timers (deadlines, tickers,
// the netpoller's waits) wakes a thread when it expires; on a two-core machine, with the
// runtime, ~60 function processes and a load generator all Go, those wakeups were a third of
// the CPU. With a slack of a few milliseconds the kernel lets each of them sleep on and wakes
// them together. The cost: a sleeping timer may fire up to that much late, and so may the
// scheduler's own chores (sysmon handing off a P stuck in a system call or preempting a long
// goroutine, a thread in that 3 µs sleep meanwhile keeping others from being woken), so a
// goroutine may wait a few milliseconds longer for a CPU now and then. Nothing local depends
// on finer timers (Lambda timeouts, queue visibility, delays and batching windows are whole
// seconds), a thread blocked on a socket or a lock still wakes when it is ready, and the
// latencies measured at low and high load did not suffer.
//
// The slack is a per-thread attribute, inherited by the threads and processes a thread creates
// and kept across execve, and Go starts sysmon before main runs, so Ensure sets it on one
// thread and re-executes the program from there: every thread of the new image, and every
// function process it forks, starts with it. docs/decisions.md, "Timer slack", has the figures.
package timerslack

import (
	"fmt"
	"os"
	"time"
)

// Default is the slack Ensure gives a process when EnvVar does not say otherwise.
const Default = 4 * time.Millisecond

// EnvVar overrides Default with a Go duration up to Max ("1ms", "10ms"); "0" keeps the slack
// the process inherited (and so does any platform but Linux). Ensure only ever raises the
// slack: a value at or below the inherited one leaves it.
const EnvVar = "DEVCLOUD_TIMER_SLACK"

// Max bounds EnvVar: past it timers would be late by more than a local run can ignore.
const Max = 50 * time.Millisecond

// Want is the slack EnvVar asks for, Default when it is unset.
func Want() (time.Duration, error) {
	v, ok := os.LookupEnv(EnvVar)
	if !ok || v == "" {
		return Default, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || d > Max {
		return 0, fmt.Errorf("%s=%q: want a duration up to %v such as 1ms, or 0 to keep the inherited slack", EnvVar, v, Max)
	}
	return d, nil
}

// Ensure makes the process run with the timer slack Want gives. When the calling thread's
// slack is already at least that, or the wanted slack is 0, or a debugger is attached (an exec
// would lose it), or off Linux, it returns nil and does nothing. Otherwise it sets the slack
// and re-executes the program in place (same PID, executable, arguments and environment) and
// does not return. It re-executes at most once: it returns an error when the kernel does not
// take the slack (a real-time thread has none), when the exec fails, or when the new image
// did not keep it, and the process then carries on with the slack it had. Call it first in
// main, before anything that must not run twice.
func Ensure() error {
	want, err := Want()
	if err != nil {
		return err
	}
	if want == 0 {
		return nil
	}
	return ensure(want)
}

// Current is the calling thread's timer slack (0 and nil off Linux).
func Current() (time.Duration, error) { return current() }
