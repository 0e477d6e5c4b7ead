package template

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadSchedulerSchedules(t *testing.T) {
	src := `{"Resources": {
	  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": "report"}},
	  "Nightly": {"Type": "AWS::Scheduler::Schedule", "Properties": {
	    "Name": "nightly", "GroupName": "reports",
	    "ScheduleExpression": "cron(30 2 * * ? *)", "ScheduleExpressionTimezone": "Europe/Paris",
	    "StartDate": "2026-01-01T00:00:00.000Z",
	    "FlexibleTimeWindow": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15},
	    "Target": {"Arn": {"Fn::GetAtt": ["Fn", "Arn"]}, "RoleArn": "arn:aws:iam::123456789012:role/r",
	      "Input": "{\"job\":\"sync\"}", "RetryPolicy": {"MaximumRetryAttempts": 3},
	      "DeadLetterConfig": {"Arn": "arn:aws:sqs:us-east-1:000000000000:dlq"}}}},
	  "Hourly": {"Type": "AWS::Scheduler::Schedule", "Properties": {
	    "ScheduleExpression": "rate(1 hour)", "State": "DISABLED", "FlexibleTimeWindow": {"Mode": "OFF"},
	    "Target": {"Arn": {"Fn::GetAtt": ["Fn", "Arn"]}, "RoleArn": "arn:aws:iam::123456789012:role/r"}}},
	  "Out": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Select": [2, {"Fn::Split": ["/", {"Fn::GetAtt": ["Nightly", "Arn"]}]}]}}}
	}}`
	m, err := Parse([]byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	fn := "arn:aws:lambda:us-east-1:" + acct + ":function:report"
	defaults := RetryPolicy{MaximumRetryAttempts: DefaultMaximumRetryAttempts, MaximumEventAgeInSeconds: DefaultMaximumEventAgeInSeconds}
	want := []*Schedule{
		{LogicalID: "Hourly", Name: "Hourly", ARN: "arn:aws:scheduler:us-east-1:" + acct + ":schedule/default/Hourly",
			Expression: "rate(1 hour)", State: "DISABLED", Target: ScheduleTarget{ARN: fn, RetryPolicy: defaults}},
		{LogicalID: "Nightly", Name: "nightly", Group: "reports", ARN: "arn:aws:scheduler:us-east-1:" + acct + ":schedule/reports/nightly",
			Expression: "cron(30 2 * * ? *)", Timezone: "Europe/Paris", State: "ENABLED", StartDate: "2026-01-01T00:00:00.000Z",
			FlexibleWindowMinutes: 15,
			Target: ScheduleTarget{ARN: fn, Input: `{"job":"sync"}`, DeadLetterARN: "arn:aws:sqs:us-east-1:000000000000:dlq",
				RetryPolicy: RetryPolicy{MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: DefaultMaximumEventAgeInSeconds}}},
	}
	if diff := cmp.Diff(want, m.Schedules); diff != "" {
		t.Errorf("Schedules (-want +got):\n%s", diff)
	}
	// GetAtt Arn resolves elsewhere in the template: the queue is named after the schedule.
	if len(m.Queues) != 1 || m.Queues[0].Name != "nightly" {
		t.Errorf("queue named from the schedule's ARN: %+v", m.Queues)
	}

	_, err = Parse([]byte(`{"Resources": {"Bad": {"Type": "AWS::Scheduler::Schedule", "Properties": {"ScheduleExpression": "rate(1 hour)", "Target": {}}}}}`), Options{})
	var te *Error
	if !errors.Is(err, ErrInvalid) || !errors.As(err, &te) || te.Path != "Properties.Target" {
		t.Errorf("schedule without a target Arn: %v, want an *Error at Properties.Target", err)
	}
}
