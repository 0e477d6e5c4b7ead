package eventbus_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/eventbus"
)

// aws runs the AWS CLI against endpoint with dummy credentials and no user configuration,
// returning stdout, stderr and whether it succeeded.
func aws(t *testing.T, endpoint string, args ...string) (stdout, stderr string, ok bool) {
	t.Helper()
	cmd := exec.Command("aws", append(args, "--endpoint-url", endpoint, "--output", "json")...)
	cmd.Env = append(os.Environ(),
		"AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=x", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if _, exited := err.(*exec.ExitError); err != nil && !exited {
		t.Fatalf("aws %v: %v", args, err)
	}
	return out.String(), errOut.String(), err == nil
}

// The AWS CLI is a real client: it checks the wire protocol (JSON 1.1 framing, timestamps,
// error shapes) the way functions' SDKs will see it.
func TestAWSCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Fatal("the AWS CLI is not installed: these tests drive the API as a user would, with `aws`")
	}
	s := catalog(t)
	rec := newRecorder()
	addRule(t, s, eventbus.Rule{Name: "cli", Bus: "shop", Pattern: json.RawMessage(`{"source":["microshop.cli"]}`),
		Targets: []eventbus.Target{{ID: "t", Deliver: rec.deliver}}})
	url := serve(t, s).URL

	t.Run("put-events", func(t *testing.T) {
		t.Parallel()
		entries := `[{"Source":"microshop.cli","DetailType":"OrderPlaced","Detail":"{\"orderId\":\"o-1\"}",` +
			`"EventBusName":"shop","Time":"2024-01-02T03:04:05Z"}]`
		stdout, stderr, ok := aws(t, url, "events", "put-events", "--entries", entries)
		if !ok {
			t.Fatalf("put-events failed: %s", stderr)
		}
		var out struct {
			FailedEntryCount int
			Entries          []struct{ EventId string }
		}
		if err := json.Unmarshal([]byte(stdout), &out); err != nil || out.FailedEntryCount != 0 || len(out.Entries) != 1 {
			t.Fatalf("put-events output %s (%v)", stdout, err)
		}
		var got struct{ ID, Time string }
		if err := json.Unmarshal(rec.next(t), &got); err != nil {
			t.Fatal(err)
		}
		if got.ID != out.Entries[0].EventId || got.Time != "2024-01-02T03:04:05Z" {
			t.Errorf("delivered id %s time %s, want %s and the entry's Time", got.ID, got.Time, out.Entries[0].EventId)
		}
	})

	t.Run("put-events malformed detail", func(t *testing.T) {
		t.Parallel()
		stdout, stderr, ok := aws(t, url, "events", "put-events", "--entries",
			`[{"Source":"s","DetailType":"t","Detail":"not json"}]`)
		if !ok {
			t.Fatalf("put-events failed: %s", stderr)
		}
		if !strings.Contains(stdout, `"MalformedDetail"`) || !strings.Contains(stdout, `"FailedEntryCount": 1`) {
			t.Errorf("output = %s, want a MalformedDetail entry", stdout)
		}
	})

	t.Run("test-event-pattern", func(t *testing.T) {
		t.Parallel()
		event := `{"id":"1","account":"123456789012","source":"aws.ec2","time":"2017-12-22T18:43:48Z",` +
			`"region":"us-east-1","resources":[],"detail-type":"x","detail":{"state":"terminated"}}`
		stdout, stderr, ok := aws(t, url, "events", "test-event-pattern",
			"--event-pattern", `{"detail":{"state":[{"anything-but":"running"}]}}`, "--event", event)
		if !ok || !strings.Contains(stdout, `"Result": true`) {
			t.Errorf("test-event-pattern = %s %s, want Result true", stdout, stderr)
		}
		_, stderr, ok = aws(t, url, "events", "test-event-pattern",
			"--event-pattern", `{"detail":{"state":[{"wildcard":"a**"}]}}`, "--event", event)
		want := "(InvalidEventPatternException) when calling the TestEventPattern operation: " +
			"Event pattern is not valid. Reason: Consecutive wildcard characters at pos 2"
		if ok || !strings.Contains(stderr, want) {
			t.Errorf("invalid pattern: ok=%v stderr=%s\nwant %s", ok, stderr, want)
		}
	})

	t.Run("list-rules", func(t *testing.T) {
		t.Parallel()
		stdout, stderr, ok := aws(t, url, "events", "list-rules", "--event-bus-name", "shop", "--name-prefix", "orders-")
		var out struct {
			Rules []struct{ Name, State, EventBusName string }
		}
		if !ok || json.Unmarshal([]byte(stdout), &out) != nil {
			t.Fatalf("list-rules = %s %s", stdout, stderr)
		}
		want := []struct{ Name, State, EventBusName string }{
			{"orders-to-inventory", "ENABLED", "shop"}, {"orders-to-payments", "DISABLED", "shop"}}
		if diff := cmp.Diff(want, out.Rules); diff != "" {
			t.Errorf("rules (-want +got):\n%s", diff)
		}
	})

	t.Run("describe-rule", func(t *testing.T) {
		t.Parallel()
		stdout, stderr, ok := aws(t, url, "events", "describe-rule", "--name", "orders-to-inventory", "--event-bus-name", "shop")
		var out struct{ Arn, EventPattern string }
		if !ok || json.Unmarshal([]byte(stdout), &out) != nil {
			t.Fatalf("describe-rule = %s %s", stdout, stderr)
		}
		if out.Arn != s.RuleARN("shop", "orders-to-inventory") || out.EventPattern != `{"detail-type":["OrderPlaced"]}` {
			t.Errorf("describe-rule = %+v", out)
		}
		_, stderr, ok = aws(t, url, "events", "describe-rule", "--name", "nope")
		if ok || !strings.Contains(stderr, "(ResourceNotFoundException)") || !strings.Contains(stderr, "Rule nope does not exist on EventBus default.") {
			t.Errorf("missing rule: ok=%v stderr=%s", ok, stderr)
		}
	})

	t.Run("list-event-buses", func(t *testing.T) {
		t.Parallel()
		stdout, stderr, ok := aws(t, url, "events", "list-event-buses")
		var out struct{ EventBuses []struct{ Name string } }
		if !ok || json.Unmarshal([]byte(stdout), &out) != nil {
			t.Fatalf("list-event-buses = %s %s", stdout, stderr)
		}
		if diff := cmp.Diff([]struct{ Name string }{{"default"}, {"shop"}}, out.EventBuses); diff != "" {
			t.Errorf("buses (-want +got):\n%s", diff)
		}
	})

	t.Run("list-targets-by-rule", func(t *testing.T) {
		t.Parallel()
		stdout, stderr, ok := aws(t, url, "events", "list-targets-by-rule", "--rule", "orders-to-inventory", "--event-bus-name", "shop")
		var out struct {
			Targets []struct {
				Id               string
				DeadLetterConfig struct{ Arn string }
			}
		}
		if !ok || json.Unmarshal([]byte(stdout), &out) != nil || len(out.Targets) != 2 {
			t.Fatalf("list-targets-by-rule = %s %s", stdout, stderr)
		}
		if out.Targets[0].Id != "inventory" || out.Targets[0].DeadLetterConfig.Arn == "" {
			t.Errorf("targets = %+v", out.Targets)
		}
	})

	t.Run("put-rule put-targets remove-targets delete-rule", func(t *testing.T) {
		t.Parallel()
		stdout, stderr, ok := aws(t, url, "events", "put-rule", "--name", "cli-tap", "--event-bus-name", "shop",
			"--event-pattern", `{"source":["microshop.catalog"]}`)
		if !ok || !strings.Contains(stdout, `"RuleArn": "`+s.RuleARN("shop", "cli-tap")+`"`) {
			t.Fatalf("put-rule = %s %s", stdout, stderr)
		}
		stdout, stderr, ok = aws(t, url, "events", "put-targets", "--rule", "cli-tap", "--event-bus-name", "shop",
			"--targets", `Id=q,Arn=arn:aws:sqs:us-east-1:123456789012:tap`)
		if !ok || !strings.Contains(stdout, `"FailedEntryCount": 0`) {
			t.Fatalf("put-targets = %s %s", stdout, stderr)
		}
		_, stderr, ok = aws(t, url, "events", "delete-rule", "--name", "cli-tap", "--event-bus-name", "shop")
		if ok || !strings.Contains(stderr, "(ValidationException)") || !strings.Contains(stderr, "Rule can't be deleted since it has targets.") {
			t.Errorf("delete-rule with targets: ok=%v stderr=%s", ok, stderr)
		}
		if _, stderr, ok = aws(t, url, "events", "disable-rule", "--name", "cli-tap", "--event-bus-name", "shop"); !ok {
			t.Errorf("disable-rule: %s", stderr)
		}
		if stdout, _, _ = aws(t, url, "events", "describe-rule", "--name", "cli-tap", "--event-bus-name", "shop"); !strings.Contains(stdout, `"State": "DISABLED"`) {
			t.Errorf("describe-rule after disable-rule = %s", stdout)
		}
		if _, stderr, ok = aws(t, url, "events", "remove-targets", "--rule", "cli-tap", "--event-bus-name", "shop", "--ids", "q"); !ok {
			t.Errorf("remove-targets: %s", stderr)
		}
		if _, stderr, ok = aws(t, url, "events", "delete-rule", "--name", "cli-tap", "--event-bus-name", "shop"); !ok {
			t.Errorf("delete-rule: %s", stderr)
		}
		_, stderr, ok = aws(t, url, "events", "describe-rule", "--name", "cli-tap", "--event-bus-name", "shop")
		if ok || !strings.Contains(stderr, "(ResourceNotFoundException)") {
			t.Errorf("describe-rule after delete-rule: ok=%v stderr=%s", ok, stderr)
		}
	})
}

// The AWS CLI creates a bus, archives it and replays it, as a developer would by hand.
func TestAWSCLIArchiveAndReplay(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Fatal("the AWS CLI is not installed: these tests drive the API as a user would, with `aws`")
	}
	s, _ := newService(t, eventbus.Options{})
	url := serve(t, s).URL
	run := func(args ...string) string {
		t.Helper()
		stdout, stderr, ok := aws(t, url, args...)
		if !ok {
			t.Fatalf("aws %v: %s", args, stderr)
		}
		return stdout
	}
	if out := run("events", "create-event-bus", "--name", "saga"); !strings.Contains(out, `"EventBusArn": "`+s.BusARN("saga")+`"`) {
		t.Fatalf("create-event-bus = %s", out)
	}
	rec := newRecorder()
	addRule(t, s, eventbus.Rule{Name: "failed", Bus: "saga", Pattern: json.RawMessage(`{"detail-type":["PaymentFailed"]}`),
		Targets: []eventbus.Target{{ID: "t", Deliver: rec.deliver}}})
	run("events", "create-archive", "--archive-name", "saga", "--event-source-arn", s.BusARN("saga"))
	run("events", "put-events", "--entries",
		`[{"Source":"s","DetailType":"PaymentFailed","Detail":"{}","EventBusName":"saga","Time":"2024-05-06T06:00:00Z"}]`)
	rec.next(t)
	out := run("events", "start-replay", "--replay-name", "again", "--event-source-arn", "arn:aws:events:us-east-1:123456789012:archive/saga",
		"--event-start-time", "2024-05-06T05:00:00Z", "--event-end-time", "2024-05-06T07:00:00Z",
		"--destination", "Arn="+s.BusARN("saga"))
	if !strings.Contains(out, `"State": "STARTING"`) {
		t.Errorf("start-replay = %s", out)
	}
	var replayed struct {
		ReplayName string `json:"replay-name"`
	}
	if err := json.Unmarshal(rec.next(t), &replayed); err != nil || replayed.ReplayName != "again" {
		t.Errorf("replayed event replay-name %q (%v), want again", replayed.ReplayName, err)
	}
	flush(t, s)
	var d struct {
		State                 string
		EventLastReplayedTime float64 // the CLI prints timestamps as it gets them: epoch seconds
	}
	if err := json.Unmarshal([]byte(run("events", "describe-replay", "--replay-name", "again")), &d); err != nil ||
		d.State != "COMPLETED" || d.EventLastReplayedTime != float64(time.Date(2024, 5, 6, 6, 0, 0, 0, time.UTC).Unix()) {
		t.Errorf("describe-replay = %+v (%v)", d, err)
	}
	_, stderr, ok := aws(t, url, "events", "delete-event-bus", "--name", "default")
	if ok || !strings.Contains(stderr, "(ValidationException)") {
		t.Errorf("delete-event-bus default: ok=%v %s", ok, stderr)
	}
}
