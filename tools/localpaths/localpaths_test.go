package localpaths

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/modroot"
	"github.com/microshop/microshop/local/template"
)

// Phrases of need.sh's messages, one per missing thing.
const (
	noDocker     = "Docker is not installed"
	dockerDown   = "Docker is installed but its engine is not running"
	noSAM        = "The AWS SAM CLI is not installed"
	noCDKLocal   = "cdklocal is not installed"
	noLocalStack = "The LocalStack CLI is not installed"
	notRunning   = "LocalStack is not running at http://127.0.0.1:1"
)

var allMessages = []string{noDocker, dockerDown, noSAM, noCDKLocal, noLocalStack, notRunning}

// fakeTools makes a directory to serve as the whole PATH, holding a stand-in for each of
// tools. Each stand-in exits with the status given; "docker" is the one that `docker info`
// runs, so a failing one is an engine that is not running.
func fakeTools(t *testing.T, tools map[string]int) string {
	t.Helper()
	dir := t.TempDir()
	for name, status := range tools {
		script := "#!/bin/sh\nexit " + string(rune('0'+status)) + "\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// runMake runs `make -s target` in the repository root with PATH set to path only, and
// returns its combined output and exit status.
func runMake(t *testing.T, path, target string, args ...string) (string, int) {
	t.Helper()
	makeBin, err := exec.LookPath("make")
	if err != nil {
		t.Fatalf("make is needed to test the make targets: %v", err)
	}
	root, err := modroot.FromWorkingDir()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(makeBin, append([]string{"-s", "--no-print-directory", target}, args...)...)
	cmd.Dir = root
	cmd.Env = []string{"PATH=" + path, "HOME=" + t.TempDir(), "LOCALSTACK_ENDPOINT=http://127.0.0.1:1"}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &exit):
		return out.String(), exit.ExitCode()
	default:
		t.Fatalf("make %s: %v", target, err)
		return "", 0
	}
}

// The targets stop before doing anything when a tool is missing, name each missing thing with
// how to get it, and fail (make exits 2 when a recipe fails). Each case lists every message it
// must print; the others must be absent, so a check that wrongly passes or wrongly fails shows.
func TestTargetsSayWhatIsMissing(t *testing.T) {
	tests := []struct {
		name   string
		target string
		args   []string
		tools  map[string]int
		want   []string
	}{
		{"sam-api, nothing installed", "sam-api", nil, nil, []string{noDocker, noSAM}},
		{"sam-api, engine stopped", "sam-api", nil, map[string]int{"docker": 1, "sam": 0}, []string{dockerDown}},
		{"sam-api, no sam", "sam-api", nil, map[string]int{"docker": 0}, []string{noSAM}},
		{"sam-invoke, nothing installed", "sam-invoke", []string{"FN=orders-place-order"}, nil, []string{noDocker, noSAM}},
		{"sam-invoke, no docker", "sam-invoke", nil, map[string]int{"sam": 0}, []string{noDocker}},
		{"localstack-deploy, nothing installed", "localstack-deploy", nil, map[string]int{"curl": 7},
			[]string{noDocker, noLocalStack, noCDKLocal, notRunning}},
		{"localstack-deploy, LocalStack stopped", "localstack-deploy", nil,
			map[string]int{"docker": 0, "localstack": 0, "cdklocal": 0, "curl": 7}, []string{notRunning}},
		{"localstack-deploy, no cdklocal", "localstack-deploy", nil,
			map[string]int{"docker": 0, "localstack": 0, "curl": 0}, []string{noCDKLocal}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, status := runMake(t, fakeTools(t, tt.tools), tt.target, tt.args...)
			if status != 2 {
				t.Errorf("make %s exited %d, want 2; output:\n%s", tt.target, status, out)
			}
			var got []string
			for _, m := range allMessages {
				if strings.Contains(out, m) {
					got = append(got, m)
				}
			}
			want := make([]string, 0, len(tt.want))
			for _, m := range allMessages { // in allMessages' order, as got is
				for _, w := range tt.want {
					if m == w {
						want = append(want, m)
					}
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("make %s: messages (-want +got):\n%s\noutput:\n%s", tt.target, diff, out)
			}
			if !strings.Contains(out, "make "+tt.target+" cannot run") {
				t.Errorf("make %s does not say that it cannot run:\n%s", tt.target, out)
			}
		})
	}
}

// With every tool present and working, the check passes silently: the targets' failures above
// come from what is missing, not from a check that always fails.
func TestCheckPassesWhenAllIsThere(t *testing.T) {
	root, err := modroot.FromWorkingDir()
	if err != nil {
		t.Fatal(err)
	}
	path := fakeTools(t, map[string]int{"docker": 0, "sam": 0, "cdklocal": 0, "localstack": 0, "curl": 0})
	cmd := exec.Command("/bin/bash", filepath.Join(root, "tools", "localpaths", "need.sh"),
		"all", "docker", "sam", "cdklocal", "localstack", "localstack-running")
	cmd.Env = []string{"PATH=" + path}
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) != 0 {
		t.Errorf("need.sh with every tool: %v, output %q; want success and no output", err, out)
	}
}

// make test must not depend on Docker or the tools: none of these targets' commands is in its
// plan, while synth (which it does depend on) is.
func TestNotPartOfMakeTest(t *testing.T) {
	makeBin, err := exec.LookPath("make")
	if err != nil {
		t.Fatal(err)
	}
	root, err := modroot.FromWorkingDir()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(makeBin, "-n", "-B", "--no-print-directory", "test")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make -n test: %v\n%s", err, out)
	}
	plan := string(out)
	if !strings.Contains(plan, "cdk synth") {
		t.Fatalf("make -n -B test does not show its synth step; the plan is not what this test reads:\n%s", plan)
	}
	for _, s := range []string{"need.sh", "sam local", "cdklocal"} {
		if strings.Contains(plan, s) {
			t.Errorf("make test's plan runs %q", s)
		}
	}
}

func TestLogicalID(t *testing.T) {
	m := &template.Model{Functions: map[string]*template.Function{
		"OrdersPlaceOrderFA03BCCB":      {LogicalID: "OrdersPlaceOrderFA03BCCB", Name: "orders-place-order"},
		"ProdCatalogGetProductAB12CD34": {LogicalID: "ProdCatalogGetProductAB12CD34", Name: "prod-catalog-get-product"},
		"AGetB":                         {LogicalID: "AGetB", Name: "a-get"},
		"BGetB":                         {LogicalID: "BGetB", Name: "b-get"},
	}}
	tests := []struct {
		name, fn, want string
		wantErr        string
	}{
		{"exact name", "orders-place-order", "OrdersPlaceOrderFA03BCCB", ""},
		{"stage-prefixed name", "catalog-get-product", "ProdCatalogGetProductAB12CD34", ""},
		{"ambiguous suffix", "get", "", "ambiguous"},
		{"unknown", "nope", "", "no function \"nope\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LogicalID(m, tt.fn)
			if got != tt.want {
				t.Errorf("LogicalID(%q) = %q, want %q", tt.fn, got, tt.want)
			}
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("LogicalID(%q) error %v, want one saying %q", tt.fn, err, tt.wantErr)
			}
		})
	}
}

// With Docker and sam there, `make sam-invoke` without FN stops at its usage line, before it
// synthesizes anything.
func TestSAMInvokeNeedsFN(t *testing.T) {
	out, status := runMake(t, fakeTools(t, map[string]int{"docker": 0, "sam": 0}), "sam-invoke")
	if status != 2 || !strings.Contains(out, "usage: make sam-invoke FN=<function>") {
		t.Errorf("make sam-invoke without FN: exit %d, output:\n%s\nwant exit 2 and the usage line", status, out)
	}
	if strings.Contains(out, "cannot run") || strings.Contains(out, "cdk synth") {
		t.Errorf("make sam-invoke without FN went past its checks:\n%s", out)
	}
}
