package timerslack_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/microshop/microshop/local/timerslack"
)

// TestMain runs the child program of these tests when asked: it reports its slack, calls
// Ensure, and reports the slack of the new image's threads and of a process it starts.
func TestMain(m *testing.M) {
	if os.Getenv("TIMERSLACK_CHILD") == "1" {
		child()
		return
	}
	os.Exit(m.Run())
}

func child() {
	cur, _ := timerslack.Current()
	fmt.Printf("start pid=%d slack=%d args=%s\n", os.Getpid(), cur, strings.Join(os.Args[1:], " "))
	if err := timerslack.Ensure(); err != nil {
		fmt.Printf("error %v\n", err)
	}
	cur, _ = timerslack.Current()
	fmt.Printf("after pid=%d slack=%d\n", os.Getpid(), cur)
	out, err := exec.Command("cat", "/proc/self/timerslack_ns").Output()
	if err != nil {
		fmt.Printf("error cat: %v\n", err)
	}
	fmt.Printf("started slack=%s\n", strings.TrimSpace(string(out)))
	if env, _ := exec.Command("env").Output(); strings.Contains(string(env), "_DEVCLOUD_TIMER_SLACK_REEXEC") {
		fmt.Printf("env carries the re-execution marker\n")
	}
	// Another thread's slack is readable only with CAP_SYS_NICE (root, as in CI).
	tasks, _ := filepath.Glob("/proc/self/task/*")
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/" + filepath.Base(t) + "/timerslack_ns")
		if err != nil {
			fmt.Printf("thread %s unreadable: %v\n", filepath.Base(t), err)
			continue
		}
		fmt.Printf("thread %s slack=%s\n", filepath.Base(t), strings.TrimSpace(string(b)))
	}
}

// runChild runs this test binary as the child with env added; its report's lines.
func runChild(t *testing.T, env ...string) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "one", "two")
	cmd.Env = append(os.Environ(), append([]string{"TIMERSLACK_CHILD=1"}, env...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

func field(line, name string) string {
	for f := range strings.FieldsSeq(line) {
		if v, ok := strings.CutPrefix(f, name+"="); ok {
			return v
		}
	}
	return ""
}

func TestEnsureReexecutesWithTheSlack(t *testing.T) {
	// More than the child inherits from this process, so it has to re-execute.
	inherited, err := timerslack.Current()
	if err != nil {
		t.Fatal(err)
	}
	want := max(3*time.Millisecond, 2*inherited)
	lines := runChild(t, timerslack.EnvVar+"="+want.String())

	var starts, threads []string
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "start "):
			starts = append(starts, l)
		case strings.HasPrefix(l, "thread "):
			threads = append(threads, l)
		case strings.HasPrefix(l, "error"):
			t.Errorf("child: %s", l)
		case strings.HasPrefix(l, "env "):
			t.Errorf("the marker reached a process the new image started: %q", l)
		}
	}
	// The program ran from the start twice, in one process, with its arguments.
	if len(starts) != 2 {
		t.Fatalf("want the child to start twice (once re-executed), got %q", lines)
	}
	if field(starts[0], "pid") != field(starts[1], "pid") {
		t.Errorf("re-executed under another pid: %q", starts)
	}
	for _, s := range starts {
		if !strings.HasSuffix(s, "^$ one two") {
			t.Errorf("arguments lost: %q", s)
		}
	}
	if first, _ := strconv.Atoi(field(starts[0], "slack")); time.Duration(first) >= want {
		t.Fatalf("the child already had %dns, so re-executing proves nothing", first)
	}
	wantNS := strconv.Itoa(int(want))
	if got := field(starts[1], "slack"); got != wantNS {
		t.Errorf("the new image started with %s ns, want %s", got, wantNS)
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "after ") && field(l, "slack") != wantNS {
			t.Errorf("after Ensure: %q, want slack=%s", l, wantNS)
		}
		if strings.HasPrefix(l, "started ") && field(l, "slack") != wantNS {
			t.Errorf("a process the child started: %q, want slack=%s", l, wantNS)
		}
	}
	// Every thread, sysmon's included, inherited it (checked where the threads can be read:
	// another thread's slack needs CAP_SYS_NICE, which root has in CI).
	nice := hasCapSysNice(t)
	if nice && len(threads) < 2 {
		t.Errorf("with CAP_SYS_NICE every thread is readable; got %q", threads)
	}
	for _, l := range threads {
		if strings.Contains(l, "unreadable") {
			if nice {
				t.Errorf("with CAP_SYS_NICE: %s", l)
			}
			continue
		}
		if field(l, "slack") != wantNS {
			t.Errorf("%s, want slack=%s", l, wantNS)
		}
	}
}

// hasCapSysNice reports whether this process may read other threads' slack.
func hasCapSysNice(t *testing.T) bool {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "\nCapEff:")
	if !ok {
		t.Fatalf("no CapEff in /proc/self/status")
	}
	line, _, _ := strings.Cut(rest, "\n")
	caps, err := strconv.ParseUint(strings.TrimSpace(line), 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	const capSysNice = 23
	return caps&(1<<capSysNice) != 0
}

// The image Ensure executed never executes again, even if it did not get the slack (a kernel
// that drops it, a real-time thread): it says so and carries on.
func TestEnsureReexecutesOnce(t *testing.T) {
	inherited, err := timerslack.Current()
	if err != nil {
		t.Fatal(err)
	}
	want := max(3*time.Millisecond, 2*inherited)
	lines := runChild(t, timerslack.EnvVar+"="+want.String(), "_DEVCLOUD_TIMER_SLACK_REEXEC=1")
	joined := strings.Join(lines, "\n")
	if strings.Count(joined, "start ") != 1 || !strings.Contains(joined, "error timer slack: re-executed for a "+want.String()) {
		t.Fatalf("want one start and the error, got\n%s", joined)
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "started ") && field(l, "slack") != strconv.Itoa(int(inherited)) {
			t.Errorf("%q: want the inherited slack=%d", l, inherited)
		}
		if strings.HasPrefix(l, "env ") {
			t.Errorf("the marker reached a process the child started: %q", l)
		}
	}
}

func TestEnsureZeroKeepsTheInheritedSlack(t *testing.T) {
	lines := runChild(t, timerslack.EnvVar+"=0")
	var starts int
	var inherited string
	for _, l := range lines {
		if strings.HasPrefix(l, "start ") {
			starts++
			inherited = field(l, "slack")
		}
	}
	if starts != 1 {
		t.Fatalf("want no re-execution, got %q", lines)
	}
	for _, l := range lines {
		if (strings.HasPrefix(l, "after ") || strings.HasPrefix(l, "started ")) && field(l, "slack") != inherited {
			t.Errorf("%q: want the inherited slack=%s", l, inherited)
		}
	}
}

func TestEnsureRefusesABadValue(t *testing.T) {
	lines := runChild(t, timerslack.EnvVar+"=fast")
	joined := strings.Join(lines, "\n")
	if strings.Count(joined, "start ") != 1 || !strings.Contains(joined, "error "+timerslack.EnvVar+`="fast"`) {
		t.Fatalf("want one start and an error naming the variable, got\n%s", joined)
	}
}

func TestWant(t *testing.T) {
	for _, tt := range []struct {
		env  string
		set  bool
		want time.Duration
		bad  bool
	}{
		{set: false, want: timerslack.Default},
		{env: "", set: true, want: timerslack.Default},
		{env: "250us", set: true, want: 250 * time.Microsecond},
		{env: "0", set: true, want: 0},
		{env: "50ms", set: true, want: timerslack.Max},
		{env: "51ms", set: true, bad: true},
		{env: "1h", set: true, bad: true},
		{env: "-1ms", set: true, bad: true},
		{env: "soon", set: true, bad: true},
	} {
		if tt.set {
			t.Setenv(timerslack.EnvVar, tt.env)
		} else {
			t.Setenv(timerslack.EnvVar, "x") // registers the restore
			os.Unsetenv(timerslack.EnvVar)
		}
		got, err := timerslack.Want()
		if (err != nil) != tt.bad || got != tt.want {
			t.Errorf("%s=%q (set %v): got %v, %v; want %v, error %v", timerslack.EnvVar, tt.env, tt.set, got, err, tt.want, tt.bad)
		}
	}
}
