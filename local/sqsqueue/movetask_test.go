package sqsqueue_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/sdk"
	"github.com/microshop/microshop/local/sqsqueue"
)

// poisoned makes queue "work" with dead-letter queue "work-dlq" (maxReceiveCount 1) and
// dead-letters the given bodies: each is received once and, on the next receive, moved.
func poisoned(t *testing.T, svc *sqsqueue.Service, sent ...string) (dlqARN string) {
	t.Helper()
	mustCreate(t, svc, "work-dlq", nil)
	dlqARN, _ = svc.QueueARN("work-dlq")
	mustCreate(t, svc, "work", map[string]string{
		"VisibilityTimeout": "0",
		"RedrivePolicy":     fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":1}`, dlqARN),
	})
	for _, b := range sent {
		mustSend(t, svc, "work", sqsqueue.SendInput{Body: b})
	}
	if got := receiveNow(t, svc, "work", 10); len(got) != len(sent) {
		t.Fatalf("first receive got %d messages, want %d", len(got), len(sent))
	}
	if got := receiveNow(t, svc, "work", 10); len(got) != 0 {
		t.Fatalf("second receive got %v, want every message dead-lettered", bodies(got))
	}
	return dlqARN
}

// Redrive through the SDK: StartMessageMoveTask without a destination sends each message of
// the dead-letter queue back to its source queue, where it is received again with a fresh
// receive count; ListMessageMoveTasks reports the completed task.
func TestMessageMoveTaskRedrivesToTheSourceQueue(t *testing.T) {
	svc, c := startAPI(t)
	dlqARN := poisoned(t, svc, "one", "two")
	client := sdk.SQS(c.endpoint)
	ctx := t.Context()

	start, err := client.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlqARN)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(start.TaskHandle) == "" {
		t.Fatal("no task handle")
	}
	list, err := client.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(dlqARN)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Results) != 1 {
		t.Fatalf("%d tasks listed, want 1", len(list.Results))
	}
	r := list.Results[0]
	got := fmt.Sprintf("%s %s moved=%d toMove=%d handle=%q", aws.ToString(r.Status), aws.ToString(r.SourceArn),
		r.ApproximateNumberOfMessagesMoved, aws.ToInt64(r.ApproximateNumberOfMessagesToMove), aws.ToString(r.TaskHandle))
	want := fmt.Sprintf("COMPLETED %s moved=2 toMove=2 handle=\"\"", dlqARN)
	if got != want || r.StartedTimestamp == 0 {
		t.Errorf("task = %s (started %d), want %s", got, r.StartedTimestamp, want)
	}

	_, dlqMsgs, err := svc.Inspect("work-dlq")
	if err != nil || len(dlqMsgs) != 0 {
		t.Errorf("dead-letter queue holds %d messages after the redrive (%v), want 0", len(dlqMsgs), err)
	}
	back := receiveNow(t, svc, "work", 10)
	if diff := cmp.Diff([]string{"one", "two"}, bodies(back)); diff != "" {
		t.Errorf("source queue bodies (-want +got):\n%s", diff)
	}
	for _, m := range back {
		if m.Attributes["ApproximateReceiveCount"] != "1" || m.Attributes["DeadLetterQueueSourceArn"] != "" {
			t.Errorf("redriven message attributes %v, want a first receive and no dead-letter source", m.Attributes)
		}
	}
}

// A destination receives every message; a rate moves them a second at a time, so the task is
// seen RUNNING with its handle and can be cancelled, keeping what it moved.
func TestMessageMoveTaskWithRateCanBeCancelled(t *testing.T) {
	svc, c := startAPI(t)
	dlqARN := poisoned(t, svc, "a", "b", "c")
	mustCreate(t, svc, "elsewhere", nil)
	destARN, _ := svc.QueueARN("elsewhere")
	client := sdk.SQS(c.endpoint)
	ctx := t.Context()

	start, err := client.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{
		SourceArn: aws.String(dlqARN), DestinationArn: aws.String(destARN), MaxNumberOfMessagesPerSecond: aws.Int32(1),
	})
	if err != nil {
		t.Fatal(err)
	}
	list, err := client.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(dlqARN)})
	if err != nil {
		t.Fatal(err)
	}
	if r := list.Results[0]; aws.ToString(r.Status) != "RUNNING" || aws.ToString(r.TaskHandle) != aws.ToString(start.TaskHandle) ||
		aws.ToString(r.DestinationArn) != destARN || aws.ToInt32(r.MaxNumberOfMessagesPerSecond) != 1 {
		t.Fatalf("task right after the start: %+v, want RUNNING with its handle, destination and rate", r)
	}
	_, err = client.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlqARN)})
	if code := errorCode(err); code != "InvalidParameterValue" {
		t.Errorf("a second task on the queue: %v, want InvalidParameterValue", err)
	}
	cancelled, err := client.CancelMessageMoveTask(ctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: start.TaskHandle})
	if err != nil {
		t.Fatal(err)
	}
	moved := int(cancelled.ApproximateNumberOfMessagesMoved)
	if moved < 1 || moved > 3 {
		t.Errorf("moved %d before the cancel, want the first second's 1 (at most 3)", moved)
	}
	_, left, _ := svc.Inspect("work-dlq")
	_, there, _ := svc.Inspect("elsewhere")
	if len(there) != moved || len(left) != 3-moved {
		t.Errorf("after the cancel: %d in the destination, %d left; want %d and %d", len(there), len(left), moved, 3-moved)
	}
	list, err = client.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(dlqARN), MaxResults: aws.Int32(10)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Results) != 1 || aws.ToString(list.Results[0].Status) != "CANCELLED" || list.Results[0].TaskHandle != nil {
		t.Errorf("tasks after the cancel: %+v, want one CANCELLED without a handle", list.Results)
	}
	if _, err := client.CancelMessageMoveTask(ctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: start.TaskHandle}); errorCode(err) != "InvalidParameterValue" {
		t.Errorf("cancelling twice: %v, want InvalidParameterValue", err)
	}
}

// Client mistakes get SQS's errors and start nothing.
func TestMessageMoveTaskErrors(t *testing.T) {
	svc, c := startAPI(t)
	dlqARN := poisoned(t, svc, "x")
	workARN, _ := svc.QueueARN("work")
	client := sdk.SQS(c.endpoint)
	ctx := t.Context()
	missing := "arn:aws:sqs:us-east-1:000000000000:missing"
	tests := []struct {
		name string
		in   sqs.StartMessageMoveTaskInput
		want string
	}{
		{"source is no dead-letter queue", sqs.StartMessageMoveTaskInput{SourceArn: aws.String(workARN)}, "InvalidParameterValue"},
		{"source missing", sqs.StartMessageMoveTaskInput{SourceArn: aws.String(missing)}, "ResourceNotFoundException"},
		{"destination missing", sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlqARN), DestinationArn: aws.String(missing)}, "ResourceNotFoundException"},
		{"rate too high", sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlqARN), MaxNumberOfMessagesPerSecond: aws.Int32(501)}, "InvalidParameterValue"},
		{"not an ARN", sqs.StartMessageMoveTaskInput{SourceArn: aws.String("work-dlq")}, "InvalidParameterValue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.StartMessageMoveTask(ctx, &tt.in)
			if got := errorCode(err); got != tt.want {
				t.Errorf("error %v, want code %s", err, tt.want)
			}
		})
	}
	_, err := client.CancelMessageMoveTask(ctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: aws.String("bm9wZQ==")})
	var notFound *types.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Errorf("cancelling an unknown task: %v, want ResourceNotFoundException", err)
	}
	if _, left, _ := svc.Inspect("work-dlq"); len(left) != 1 {
		t.Errorf("the failed starts moved messages: %d left, want 1", len(left))
	}
}

// The AWS CLI redrives too: start-message-move-task, then list-message-move-tasks.
func TestMessageMoveTaskAWSCLI(t *testing.T) {
	svc, c := startAPI(t)
	dlqARN := poisoned(t, svc, "cli")
	out, errOut, ok := awsCLI(t, c.endpoint, "start-message-move-task", "--source-arn", dlqARN)
	if !ok {
		t.Fatalf("start-message-move-task: %s", errOut)
	}
	var started struct{ TaskHandle string }
	if err := json.Unmarshal([]byte(out), &started); err != nil || started.TaskHandle == "" {
		t.Fatalf("start-message-move-task output %q (%v)", out, err)
	}
	out, errOut, ok = awsCLI(t, c.endpoint, "list-message-move-tasks", "--source-arn", dlqARN)
	if !ok {
		t.Fatalf("list-message-move-tasks: %s", errOut)
	}
	var listed struct {
		Results []struct {
			Status                           string
			ApproximateNumberOfMessagesMoved int
		}
	}
	if err := json.Unmarshal([]byte(out), &listed); err != nil || len(listed.Results) != 1 ||
		listed.Results[0].Status != "COMPLETED" || listed.Results[0].ApproximateNumberOfMessagesMoved != 1 {
		t.Fatalf("list-message-move-tasks output %q (%v)", out, err)
	}
	if got := receiveNow(t, svc, "work", 1); len(got) != 1 || got[0].Body != "cli" {
		t.Errorf("source queue after the CLI's redrive: %v, want [cli]", bodies(got))
	}
}

// Inspect lists messages without receiving them: their state and receive count do not change.
func TestInspectDoesNotChangeVisibility(t *testing.T) {
	clock := newFakeClock()
	svc := newService(t, clock)
	mustCreate(t, svc, "q", map[string]string{"VisibilityTimeout": "30"})
	mustSend(t, svc, "q", sqsqueue.SendInput{Body: "in flight"})
	mustSend(t, svc, "q", sqsqueue.SendInput{Body: "waiting"})
	mustSend(t, svc, "q", sqsqueue.SendInput{Body: "delayed", DelaySeconds: intp(60)})
	if got := receiveNow(t, svc, "q", 1); len(got) != 1 {
		t.Fatal("receive got nothing")
	}
	type row struct {
		Body, State string
		Receives    int
		VisibleIn   time.Duration
	}
	look := func() ([]row, sqsqueue.QueueView) {
		v, msgs, err := svc.Inspect("q")
		if err != nil {
			t.Fatal(err)
		}
		var rows []row
		for _, m := range msgs {
			rows = append(rows, row{m.Body, m.State, m.ReceiveCount, m.VisibleAt.Sub(clock.Now())})
		}
		return rows, v
	}
	want := []row{{"in flight", "in flight", 1, 30 * time.Second}, {"waiting", "waiting", 0, 0}, {"delayed", "delayed", 0, 60 * time.Second}}
	for range 2 { // twice: the first look changed nothing
		rows, v := look()
		if diff := cmp.Diff(want, rows); diff != "" {
			t.Errorf("messages (-want +got):\n%s", diff)
		}
		if v.Waiting != 1 || v.InFlight != 1 || v.Delayed != 1 {
			t.Errorf("counts %+v, want 1 each", v)
		}
	}
	if got := receiveNow(t, svc, "q", 10); len(got) != 1 || got[0].Body != "waiting" {
		t.Errorf("receive after inspecting: %v, want only [waiting]", bodies(got))
	}
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return fmt.Sprint(err)
}
