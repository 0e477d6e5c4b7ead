package runtime_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/runtime"
	"github.com/microshop/microshop/local/sdk"
)

// The template's region is eu-west-1 here; us-west-2 is another region.
const (
	homeRegion  = "eu-west-1"
	otherRegion = "us-west-2"
)

type regionClients struct {
	ddb    *dynamodb.Client
	sqs    *sqs.Client
	events *eventbridge.Client
	logs   *cloudwatchlogs.Client
}

func clientsIn(endpoint, region string) regionClients {
	ep := aws.String(endpoint)
	return regionClients{
		ddb:    dynamodb.New(dynamodb.Options{Region: region, BaseEndpoint: ep, Credentials: sdk.Credentials}),
		sqs:    sqs.New(sqs.Options{Region: region, BaseEndpoint: ep, Credentials: sdk.Credentials}),
		events: eventbridge.New(eventbridge.Options{Region: region, BaseEndpoint: ep, Credentials: sdk.Credentials}),
		logs:   cloudwatchlogs.New(cloudwatchlogs.Options{Region: region, BaseEndpoint: ep, Credentials: sdk.Credentials}),
	}
}

func TestRegionsKeepTheirOwnResources(t *testing.T) {
	rt := start(t, runtime.Config{Region: homeRegion, APIAddr: "", Functions: []string{"EchoFn5E6F7A8B"}})
	ctx := context.Background()
	home, other := clientsIn(rt.EdgeURL(), homeRegion), clientsIn(rt.EdgeURL(), otherRegion)

	t.Run("the template's table is in its region only", func(t *testing.T) {
		out, err := home.ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Things1A2B3C4D")})
		if err != nil {
			t.Fatalf("DescribeTable in %s: %v", homeRegion, err)
		}
		if want := "arn:aws:dynamodb:" + homeRegion + ":000000000000:table/Things1A2B3C4D"; aws.ToString(out.Table.TableArn) != want {
			t.Errorf("TableArn = %s, want %s", aws.ToString(out.Table.TableArn), want)
		}
		_, err = other.ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Things1A2B3C4D")})
		var nf *ddbtypes.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Errorf("DescribeTable in %s: %v, want ResourceNotFoundException", otherRegion, err)
		}
	})

	t.Run("same table name, different data", func(t *testing.T) {
		// The home region has the template's table; make one of the same name elsewhere.
		out, err := other.ddb.CreateTable(ctx, &dynamodb.CreateTableInput{
			TableName:            aws.String("Things1A2B3C4D"),
			AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
			KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
			BillingMode:          ddbtypes.BillingModePayPerRequest,
		})
		if err != nil {
			t.Fatalf("CreateTable in %s: %v", otherRegion, err)
		}
		if want := "arn:aws:dynamodb:" + otherRegion + ":000000000000:table/Things1A2B3C4D"; aws.ToString(out.TableDescription.TableArn) != want {
			t.Errorf("TableArn = %s, want %s", aws.ToString(out.TableDescription.TableArn), want)
		}
		for _, c := range []struct {
			db     *dynamodb.Client
			region string
		}{{home.ddb, homeRegion}, {other.ddb, otherRegion}} {
			_, err := c.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Things1A2B3C4D"), Item: map[string]ddbtypes.AttributeValue{
				"pk": &ddbtypes.AttributeValueMemberS{Value: "k"}, "region": &ddbtypes.AttributeValueMemberS{Value: c.region},
			}})
			if err != nil {
				t.Fatalf("PutItem in %s: %v", c.region, err)
			}
		}
		for _, c := range []struct {
			db     *dynamodb.Client
			region string
		}{{home.ddb, homeRegion}, {other.ddb, otherRegion}} {
			got, err := c.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("Things1A2B3C4D"), Key: map[string]ddbtypes.AttributeValue{
				"pk": &ddbtypes.AttributeValueMemberS{Value: "k"},
			}})
			if err != nil {
				t.Fatalf("GetItem in %s: %v", c.region, err)
			}
			if v, _ := got.Item["region"].(*ddbtypes.AttributeValueMemberS); v == nil || v.Value != c.region {
				t.Errorf("item in %s says %v, want its own region", c.region, got.Item["region"])
			}
		}
	})

	t.Run("same queue name, different messages, regional URLs and ARNs", func(t *testing.T) {
		urls := map[string]string{}
		for region, c := range map[string]*sqs.Client{homeRegion: home.sqs, otherRegion: other.sqs} {
			out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("jobs")})
			if err != nil {
				t.Fatalf("CreateQueue in %s: %v", region, err)
			}
			urls[region] = aws.ToString(out.QueueUrl)
			if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: out.QueueUrl, MessageBody: aws.String("from " + region)}); err != nil {
				t.Fatalf("SendMessage in %s: %v", region, err)
			}
		}
		wantURLs := map[string]string{
			homeRegion:  rt.EdgeURL() + "/000000000000/jobs",
			otherRegion: rt.EdgeURL() + "/queue/" + otherRegion + "/000000000000/jobs",
		}
		if diff := cmp.Diff(wantURLs, urls); diff != "" {
			t.Errorf("queue URLs (-want +got):\n%s", diff)
		}
		for region, c := range map[string]*sqs.Client{homeRegion: home.sqs, otherRegion: other.sqs} {
			attrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(urls[region]),
				AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn, sqstypes.QueueAttributeNameApproximateNumberOfMessages}})
			if err != nil {
				t.Fatalf("GetQueueAttributes in %s: %v", region, err)
			}
			want := map[string]string{"QueueArn": "arn:aws:sqs:" + region + ":000000000000:jobs", "ApproximateNumberOfMessages": "1"}
			if diff := cmp.Diff(want, attrs.Attributes); diff != "" {
				t.Errorf("%s attributes (-want +got):\n%s", region, diff)
			}
			got, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(urls[region])})
			if err != nil || len(got.Messages) != 1 || aws.ToString(got.Messages[0].Body) != "from "+region {
				t.Errorf("ReceiveMessage in %s: %v %+v, want the message sent there", region, err, got)
			}
		}
	})

	t.Run("a rule of another region delivers to that region's queue", func(t *testing.T) {
		q, err := other.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("taps")})
		if err != nil {
			t.Fatal(err)
		}
		rule, err := other.events.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("tap"), EventPattern: aws.String(`{"source":["regions.test"]}`)})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(aws.ToString(rule.RuleArn), "arn:aws:events:"+otherRegion+":") {
			t.Errorf("RuleArn = %s, want it in %s", aws.ToString(rule.RuleArn), otherRegion)
		}
		if _, err := other.events.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("tap"), Targets: []ebtypes.Target{
			{Id: aws.String("q"), Arn: aws.String("arn:aws:sqs:" + otherRegion + ":000000000000:taps")},
		}}); err != nil {
			t.Fatal(err)
		}
		// The home region has no such rule: its bus is another bus.
		if _, err := home.events.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("tap")}); err == nil {
			t.Errorf("DescribeRule in %s found the rule of %s", homeRegion, otherRegion)
		}
		if _, err := other.events.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
			{Source: aws.String("regions.test"), DetailType: aws.String("t"), Detail: aws.String(`{}`)},
		}}); err != nil {
			t.Fatal(err)
		}
		got, err := other.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, WaitTimeSeconds: 5})
		if err != nil || len(got.Messages) != 1 || !strings.Contains(aws.ToString(got.Messages[0].Body), `"region":"`+otherRegion+`"`) {
			t.Errorf("the tapped event: %v %+v, want one event of %s", err, got, otherRegion)
		}

		// A target that cannot be reached sends the event to its dead-letter queue in the
		// rule's region, with EventBridge's attributes.
		dlq, err := other.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("tap-dlq")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := other.events.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("tap"), Targets: []ebtypes.Target{{
			Id: aws.String("nowhere"), Arn: aws.String("arn:aws:lambda:" + otherRegion + ":000000000000:function:nowhere"),
			RetryPolicy:      &ebtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(0)},
			DeadLetterConfig: &ebtypes.DeadLetterConfig{Arn: aws.String("arn:aws:sqs:" + otherRegion + ":000000000000:tap-dlq")},
		}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := other.events.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
			{Source: aws.String("regions.test"), DetailType: aws.String("t"), Detail: aws.String(`{}`)},
		}}); err != nil {
			t.Fatal(err)
		}
		dead, err := other.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: dlq.QueueUrl, WaitTimeSeconds: 10, MessageAttributeNames: []string{"All"}})
		if err != nil || len(dead.Messages) != 1 || aws.ToString(dead.Messages[0].MessageAttributes["RULE_ARN"].StringValue) != aws.ToString(rule.RuleArn) {
			t.Errorf("the dead-lettered event: %v %+v, want one with RULE_ARN %s", err, dead, aws.ToString(rule.RuleArn))
		}
	})

	t.Run("the functions' log groups are in the template's region only", func(t *testing.T) {
		for region, c := range map[string]*cloudwatchlogs.Client{homeRegion: home.logs, otherRegion: other.logs} {
			out, err := c.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/aws/lambda/")})
			if err != nil {
				t.Fatal(err)
			}
			var arns []string
			for _, g := range out.LogGroups {
				arns = append(arns, aws.ToString(g.Arn))
			}
			var want []string
			if region == homeRegion {
				want = []string{"arn:aws:logs:" + homeRegion + ":000000000000:log-group:/aws/lambda/echo:*"}
			}
			if diff := cmp.Diff(want, arns); diff != "" {
				t.Errorf("%s log groups (-want +got):\n%s", region, diff)
			}
		}
	})

	t.Run("STS answers with the template's account whatever the region", func(t *testing.T) {
		for _, region := range []string{homeRegion, otherRegion} {
			c := sts.New(sts.Options{Region: region, BaseEndpoint: aws.String(rt.EdgeURL()), Credentials: sdk.Credentials})
			out, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if err != nil {
				t.Fatalf("GetCallerIdentity in %s: %v", region, err)
			}
			if got, want := aws.ToString(out.Arn), "arn:aws:iam::"+rt.Model().AccountID+":root"; aws.ToString(out.Account) != rt.Model().AccountID || got != want {
				t.Errorf("GetCallerIdentity in %s = %s %s, want %s %s", region, aws.ToString(out.Account), got, rt.Model().AccountID, want)
			}
		}
	})
}
