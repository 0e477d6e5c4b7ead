package eventbus_test

import (
	"context"
	"errors"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/microshop/microshop/local/eventbus"
	"github.com/microshop/microshop/local/sdk"
)

// tapped is a Service whose Connect sends every API-added target to rec, with the bus "shop".
func tapped(t *testing.T) (*eventbus.Service, *eventbridge.Client, *recorder) {
	t.Helper()
	rec := newRecorder()
	s, _ := newService(t, eventbus.Options{AccountID: "000000000000", Connect: func(eventbus.Target) func(context.Context, []byte) error {
		return rec.deliver
	}})
	if err := s.AddBus("shop"); err != nil {
		t.Fatal(err)
	}
	return s, sdk.EventBridge(serve(t, s).URL), rec
}

// putOne puts one event on the shop bus and returns its ID.
func putOne(t *testing.T, eb *eventbridge.Client, source, detail string) string {
	t.Helper()
	out, err := eb.PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{{
		EventBusName: awssdk.String("shop"), Source: awssdk.String(source), DetailType: awssdk.String("ProductChanged"), Detail: awssdk.String(detail),
	}}})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("PutEvents: %v %+v", err, out)
	}
	return awssdk.ToString(out.Entries[0].EventId)
}

func TestRuleLifecycleThroughTheSDK(t *testing.T) {
	ctx := context.Background()
	s, eb, rec := tapped(t)
	queue := "arn:aws:sqs:us-east-1:000000000000:tap"

	rule, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{
		Name: awssdk.String("tap"), EventBusName: awssdk.String("shop"), Description: awssdk.String("mine"),
		EventPattern: awssdk.String(`{"source":["microshop.catalog"]}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := awssdk.ToString(rule.RuleArn), "arn:aws:events:us-east-1:000000000000:rule/shop/tap"; got != want {
		t.Errorf("RuleArn = %s, want %s", got, want)
	}
	pt, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: awssdk.String("tap"), EventBusName: awssdk.String("shop"),
		Targets: []types.Target{{Id: awssdk.String("q"), Arn: awssdk.String(queue), InputPath: awssdk.String("$.detail"),
			RetryPolicy: &types.RetryPolicy{MaximumRetryAttempts: awssdk.Int32(3)}}}})
	if err != nil || pt.FailedEntryCount != 0 {
		t.Fatalf("PutTargets: %v %+v", err, pt)
	}
	targets, err := eb.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: awssdk.String("tap"), EventBusName: awssdk.String("shop")})
	if err != nil {
		t.Fatal(err)
	}
	wantTargets := []types.Target{{Id: awssdk.String("q"), Arn: awssdk.String(queue), InputPath: awssdk.String("$.detail"),
		RetryPolicy: &types.RetryPolicy{MaximumRetryAttempts: awssdk.Int32(3), MaximumEventAgeInSeconds: awssdk.Int32(86400)}}}
	if diff := cmp.Diff(wantTargets, targets.Targets, cmpopts.IgnoreUnexported(types.Target{}, types.RetryPolicy{})); diff != "" {
		t.Errorf("ListTargetsByRule (-want +got):\n%s", diff)
	}

	// Matching events reach the target; others do not (the matching one put after the
	// other is the next delivery).
	putOne(t, eb, "microshop.orders", `{"n":0}`)
	putOne(t, eb, "microshop.catalog", `{"n":1}`)
	if got := string(rec.next(t)); got != `{"n":1}` {
		t.Errorf("delivered %s, want the detail of the matching event", got)
	}

	// Disabled, the rule delivers nothing; enabled again, it delivers the next event.
	if _, err := eb.DisableRule(ctx, &eventbridge.DisableRuleInput{Name: awssdk.String("tap"), EventBusName: awssdk.String("shop")}); err != nil {
		t.Fatal(err)
	}
	d, err := eb.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: awssdk.String("tap"), EventBusName: awssdk.String("shop")})
	if err != nil || d.State != types.RuleStateDisabled || awssdk.ToString(d.Description) != "mine" {
		t.Errorf("DescribeRule after DisableRule = %+v, %v", d, err)
	}
	putOne(t, eb, "microshop.catalog", `{"n":2}`)
	flush(t, s)
	if _, err := eb.EnableRule(ctx, &eventbridge.EnableRuleInput{Name: awssdk.String("tap"), EventBusName: awssdk.String("shop")}); err != nil {
		t.Fatal(err)
	}
	putOne(t, eb, "microshop.catalog", `{"n":3}`)
	if got := string(rec.next(t)); got != `{"n":3}` {
		t.Errorf("delivered %s, want {\"n\":3}: the event put while the rule was disabled must not arrive", got)
	}

	// PutRule on the existing rule changes its pattern and keeps its targets.
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: awssdk.String("tap"), EventBusName: awssdk.String("shop"),
		EventPattern: awssdk.String(`{"source":["microshop.orders"]}`)}); err != nil {
		t.Fatal(err)
	}
	putOne(t, eb, "microshop.catalog", `{"n":4}`)
	putOne(t, eb, "microshop.orders", `{"n":5}`)
	if got := string(rec.next(t)); got != `{"n":5}` {
		t.Errorf("after PutRule delivered %s, want {\"n\":5}", got)
	}

	// DeleteRule refuses while targets remain, as AWS does.
	_, err = eb.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: awssdk.String("tap"), EventBusName: awssdk.String("shop")})
	if code := errorCode(err); code != "ValidationException" {
		t.Errorf("DeleteRule with targets = %v, want ValidationException", err)
	}
	if _, err := eb.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: awssdk.String("tap"), EventBusName: awssdk.String("shop"), Ids: []string{"q"}}); err != nil {
		t.Fatal(err)
	}
	putOne(t, eb, "microshop.orders", `{"n":6}`)
	rec.none(t, s)
	if _, err := eb.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: awssdk.String("tap"), EventBusName: awssdk.String("shop")}); err != nil {
		t.Fatalf("DeleteRule without targets: %v", err)
	}
	_, err = eb.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: awssdk.String("tap"), EventBusName: awssdk.String("shop")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("DescribeRule after DeleteRule = %v, want ResourceNotFoundException", err)
	}
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestRuleAPIErrors(t *testing.T) {
	ctx := context.Background()
	_, eb, _ := tapped(t)
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: awssdk.String("full"), EventBusName: awssdk.String("shop"),
		EventPattern: awssdk.String(`{"source":["x"]}`)}); err != nil {
		t.Fatal(err)
	}
	five := make([]types.Target, 5)
	for i := range five {
		five[i] = types.Target{Id: awssdk.String(string(rune('a' + i))), Arn: awssdk.String("arn:aws:sqs:us-east-1:000000000000:q")}
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: awssdk.String("full"), EventBusName: awssdk.String("shop"), Targets: five}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"PutRule on an unknown bus", func() error {
			_, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: awssdk.String("r"), EventBusName: awssdk.String("nope"), EventPattern: awssdk.String(`{"source":["x"]}`)})
			return err
		}, "ResourceNotFoundException"},
		{"PutRule with an invalid pattern", func() error {
			_, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: awssdk.String("r"), EventBusName: awssdk.String("shop"), EventPattern: awssdk.String(`{"source":"x"}`)})
			return err
		}, "InvalidEventPatternException"},
		{"PutRule without pattern or schedule", func() error {
			_, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: awssdk.String("r"), EventBusName: awssdk.String("shop")})
			return err
		}, "ValidationException"},
		{"PutRule with a schedule on a custom bus", func() error {
			_, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: awssdk.String("r"), EventBusName: awssdk.String("shop"), ScheduleExpression: awssdk.String("rate(1 minute)")})
			return err
		}, "ValidationException"},
		{"PutRule with a bad name", func() error {
			_, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: awssdk.String("no spaces"), EventBusName: awssdk.String("shop"), EventPattern: awssdk.String(`{"source":["x"]}`)})
			return err
		}, "ValidationException"},
		{"PutTargets on an unknown rule", func() error {
			_, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: awssdk.String("nope"), EventBusName: awssdk.String("shop"),
				Targets: []types.Target{{Id: awssdk.String("t"), Arn: awssdk.String("arn:aws:sqs:us-east-1:000000000000:q")}}})
			return err
		}, "ResourceNotFoundException"},
		{"PutTargets beyond 5 targets", func() error {
			_, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: awssdk.String("full"), EventBusName: awssdk.String("shop"),
				Targets: []types.Target{{Id: awssdk.String("f"), Arn: awssdk.String("arn:aws:sqs:us-east-1:000000000000:q")}}})
			return err
		}, "LimitExceededException"},
		{"PutTargets with Input and InputPath", func() error {
			_, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: awssdk.String("full"), EventBusName: awssdk.String("shop"),
				Targets: []types.Target{{Id: awssdk.String("a"), Arn: awssdk.String("arn:aws:sqs:us-east-1:000000000000:q"), Input: awssdk.String("{}"), InputPath: awssdk.String("$.detail")}}})
			return err
		}, "ValidationException"},
		{"PutTargets with a retry policy out of range", func() error {
			_, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: awssdk.String("full"), EventBusName: awssdk.String("shop"),
				Targets: []types.Target{{Id: awssdk.String("a"), Arn: awssdk.String("arn:aws:sqs:us-east-1:000000000000:q"),
					RetryPolicy: &types.RetryPolicy{MaximumEventAgeInSeconds: awssdk.Int32(10)}}}})
			return err
		}, "ValidationException"},
		{"EnableRule of an unknown rule", func() error {
			_, err := eb.EnableRule(ctx, &eventbridge.EnableRuleInput{Name: awssdk.String("nope"), EventBusName: awssdk.String("shop")})
			return err
		}, "ResourceNotFoundException"},
		{"RemoveTargets of an unknown rule", func() error {
			_, err := eb.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: awssdk.String("nope"), EventBusName: awssdk.String("shop"), Ids: []string{"a"}})
			return err
		}, "ResourceNotFoundException"},
		{"DeleteRule with targets", func() error {
			_, err := eb.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: awssdk.String("full"), EventBusName: awssdk.String("shop")})
			return err
		}, "ValidationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errorCode(tt.call()); got != tt.want {
				t.Errorf("error code %q, want %q", got, tt.want)
			}
		})
	}
}
