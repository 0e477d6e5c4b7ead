package lambdahost_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/microshop/microshop/local/build"
	"github.com/microshop/microshop/local/internal/syncbuf"
	"github.com/microshop/microshop/local/lambdahost"
)

// fixtures are the test functions in testdata, built once for the whole package.
var fixtures = []string{"echo", "fail", "chaos", "sleep", "initfail", "env", "big"}

var binaries map[string]string

// parentOnly is set in this process's environment and must not reach a function.
const parentOnly = "MICROSHOP_LAMBDA_TEST_PARENT_ONLY"

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	os.Setenv(parentOnly, "leaked")
	dir, err := os.MkdirTemp("", "lambda-fixtures-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	pkgs := make([]string, len(fixtures))
	for i, f := range fixtures {
		pkgs[i] = "./testdata/" + f
	}
	bins, err := build.Build(context.Background(), build.Options{Root: ".", OutDir: dir, Packages: pkgs, Stderr: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	binaries = make(map[string]string, len(bins))
	for pkg, bin := range bins {
		binaries[strings.TrimPrefix(pkg, "./testdata/")] = bin
	}
	return m.Run()
}

// spec is a FunctionSpec running the named fixture.
func spec(name, fixture string) lambdahost.FunctionSpec {
	return lambdahost.FunctionSpec{Name: name, Binary: binaries[fixture]}
}

// newManager returns a Manager with specs registered, closed when the test ends.
func newManager(t testing.TB, opts lambdahost.ManagerOptions, specs ...lambdahost.FunctionSpec) (*lambdahost.Manager, *syncbuf.Buffer) {
	t.Helper()
	logs := &syncbuf.Buffer{}
	if opts.Logs == nil {
		opts.Logs = logs
	}
	m := lambdahost.NewManager(opts)
	t.Cleanup(func() { m.Close() })
	for _, s := range specs {
		if err := m.Register(s); err != nil {
			t.Fatal(err)
		}
	}
	return m, logs
}

// invoke runs one invocation that must not fail to run.
func invoke(t testing.TB, m *lambdahost.Manager, name, payload string) *lambdahost.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := m.Invoke(ctx, name, []byte(payload))
	if err != nil {
		t.Fatalf("Invoke(%s, %s): %v", name, payload, err)
	}
	return res
}

// succeed runs one invocation that must succeed and returns its payload.
func succeed(t testing.TB, m *lambdahost.Manager, name, payload string) []byte {
	t.Helper()
	res := invoke(t, m, name, payload)
	if res.Error != nil {
		t.Fatalf("Invoke(%s, %s) failed: %v\npayload: %s", name, payload, res.Error, res.Payload)
	}
	return res.Payload
}

func stats(t testing.TB, m *lambdahost.Manager, name string) lambdahost.Stats {
	t.Helper()
	s, ok := m.Stats(name)
	if !ok {
		t.Fatalf("Stats(%s): not registered", name)
	}
	return s
}

// alive reports whether pid is a process that has not exited (a zombie has).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name.
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || b[i+2] != 'Z'
}

// waitGone waits until none of pids is alive.
func waitGone(t testing.TB, pids ...int) {
	t.Helper()
	waitGoneWithin(t, 5*time.Second, pids...)
}

// waitGoneWithin waits until none of pids is alive, failing the test after within.
func waitGoneWithin(t testing.TB, within time.Duration, pids ...int) {
	t.Helper()
	deadline := time.Now().Add(within)
	for _, pid := range pids {
		for alive(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("process %d still alive after %v", pid, within)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

type pidResponse struct {
	PID      int `json:"pid"`
	ChildPID int `json:"childPid"`
}

func decode[T any](t testing.TB, payload []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(payload, &v); err != nil {
		t.Fatalf("decode %s: %v", payload, err)
	}
	return v
}
