package infra_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/microshop/microshop/infra"
)

// policyFinding is one error PolicyChecks reported: the construct's path and the message.
type policyFinding struct{ path, message string }

// policyFindings synthesizes stack with only PolicyChecks and returns its errors.
func policyFindings(t *testing.T, stack awscdk.Stack) []policyFinding {
	t.Helper()
	annotations := assertions.Annotations_FromStack(stack)
	var out []policyFinding
	for _, m := range *annotations.FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String(`\[Microshop-Policy\].*`))) {
		raw, _ := json.Marshal(m)
		var msg struct {
			ID    string `json:"id"`
			Entry struct {
				Data any `json:"data"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(raw, &msg); err != nil {
			t.Fatal(err)
		}
		data, _ := msg.Entry.Data.(string)
		out = append(out, policyFinding{msg.ID, data})
	}
	return out
}

// A stack that breaks each rule of PolicyChecks once, beside constructs that keep them: each
// violation is reported on its construct, and nothing compliant is.
func TestPolicyChecksFindEachViolation(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Violations"), nil)

	// Node.js on x86, untraced, logging to Lambda's default group (no retention known).
	bad := awslambda.NewFunction(stack, jsii.String("BadFunction"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_20_X(), Handler: jsii.String("index.handler"),
		Code: awslambda.Code_FromInline(jsii.String("exports.handler = async () => {}")),
	})
	// The project's function keeps every rule, X-Ray's "*" included.
	good := infra.NewGoFunction(stack, "GoodFunction", &infra.GoFunctionProps{
		Name: "probe-handle-order", GoPackage: "./functions/probe/cmd/probe-handle-order", AssetRoot: assetRoot,
	})
	awslogs.NewLogGroup(stack, jsii.String("ForeverLogs"), &awslogs.LogGroupProps{Retention: awslogs.RetentionDays_INFINITE})

	lonely := awssqs.NewQueue(stack, jsii.String("LonelyQueue"), nil)
	dlq := awssqs.NewQueue(stack, jsii.String("KeptDlq"), nil)
	guarded := awssqs.NewQueue(stack, jsii.String("GuardedQueue"), &awssqs.QueueProps{
		DeadLetterQueue: &awssqs.DeadLetterQueue{Queue: dlq, MaxReceiveCount: jsii.Number(5)},
	})
	pattern := &awsevents.EventPattern{Source: jsii.Strings("probe")}
	awsevents.NewRule(stack, jsii.String("BareTargetRule"), &awsevents.RuleProps{
		EventPattern: pattern,
		Targets:      &[]awsevents.IRuleTarget{awseventstargets.NewSqsQueue(guarded, nil)},
	})
	// This target has a DLQ, but the function it invokes asynchronously has none.
	awsevents.NewRule(stack, jsii.String("AsyncRule"), &awsevents.RuleProps{
		EventPattern: pattern,
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(bad, &awseventstargets.LambdaFunctionProps{
			DeadLetterQueue: dlq,
		})},
	})
	bad.AddEventSource(awslambdaeventsources.NewSqsEventSource(lonely, nil))
	good.Function.AddEventSource(awslambdaeventsources.NewSqsEventSource(guarded, nil))
	table := awsdynamodb.NewTable(stack, jsii.String("StreamTable"), &awsdynamodb.TableProps{
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String("id"), Type: awsdynamodb.AttributeType_STRING},
		Stream:       awsdynamodb.StreamViewType_NEW_IMAGE,
	})
	bad.AddEventSource(awslambdaeventsources.NewDynamoEventSource(table, &awslambdaeventsources.DynamoEventSourceProps{
		StartingPosition: awslambda.StartingPosition_TRIM_HORIZON,
	}))
	for _, st := range []*awsiam.PolicyStatementProps{
		{Actions: jsii.Strings("*"), Resources: jsii.Strings(*table.TableArn())},
		{Actions: jsii.Strings("s3:*"), Resources: jsii.Strings("arn:aws:s3:::bucket/*")},
		{Actions: jsii.Strings("s3:GetObject"), Resources: jsii.Strings("*")},
	} {
		bad.AddToRolePolicy(awsiam.NewPolicyStatement(st))
	}
	awscdk.Aspects_Of(app).Add(&infra.PolicyChecks{}, nil)

	findings := policyFindings(t, stack)
	want := []policyFinding{
		{"/Violations/BadFunction/Resource", "want provided.al2023"},
		{"/Violations/BadFunction/Resource", "want [arm64]"},
		{"/Violations/BadFunction/Resource", "tracing mode"},
		{"/Violations/BadFunction/Resource", "logs to no log group"},
		{"/Violations/BadFunction/Resource", "invoked asynchronously but has no DLQ"},
		{"/Violations/ForeverLogs/Resource", "has no retention"},
		{"/Violations/LonelyQueue/Resource", "has no dead-letter queue"},
		{"/Violations/BareTargetRule/Resource", "has no dead-letter queue"},
		{"/Violations/BadFunction/SqsEventSource:ViolationsLonelyQueue", "which has no DLQ"},
		{"/Violations/BadFunction/DynamoDBEventSource:ViolationsStreamTable", "no on-failure destination"},
		{"/Violations/BadFunction/ServiceRole/DefaultPolicy/Resource", `allows Action "*"`},
		{"/Violations/BadFunction/ServiceRole/DefaultPolicy/Resource", `allows Action "s3:*"`},
		{"/Violations/BadFunction/ServiceRole/DefaultPolicy/Resource", `allows s3:GetObject on Resource "*"`},
	}
	for _, w := range want {
		found := false
		for _, f := range findings {
			if strings.HasPrefix(f.path, w.path) && strings.Contains(f.message, w.message) {
				found = true
			}
		}
		if !found {
			t.Errorf("no finding %q on %s", w.message, w.path)
		}
	}
	for _, f := range findings {
		for _, compliant := range []string{"GoodFunction", "KeptDlq", "GuardedQueue", "AsyncRule"} {
			if strings.Contains(f.path, compliant) {
				t.Errorf("compliant %s reported: %s", compliant, f.message)
			}
		}
	}
	if t.Failed() {
		for _, f := range findings {
			t.Logf("finding on %s: %s", f.path, f.message)
		}
	}
}
