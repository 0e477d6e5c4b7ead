package eventbus_test

import (
	"context"
	"encoding/json"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestEventBusLifecycleThroughTheSDK(t *testing.T) {
	ctx := context.Background()
	_, eb, _ := tapped(t)

	created, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: awssdk.String("saga"), Description: awssdk.String("order saga"),
		Tags: []types.Tag{{Key: awssdk.String("team"), Value: awssdk.String("orders")}}})
	if err != nil {
		t.Fatal(err)
	}
	busARN := "arn:aws:events:us-east-1:000000000000:event-bus/saga"
	if got := awssdk.ToString(created.EventBusArn); got != busARN {
		t.Errorf("EventBusArn = %s, want %s", got, busARN)
	}
	d, err := eb.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{Name: awssdk.String(busARN)})
	if err != nil {
		t.Fatal(err)
	}
	if awssdk.ToString(d.Name) != "saga" || awssdk.ToString(d.Description) != "order saga" || !awssdk.ToTime(d.CreationTime).Equal(fixedTime) {
		t.Errorf("DescribeEventBus = %s %q created %v", awssdk.ToString(d.Name), awssdk.ToString(d.Description), d.CreationTime)
	}
	list, err := eb.ListEventBuses(ctx, &eventbridge.ListEventBusesInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range list.EventBuses {
		names = append(names, awssdk.ToString(b.Name))
	}
	if diff := cmp.Diff([]string{"default", "saga", "shop"}, names); diff != "" {
		t.Errorf("ListEventBuses (-want +got):\n%s", diff)
	}

	// Events on the new bus reach its rules; a bus with rules cannot be deleted.
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: awssdk.String("r"), EventBusName: awssdk.String("saga"), EventPattern: awssdk.String(`{"source":["x"]}`)}); err != nil {
		t.Fatal(err)
	}
	_, err = eb.DeleteEventBus(ctx, &eventbridge.DeleteEventBusInput{Name: awssdk.String("saga")})
	if code := errorCode(err); code != "ValidationException" {
		t.Errorf("DeleteEventBus with a rule = %v, want ValidationException", err)
	}
	if _, err := eb.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: awssdk.String("r"), EventBusName: awssdk.String("saga")}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.DeleteEventBus(ctx, &eventbridge.DeleteEventBusInput{Name: awssdk.String("saga")}); err != nil {
		t.Fatal(err)
	}
	_, err = eb.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{Name: awssdk.String("saga")})
	if code := errorCode(err); code != "ResourceNotFoundException" {
		t.Errorf("DescribeEventBus after DeleteEventBus = %v, want ResourceNotFoundException", err)
	}
	// Deleting it again succeeds, as on AWS.
	if _, err := eb.DeleteEventBus(ctx, &eventbridge.DeleteEventBusInput{Name: awssdk.String("saga")}); err != nil {
		t.Errorf("DeleteEventBus of a deleted bus: %v", err)
	}

	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"CreateEventBus of an existing bus", func() error {
			_, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: awssdk.String("shop")})
			return err
		}, "ResourceAlreadyExistsException"},
		{"CreateEventBus default", func() error {
			_, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: awssdk.String("default")})
			return err
		}, "ResourceAlreadyExistsException"},
		{"CreateEventBus with a bad name", func() error {
			_, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: awssdk.String("no spaces")})
			return err
		}, "ValidationException"},
		{"DeleteEventBus default", func() error {
			_, err := eb.DeleteEventBus(ctx, &eventbridge.DeleteEventBusInput{Name: awssdk.String("default")})
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

func TestTagsOnBusesAndRules(t *testing.T) {
	ctx := context.Background()
	s, eb, _ := tapped(t)
	rule, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: awssdk.String("r"), EventBusName: awssdk.String("shop"),
		EventPattern: awssdk.String(`{"source":["x"]}`), Tags: []types.Tag{{Key: awssdk.String("a"), Value: awssdk.String("1")}}})
	if err != nil {
		t.Fatal(err)
	}
	tags := func(arn string) []types.Tag {
		t.Helper()
		out, err := eb.ListTagsForResource(ctx, &eventbridge.ListTagsForResourceInput{ResourceARN: awssdk.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		return out.Tags
	}
	tag := func(k, v string) types.Tag { return types.Tag{Key: awssdk.String(k), Value: awssdk.String(v)} }
	opts := cmpopts.IgnoreUnexported(types.Tag{})

	if _, err := eb.TagResource(ctx, &eventbridge.TagResourceInput{ResourceARN: rule.RuleArn, Tags: []types.Tag{tag("b", "2"), tag("a", "3")}}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]types.Tag{tag("a", "3"), tag("b", "2")}, tags(*rule.RuleArn), opts); diff != "" {
		t.Errorf("rule tags (-want +got):\n%s", diff)
	}
	if _, err := eb.UntagResource(ctx, &eventbridge.UntagResourceInput{ResourceARN: rule.RuleArn, TagKeys: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]types.Tag{tag("b", "2")}, tags(*rule.RuleArn), opts); diff != "" {
		t.Errorf("rule tags after UntagResource (-want +got):\n%s", diff)
	}
	if _, err := eb.TagResource(ctx, &eventbridge.TagResourceInput{ResourceARN: awssdk.String(s.BusARN("shop")), Tags: []types.Tag{tag("env", "local")}}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]types.Tag{tag("env", "local")}, tags(s.BusARN("shop")), opts); diff != "" {
		t.Errorf("bus tags (-want +got):\n%s", diff)
	}
	_, err = eb.TagResource(ctx, &eventbridge.TagResourceInput{ResourceARN: awssdk.String(s.RuleARN("shop", "nope")), Tags: []types.Tag{tag("a", "1")}})
	if code := errorCode(err); code != "ResourceNotFoundException" {
		t.Errorf("TagResource of an unknown rule = %v, want ResourceNotFoundException", err)
	}
	many := make([]types.Tag, 51)
	for i := range many {
		many[i] = tag(string(rune('A'+i)), "v")
	}
	_, err = eb.TagResource(ctx, &eventbridge.TagResourceInput{ResourceARN: rule.RuleArn, Tags: many})
	if code := errorCode(err); code != "LimitExceededException" {
		t.Errorf("TagResource with 51 tags = %v, want LimitExceededException", err)
	}
}

func TestBusPermissions(t *testing.T) {
	ctx := context.Background()
	s, eb, _ := tapped(t)
	policy := func() map[string]any {
		t.Helper()
		d, err := eb.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{Name: awssdk.String("shop")})
		if err != nil {
			t.Fatal(err)
		}
		if d.Policy == nil {
			return nil
		}
		var p map[string]any
		if err := json.Unmarshal([]byte(*d.Policy), &p); err != nil {
			t.Fatalf("Policy %s: %v", *d.Policy, err)
		}
		return p
	}
	if p := policy(); p != nil {
		t.Fatalf("a new bus has policy %v", p)
	}
	if _, err := eb.PutPermission(ctx, &eventbridge.PutPermissionInput{EventBusName: awssdk.String("shop"), Action: awssdk.String("events:PutEvents"),
		Principal: awssdk.String("111122223333"), StatementId: awssdk.String("partner")}); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Sid": "partner", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::111122223333:root"},
		"Action": "events:PutEvents", "Resource": s.BusARN("shop")}}}
	if diff := cmp.Diff(want, policy()); diff != "" {
		t.Errorf("policy after PutPermission (-want +got):\n%s", diff)
	}
	_, err := eb.PutPermission(ctx, &eventbridge.PutPermissionInput{EventBusName: awssdk.String("shop"), Action: awssdk.String("events:PutEvents"),
		Principal: awssdk.String("111122223333"), StatementId: awssdk.String("partner")})
	if code := errorCode(err); code != "ResourceAlreadyExistsException" {
		t.Errorf("PutPermission with a taken StatementId = %v", err)
	}
	_, err = eb.RemovePermission(ctx, &eventbridge.RemovePermissionInput{EventBusName: awssdk.String("shop"), StatementId: awssdk.String("nope")})
	if code := errorCode(err); code != "ResourceNotFoundException" {
		t.Errorf("RemovePermission of an unknown statement = %v", err)
	}
	if _, err := eb.RemovePermission(ctx, &eventbridge.RemovePermissionInput{EventBusName: awssdk.String("shop"), StatementId: awssdk.String("partner")}); err != nil {
		t.Fatal(err)
	}
	if p := policy(); p != nil {
		t.Errorf("policy after RemovePermission = %v, want none", p)
	}

	// A whole policy replaces the statements and is shown as given.
	doc := `{"Version":"2012-10-17","Statement":[{"Sid":"org","Effect":"Allow","Principal":"*","Action":"events:PutEvents","Resource":"` +
		s.BusARN("shop") + `","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}]}`
	if _, err := eb.PutPermission(ctx, &eventbridge.PutPermissionInput{EventBusName: awssdk.String("shop"), Policy: awssdk.String(doc)}); err != nil {
		t.Fatal(err)
	}
	if p := policy(); p["Statement"].([]any)[0].(map[string]any)["Sid"] != "org" {
		t.Errorf("policy after PutPermission with Policy = %v", p)
	}
	if _, err := eb.RemovePermission(ctx, &eventbridge.RemovePermissionInput{EventBusName: awssdk.String("shop"), RemoveAllPermissions: true}); err != nil {
		t.Fatal(err)
	}
	if p := policy(); p != nil {
		t.Errorf("policy after RemoveAllPermissions = %v, want none", p)
	}
	_, err = eb.PutPermission(ctx, &eventbridge.PutPermissionInput{EventBusName: awssdk.String("shop"), Action: awssdk.String("events:PutRule"),
		Principal: awssdk.String("111122223333"), StatementId: awssdk.String("x")})
	if code := errorCode(err); code != "ValidationException" {
		t.Errorf("PutPermission of another action = %v, want ValidationException", err)
	}
}
