package eventbus_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/eventbus"
	"github.com/microshop/microshop/local/internal/fakeclock"
	"github.com/microshop/microshop/local/sdk"
)

func TestScheduleNext(t *testing.T) {
	// 2024-05-06 is a Monday.
	from := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	tests := []struct {
		expr string
		want []string // the next firings after from, RFC 3339
	}{
		{"rate(1 minute)", []string{"2024-05-06T07:09:09Z", "2024-05-06T07:10:09Z"}},
		{"rate(5 minutes)", []string{"2024-05-06T07:13:09Z", "2024-05-06T07:18:09Z"}},
		{"rate(2 hours)", []string{"2024-05-06T09:08:09Z", "2024-05-06T11:08:09Z"}},
		{"rate(1 day)", []string{"2024-05-07T07:08:09Z", "2024-05-08T07:08:09Z"}},
		{"cron(0/15 * * * ? *)", []string{"2024-05-06T07:15:00Z", "2024-05-06T07:30:00Z"}},
		{"cron(0 10 * * ? *)", []string{"2024-05-06T10:00:00Z", "2024-05-07T10:00:00Z"}},
		// Day of week 1-7 is SUN-SAT: 2-6 is MON-FRI.
		{"cron(0 18 ? * 2-6 *)", []string{"2024-05-06T18:00:00Z", "2024-05-07T18:00:00Z"}},
		{"cron(0 18 ? * 1 *)", []string{"2024-05-12T18:00:00Z", "2024-05-19T18:00:00Z"}},
		{"cron(0 18 ? * FRI-MON *)", []string{"2024-05-06T18:00:00Z", "2024-05-10T18:00:00Z"}}, // wraps past Saturday
		{"cron(0 18 ? * SAT,SUN *)", []string{"2024-05-11T18:00:00Z", "2024-05-12T18:00:00Z"}},
		{"cron(0 8 1 * ? *)", []string{"2024-06-01T08:00:00Z", "2024-07-01T08:00:00Z"}},
		{"cron(0 0 L * ? *)", []string{"2024-05-31T00:00:00Z", "2024-06-30T00:00:00Z"}},
		{"cron(0 0 15W * ? *)", []string{"2024-05-15T00:00:00Z", "2024-06-14T00:00:00Z"}}, // 2024-06-15 is a Saturday
		{"cron(0 9 ? * 6L *)", []string{"2024-05-31T09:00:00Z", "2024-06-28T09:00:00Z"}},  // last Friday
		{"cron(0 9 ? * 2#1 *)", []string{"2024-05-06T09:00:00Z", "2024-06-03T09:00:00Z"}}, // first Monday
		{"cron(0 9 ? * L *)", []string{"2024-05-11T09:00:00Z", "2024-05-18T09:00:00Z"}},   // Saturdays
		{"cron(30 9 1 JAN-MAR ? 2025-2026)", []string{"2025-01-01T09:30:00Z", "2025-02-01T09:30:00Z"}},
		{"cron(0 12 * * ? 2023)", nil},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			s, err := eventbus.ParseSchedule(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			at := from
			for range 2 {
				if at = s.Next(at, from); at.IsZero() {
					break
				}
				got = append(got, at.Format(time.RFC3339))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("next firings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseScheduleRejects(t *testing.T) {
	for _, expr := range []string{
		"rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "rate(1 second)", "rate(-1 minutes)", "rate(1minute)",
		"cron(* * * * * *)",       // both day fields *
		"cron(0 10 ? * ? *)",      // both ?
		"cron(0 10 1 * 2 *)",      // both set
		"cron(0 10 * * ?)",        // five fields
		"cron(0 10 * * ? * *)",    // seven fields
		"cron(60 10 * * ? *)",     // minute out of range
		"cron(0 24 * * ? *)",      // hour out of range
		"cron(0 10 32 * ? *)",     // day out of range
		"cron(0 10 ? * 8 *)",      // AWS numbers days 1-7
		"cron(0 10 ? * 0 *)",      // AWS numbers days 1-7
		"cron(0 10 ? 13 MON *)",   // month out of range
		"cron(0 10 L W ? *)",      // W in month
		"cron(0 10 ? * MON#6 *)",  // week 6
		"cron(0 10 * * ? 1969)",   // year out of range
		"cron(15 * * * ? *",       // unbalanced
		"at(2024-05-06T07:08:09)", // Scheduler only
		"every 5 minutes", "",
	} {
		t.Run(expr, func(t *testing.T) {
			if _, err := eventbus.ParseSchedule(expr); !errors.Is(err, eventbus.ErrInvalid) {
				t.Errorf("ParseSchedule(%q) = %v, want ErrInvalid", expr, err)
			}
		})
	}
}

// scheduled returns a service with a fake clock and the timer off, so only Tick and Fire
// fire schedules.
func scheduled(t *testing.T) (*eventbus.Service, *fakeclock.Clock) {
	t.Helper()
	clock := fakeclock.New(fixedTime)
	s, _ := newService(t, eventbus.Options{Clock: clock.Now, ScheduleInterval: -1})
	return s, clock
}

func TestScheduledRuleFiresAsTheClockAdvances(t *testing.T) {
	s, clock := scheduled(t)
	rec := newRecorder()
	addRule(t, s, eventbus.Rule{Name: "every-5", ScheduleExpression: "rate(5 minutes)",
		Targets: []eventbus.Target{{ID: "fn", Deliver: rec.deliver}}})

	clock.Advance(4 * time.Minute)
	if n := s.Tick(); n != 0 {
		t.Errorf("Tick after 4 minutes fired %d, want 0", n)
	}
	rec.none(t, s)
	clock.Advance(time.Minute)
	if n := s.Tick(); n != 1 {
		t.Fatalf("Tick after 5 minutes fired %d, want 1", n)
	}
	var got map[string]any
	if err := json.Unmarshal(rec.next(t), &got); err != nil {
		t.Fatal(err)
	}
	delete(got, "id")
	want := map[string]any{
		"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "account": "123456789012",
		"time": "2024-05-06T07:13:09Z", "region": "us-east-1",
		"resources": []any{"arn:aws:events:us-east-1:123456789012:rule/every-5"}, "detail": map[string]any{},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("scheduled event (-want +got):\n%s", diff)
	}
	// A jump over three periods fires once, stamped with the latest missed time.
	clock.Advance(16 * time.Minute)
	if n := s.Tick(); n != 1 {
		t.Errorf("Tick after a 16-minute jump fired %d, want 1", n)
	}
	var late struct{ Time string }
	if err := json.Unmarshal(rec.next(t), &late); err != nil || late.Time != "2024-05-06T07:28:09Z" {
		t.Errorf("late firing time %q (%v), want 2024-05-06T07:28:09Z", late.Time, err)
	}
	if n := s.Tick(); n != 0 {
		t.Errorf("a second Tick at the same time fired %d, want 0", n)
	}
	rec.none(t, s)
}

func TestScheduledRuleThroughTheSDK(t *testing.T) {
	ctx := context.Background()
	clock := fakeclock.New(fixedTime)
	rec := newRecorder()
	s, _ := newService(t, eventbus.Options{Clock: clock.Now, ScheduleInterval: -1,
		Connect: func(eventbus.Target) func(context.Context, []byte) error { return rec.deliver }})
	eb := sdk.EventBridge(serve(t, s).URL)

	_, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: awssdk.String("bad"), ScheduleExpression: awssdk.String("cron(* * * * * *)")})
	if code, msg := errorCode(err), errorMessage(err); code != "ValidationException" || msg != "Parameter ScheduleExpression is not valid." {
		t.Errorf("PutRule with both day fields * = %s %q", code, msg)
	}
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: awssdk.String("nightly"), ScheduleExpression: awssdk.String("cron(0 2 * * ? *)")}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: awssdk.String("nightly"),
		Targets: []types.Target{{Id: awssdk.String("fn"), Arn: awssdk.String("arn:aws:lambda:us-east-1:123456789012:function:report"), Input: awssdk.String(`{"report":"daily"}`)}}}); err != nil {
		t.Fatal(err)
	}
	d, err := eb.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: awssdk.String("nightly")})
	if err != nil || awssdk.ToString(d.ScheduleExpression) != "cron(0 2 * * ? *)" || d.EventPattern != nil {
		t.Errorf("DescribeRule = %+v, %v", d, err)
	}
	// A scheduled rule does not match put events, even ones shaped like its own.
	putOne := func() {
		if _, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{{
			Source: awssdk.String("aws.events"), DetailType: awssdk.String("Scheduled Event"), Detail: awssdk.String("{}")}}}); err != nil {
			t.Fatal(err)
		}
	}
	putOne()
	rec.none(t, s)
	clock.Advance(19 * time.Hour) // 02:08 the next day
	if n := s.Tick(); n != 1 {
		t.Fatalf("Tick at 02:08 fired %d, want 1", n)
	}
	if got := string(rec.next(t)); got != `{"report":"daily"}` {
		t.Errorf("target got %s, want its Input", got)
	}
	// Fire runs it on demand, even disabled.
	if _, err := eb.DisableRule(ctx, &eventbridge.DisableRuleInput{Name: awssdk.String("nightly")}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(24 * time.Hour)
	if n := s.Tick(); n != 0 {
		t.Errorf("Tick of a disabled rule fired %d, want 0", n)
	}
	if _, err := s.Fire("nightly"); err != nil {
		t.Fatal(err)
	}
	if got := string(rec.next(t)); got != `{"report":"daily"}` {
		t.Errorf("fired target got %s", got)
	}
	if _, err := s.Fire("nope"); !errors.Is(err, eventbus.ErrNoSchedule) {
		t.Errorf("Fire(nope) = %v, want ErrNoSchedule", err)
	}
}

func TestSchedulerSchedule(t *testing.T) {
	s, clock := scheduled(t)
	withInput, withoutInput := newRecorder(), newRecorder()
	start := fixedTime.Add(time.Hour)
	if err := s.AddSchedule(eventbus.SchedulerSchedule{Name: "hourly", Expression: "rate(1 hour)", Start: start,
		Target: eventbus.Target{ARN: "arn:aws:lambda:us-east-1:123456789012:function:f", Input: `{"job":"sync"}`, Deliver: withInput.deliver}}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddSchedule(eventbus.SchedulerSchedule{Name: "paris-9am", Group: "reports", Expression: "cron(0 9 * * ? *)", Timezone: "Europe/Paris",
		Target: eventbus.Target{ARN: "arn:aws:lambda:us-east-1:123456789012:function:g", Deliver: withoutInput.deliver}}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddSchedule(eventbus.SchedulerSchedule{Name: "bad", Expression: "at(2024-13-01T00:00:00)"}); !errors.Is(err, eventbus.ErrInvalid) {
		t.Errorf("AddSchedule with a bad at() = %v, want ErrInvalid", err)
	}
	want := []eventbus.ScheduleInfo{
		{Name: "default/hourly", ARN: "arn:aws:scheduler:us-east-1:123456789012:schedule/default/hourly", Expression: "rate(1 hour)", State: "ENABLED",
			Next: start.Add(time.Hour)},
		// 09:00 in Paris (UTC+2 in May) is 07:00 UTC; 07:08 has passed, so tomorrow.
		{Name: "reports/paris-9am", ARN: "arn:aws:scheduler:us-east-1:123456789012:schedule/reports/paris-9am", Expression: "cron(0 9 * * ? *)", State: "ENABLED",
			Next: time.Date(2024, 5, 7, 7, 0, 0, 0, time.UTC)},
	}
	if diff := cmp.Diff(want, s.Schedules()); diff != "" {
		t.Errorf("Schedules (-want +got):\n%s", diff)
	}
	clock.Advance(2 * time.Hour)
	if n := s.Tick(); n != 1 {
		t.Fatalf("Tick fired %d, want 1", n)
	}
	if got := string(withInput.next(t)); got != `{"job":"sync"}` {
		t.Errorf("hourly target got %s, want its Input", got)
	}
	if _, err := s.Fire("reports/paris-9am"); err != nil {
		t.Fatal(err)
	}
	if got := string(withoutInput.next(t)); got != eventbus.SchedulerDefaultInput {
		t.Errorf("target without Input got %s, want %s", got, eventbus.SchedulerDefaultInput)
	}
	withInput.none(t, s)
}

func errorMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

// The timer fires a due schedule by itself; the fake clock decides what is due.
func TestScheduleTimer(t *testing.T) {
	clock := fakeclock.New(fixedTime)
	s, _ := newService(t, eventbus.Options{Clock: clock.Now, ScheduleInterval: time.Millisecond})
	rec := newRecorder()
	addRule(t, s, eventbus.Rule{Name: "every-minute", ScheduleExpression: "rate(1 minute)",
		Targets: []eventbus.Target{{ID: "fn", Deliver: rec.deliver}}})
	clock.Advance(time.Minute)
	var got struct{ Time string }
	if err := json.Unmarshal(rec.next(t), &got); err != nil || got.Time != "2024-05-06T07:09:09Z" {
		t.Errorf("timer fired at %q (%v), want 2024-05-06T07:09:09Z", got.Time, err)
	}
}
