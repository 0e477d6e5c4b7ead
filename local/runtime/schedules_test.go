package runtime_test

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/internal/fakeclock"
	"github.com/microshop/microshop/local/runtime"
)

// A CloudFormation template with a scheduled function (testdata/ownstacks/cfn-scheduled): its
// rule and its Scheduler schedule invoke the function as the clock advances, and on demand
// through the edge.
func TestScheduledFunctionRunsFromItsScheduleAndOnDemand(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC))
	rt := startRuntime(t, runtime.Config{
		Template: filepath.Join("..", "testdata", "ownstacks", "cfn-scheduled", "template.json"),
		Clock:    clock.Now, NoScheduleTimer: true,
	})
	ruleARN := "arn:aws:events:us-east-1:000000000000:rule/every-five-minutes"

	var got []string
	for _, s := range rt.Schedules() {
		got = append(got, s.Name+" "+s.Next.Format(time.RFC3339))
	}
	want := []string{"every-five-minutes 2026-01-05T02:05:00Z", "default/nightly-sync 2026-01-05T02:30:00Z"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Schedules (-want +got):\n%s", diff)
	}

	if n := rt.TickSchedules(); n != 0 {
		t.Errorf("TickSchedules before anything is due fired %d", n)
	}
	clock.Advance(5 * time.Minute)
	if n := rt.TickSchedules(); n != 1 {
		t.Fatalf("TickSchedules at 02:05 fired %d, want 1", n)
	}
	events := sunk(t, rt, containing(`"detail-type":"Scheduled Event"`, 1))
	if !strings.Contains(events[0], `"resources":["`+ruleARN+`"]`) || !strings.Contains(events[0], `"time":"2026-01-05T02:05:00Z"`) {
		t.Errorf("scheduled event %s, want the rule's ARN in resources and the scheduled time", events[0])
	}

	clock.Advance(25 * time.Minute) // 02:30: the rule (missed 4 times) and the nightly sync
	if n := rt.TickSchedules(); n != 2 {
		t.Fatalf("TickSchedules at 02:30 fired %d, want 2", n)
	}
	sunk(t, rt, func(e []string) bool {
		return containing(`{"job":"nightly-sync"}`, 1)(e) && containing(`"detail-type":"Scheduled Event"`, 2)(e)
	})

	// Listed and fired on demand through the edge.
	resp, err := http.Get(rt.EdgeURL() + runtime.SchedulesPath)
	if err != nil {
		t.Fatal(err)
	}
	var listed struct {
		Schedules []struct{ Name, Expression string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&listed); err != nil || len(listed.Schedules) != 2 || listed.Schedules[1].Expression != "cron(30 2 * * ? *)" {
		t.Errorf("GET %s: %+v %v", runtime.SchedulesPath, listed, err)
	}
	resp.Body.Close()
	resp, err = http.Post(rt.EdgeURL()+runtime.SchedulesPath+"every-five-minutes/fire", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var fired struct{ EventID string }
	if err := json.NewDecoder(resp.Body).Decode(&fired); err != nil || resp.StatusCode != http.StatusOK || fired.EventID == "" {
		t.Fatalf("fire: %d %+v %v", resp.StatusCode, fired, err)
	}
	resp.Body.Close()
	sunk(t, rt, containing(`"id":"`+fired.EventID+`"`, 1))
	resp, err = http.Post(rt.EdgeURL()+runtime.SchedulesPath+"default/nightly-sync/fire", "", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("fire nightly-sync: %v %v", resp, err)
	}
	resp.Body.Close()
	sunk(t, rt, containing(`{"job":"nightly-sync"}`, 2))

	resp, err = http.Post(rt.EdgeURL()+runtime.SchedulesPath+"nope/fire", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var failed struct {
		Error     struct{ Code string }
		RequestID string `json:"requestId"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&failed); err != nil || resp.StatusCode != http.StatusNotFound ||
		failed.Error.Code != "ResourceNotFoundException" || failed.RequestID == "" {
		t.Errorf("fire of an unknown schedule: %d %+v %v", resp.StatusCode, failed, err)
	}
	resp.Body.Close()
}
