package lambdahost_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/microshop/microshop/local/lambdahost"
)

// schedBatch is SCHED_BATCH's number in /proc/<pid>/task/<tid>/stat.
const schedBatch = 3

// TestBackgroundFunctionsRunInTheBatchClass: every thread of a background function's process
// is in SCHED_BATCH, every thread of another function's process and of this process (the one
// that forked the child switched back) in SCHED_NORMAL.
func TestBackgroundFunctionsRunInTheBatchClass(t *testing.T) {
	bg, fg := spec("bg", "echo"), spec("fg", "echo")
	bg.Background = true
	m, _ := newManager(t, lambdahost.ManagerOptions{}, bg, fg)
	for name, want := range map[string]int{"bg": schedBatch, "fg": 0} {
		succeed(t, m, name, `{}`)
		pids := stats(t, m, name).PIDs
		if len(pids) != 1 {
			t.Fatalf("%s runs %d processes, want 1", name, len(pids))
		}
		for tid, policy := range threadPolicies(t, pids[0]) {
			if policy != want {
				t.Errorf("%s: thread %s of process %d has policy %d, want %d", name, tid, pids[0], policy, want)
			}
		}
	}
	for tid, policy := range threadPolicies(t, os.Getpid()) {
		if policy != 0 {
			t.Errorf("thread %s of the test process has policy %d, want 0 (SCHED_NORMAL)", tid, policy)
		}
	}
}

// threadPolicies reads the scheduling policy of each thread of process pid, by thread id.
func threadPolicies(t *testing.T, pid int) map[string]int {
	t.Helper()
	dir := filepath.Join("/proc", strconv.Itoa(pid), "task")
	tids, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, tid := range tids {
		stat, err := os.ReadFile(filepath.Join(dir, tid.Name(), "stat"))
		if err != nil {
			continue // the thread ended
		}
		// The fields after the command (which may hold spaces) start at field 3, the
		// state; the policy is field 41.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		policy, err := strconv.Atoi(fields[41-3])
		if err != nil {
			t.Fatalf("%s/%s/stat: %v", dir, tid.Name(), err)
		}
		out[tid.Name()] = policy
	}
	if len(out) == 0 {
		t.Fatalf("process %d has no threads to read", pid)
	}
	return out
}
