package load

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/microshop/microshop/local/timerslack"
)

// MachineCPU is how busy the machine's CPUs were over the recorded part of a run, from
// /proc/stat: the generator, the runtime, its function processes and anything else running.
// A load test whose machine is saturated measures queueing for the CPU, not the system under
// test, so the summary says it.
type MachineCPU struct {
	Cores int `json:"cores"`
	// Busy is the share of the cores' time spent running anything (user, nice, system, irq,
	// softirq), 0–1.
	Busy float64 `json:"busy"`
	// Steal is the share a hypervisor took from this virtual machine, 0–1.
	Steal float64 `json:"steal"`
	// MsPerRequest is the busy CPU time divided by the requests recorded, in milliseconds.
	MsPerRequest float64 `json:"cpuMsPerRequest"`
	// TimerSlackMs is the generator's Linux timer slack, which a runtime it started and that
	// runtime's functions share (local/timerslack): it changes the CPU a run takes.
	TimerSlackMs float64 `json:"timerSlackMs,omitempty"`
}

// cpuTimes is the first line of /proc/stat: each state's time, summed over every CPU, in
// clock ticks.
type cpuTimes struct {
	busy, idle, steal uint64
}

// readCPUTimes reads /proc/stat; ok is false where there is none (not Linux).
func readCPUTimes() (cpuTimes, bool) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return cpuTimes{}, false
	}
	defer f.Close()
	return parseCPUTimes(f)
}

// parseCPUTimes reads the "cpu" line: user nice system idle iowait irq softirq steal ...
func parseCPUTimes(r io.Reader) (cpuTimes, bool) {
	line, err := bufio.NewReader(r).ReadString('\n')
	f := strings.Fields(line)
	if (err != nil && line == "") || len(f) < 9 || f[0] != "cpu" {
		return cpuTimes{}, false
	}
	var v [8]uint64
	for i := range v {
		if v[i], err = strconv.ParseUint(f[i+1], 10, 64); err != nil {
			return cpuTimes{}, false
		}
	}
	return cpuTimes{busy: v[0] + v[1] + v[2] + v[5] + v[6], idle: v[3] + v[4], steal: v[7]}, true
}

// machineCPU is the use between two readings with requests recorded in between; nil when
// either reading failed or no time passed.
func machineCPU(from, to cpuTimes, okFrom, okTo bool, requests uint64) *MachineCPU {
	if !okFrom || !okTo || to.busy < from.busy || to.idle < from.idle || to.steal < from.steal {
		return nil
	}
	busy, idle, steal := to.busy-from.busy, to.idle-from.idle, to.steal-from.steal
	total := busy + idle + steal
	if total == 0 {
		return nil
	}
	c := &MachineCPU{Cores: runtime.NumCPU(), Busy: float64(busy) / float64(total), Steal: float64(steal) / float64(total)}
	if slack, err := timerslack.Current(); err == nil {
		c.TimerSlackMs = float64(slack) / float64(time.Millisecond)
	}
	if requests > 0 {
		// /proc/stat counts USER_HZ ticks, 100 a second on Linux whatever the kernel's HZ.
		c.MsPerRequest = float64(busy) * 10 / float64(requests)
	}
	return c
}

func (c *MachineCPU) String() string {
	s := fmt.Sprintf("machine: %d cores, %.0f%% busy over the recorded run", c.Cores, 100*c.Busy)
	if c.Steal >= 0.005 {
		s += fmt.Sprintf(", %.0f%% stolen by the hypervisor", 100*c.Steal)
	}
	if c.MsPerRequest > 0 {
		s += fmt.Sprintf(" (%.2f ms of CPU per request: generator, runtime and functions)", c.MsPerRequest)
	}
	if c.TimerSlackMs > 0 {
		s += fmt.Sprintf("; timer slack %g ms", c.TimerSlackMs)
	}
	if c.Busy >= 0.85 {
		s += "; saturated: latencies include waiting for a CPU"
	}
	return s
}
