package ddbengine

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
)

// TestTableAdminMatchesDynalite replays UpdateTable validation and tagging requests on both
// engines and requires identical responses. UpdateTable's GSI Create/Delete are not compared:
// dynalite 4 accepts them but changes nothing (README.md), so those are tested on their own
// (updatetable_test.go).
func TestTableAdminMatchesDynalite(t *testing.T) {
	d := startDynalite(t)
	e := New(Options{TTLInterval: -1})
	defer e.Close()
	const tbl = "admin_t1"
	arn := "arn:aws:dynamodb:us-east-1:000000000000:table/" + tbl
	missing := "arn:aws:dynamodb:us-east-1:000000000000:table/admin_none"
	pt := map[string]any{"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
	tags := func(kv ...string) []any {
		var out []any
		for i := 0; i < len(kv); i += 2 {
			out = append(out, map[string]any{"Key": kv[i], "Value": kv[i+1]})
		}
		return out
	}
	ops := []op{
		{"CreateTable", map[string]any{"TableName": tbl, "AttributeDefinitions": []any{ad("pk", "S")}, "KeySchema": []any{ks("pk", "HASH")}, "ProvisionedThroughput": pt}},
		{"CreateTable", map[string]any{"TableName": "admin_t2", "AttributeDefinitions": []any{ad("pk", "S")}, "KeySchema": []any{ks("pk", "HASH")}, "BillingMode": "PAY_PER_REQUEST"}},

		// UpdateTable: request validation, then the table lookup.
		{"UpdateTable", map[string]any{"TableName": tbl}},
		{"UpdateTable", map[string]any{"TableName": tbl, "GlobalSecondaryIndexUpdates": []any{}}},
		{"UpdateTable", map[string]any{"TableName": tbl, "GlobalSecondaryIndexUpdates": []any{map[string]any{}}}},
		{"UpdateTable", map[string]any{"TableName": tbl, "GlobalSecondaryIndexUpdates": []any{
			map[string]any{"Delete": map[string]any{"IndexName": "idx"}}, map[string]any{"Delete": map[string]any{"IndexName": "idx"}}}}},
		{"UpdateTable", map[string]any{"TableName": tbl, "BillingMode": "PROVISIONED"}},
		{"UpdateTable", map[string]any{"TableName": tbl, "ProvisionedThroughput": map[string]any{"ReadCapacityUnits": 1e13, "WriteCapacityUnits": 5}}},
		{"UpdateTable", map[string]any{"TableName": tbl, "ProvisionedThroughput": map[string]any{"ReadCapacityUnits": 0, "WriteCapacityUnits": 5}}},
		{"UpdateTable", map[string]any{"TableName": tbl, "BillingMode": "FREE"}},
		{"UpdateTable", map[string]any{"TableName": "admin_none", "BillingMode": "PAY_PER_REQUEST"}},
		{"UpdateTable", map[string]any{"TableName": "admin_t2", "ProvisionedThroughput": pt}},

		// Tagging.
		{"TagResource", map[string]any{"ResourceArn": arn, "Tags": tags("b", "2", "a", "1")}},
		{"ListTagsOfResource", map[string]any{"ResourceArn": arn}},
		{"TagResource", map[string]any{"ResourceArn": arn, "Tags": tags("a", "3", "c", "")}},
		{"ListTagsOfResource", map[string]any{"ResourceArn": arn}},
		{"UntagResource", map[string]any{"ResourceArn": arn, "TagKeys": []any{"b", "zz"}}},
		{"ListTagsOfResource", map[string]any{"ResourceArn": arn}},
		{"TagResource", map[string]any{"ResourceArn": missing, "Tags": tags("a", "1")}},
		{"UntagResource", map[string]any{"ResourceArn": missing, "TagKeys": []any{"a"}}},
		{"ListTagsOfResource", map[string]any{"ResourceArn": missing}},
		{"TagResource", map[string]any{"Tags": tags("a", "1")}},
		{"TagResource", map[string]any{"ResourceArn": arn}},
		{"TagResource", map[string]any{"ResourceArn": arn, "Tags": []any{}}},
		{"TagResource", map[string]any{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/x", "Tags": tags("a", "1")}},
		{"UntagResource", map[string]any{"ResourceArn": arn}},
		{"UntagResource", map[string]any{"ResourceArn": arn, "TagKeys": []any{}}},
		{"ListTagsOfResource", map[string]any{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/x"}},
		{"ListTagsOfResource", map[string]any{}},
		{"ListTagsOfResource", map[string]any{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/admin_t2"}},

		{"DeleteTable", map[string]any{"TableName": tbl}},
		{"DeleteTable", map[string]any{"TableName": "admin_t2"}},
	}
	for i, o := range ops {
		if err := compareOp(d, e, o, nil); err != nil {
			t.Errorf("op %d %s: %v", i, o.target, err)
		}
	}
}

func TestTags(t *testing.T) {
	ctx := context.Background()
	_, c, _ := newTestEngine(t, Options{})
	createOrders(t, c)
	arn := "arn:aws:dynamodb:us-east-1:000000000000:table/orders"
	tag := func(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }
	list := func() []types.Tag {
		t.Helper()
		out, err := c.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		return out.Tags
	}
	opt := cmp.AllowUnexported(types.Tag{})
	if _, err := c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{tag("team", "orders"), tag("env", "dev")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{tag("env", "prod")}}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]types.Tag{tag("env", "prod"), tag("team", "orders")}, list(), opt); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	if _, err := c.UntagResource(ctx, &dynamodb.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]types.Tag{tag("team", "orders")}, list(), opt); diff != "" {
		t.Errorf("tags after untag (-want +got):\n%s", diff)
	}

	long := func(n int) string { return strings.Repeat("k", n) }
	tests := []struct {
		name string
		call func() error
		want apiErr
	}{
		{"unknown table", func() error {
			_, err := c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(arn + "x"), Tags: []types.Tag{tag("a", "b")}})
			return err
		}, apiErr{"ResourceNotFoundException", "Requested resource not found: ResourcArn: " + arn + "x not found"}},
		{"unknown table on untag", func() error {
			_, err := c.UntagResource(ctx, &dynamodb.UntagResourceInput{ResourceArn: aws.String(arn + "x"), TagKeys: []string{"a"}})
			return err
		}, apiErr{"ResourceNotFoundException", "Requested resource not found"}},
		{"other account", func() error {
			_, err := c.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String("arn:aws:dynamodb:us-east-1:111111111111:table/orders")})
			return err
		}, apiErr{"AccessDeniedException", "User: arn:aws:iam::000000000000:root is not authorized to perform: dynamodb:ListTagsOfResource on resource: arn:aws:dynamodb:us-east-1:111111111111:table/orders because no resource-based policy allows the dynamodb:ListTagsOfResource action"}},
		{"not a table ARN", func() error {
			_, err := c.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String("arn:aws:sqs:us-east-1:000000000000:queue/orders")})
			return err
		}, apiErr{"ValidationException", "Invalid TableArn: Invalid ResourceArn provided as input arn:aws:sqs:us-east-1:000000000000:queue/orders"}},
		{"key too long", func() error {
			_, err := c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{tag(long(129), "v")}})
			return err
		}, apiErr{"ValidationException", "1 validation error detected: Value '" + long(129) + "' at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128"}},
		{"empty key", func() error {
			_, err := c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{tag("ok", "v"), tag("", "v")}})
			return err
		}, apiErr{"ValidationException", "1 validation error detected: Value '' at 'tags.2.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1"}},
		{"value too long", func() error {
			_, err := c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{tag("k", long(257))}})
			return err
		}, apiErr{"ValidationException", "1 validation error detected: Value '" + long(257) + "' at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256"}},
		{"untag key too long", func() error {
			_, err := c.UntagResource(ctx, &dynamodb.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{long(129)}})
			return err
		}, apiErr{"ValidationException", "1 validation error detected: Value '" + long(129) + "' at 'tagKeys.1.member' failed to satisfy constraint: Member must have length less than or equal to 128"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, toAPIErr(t, tt.call())); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
	_, err := c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(arn + "x"), Tags: []types.Tag{tag("a", "b")}})
	if rnf := (*types.ResourceNotFoundException)(nil); !errors.As(err, &rnf) {
		t.Errorf("unknown table: %T, want *types.ResourceNotFoundException", err)
	}
	// Rejected requests leave the tags alone.
	if diff := cmp.Diff([]types.Tag{tag("team", "orders")}, list(), opt); diff != "" {
		t.Errorf("tags after rejected requests (-want +got):\n%s", diff)
	}
}
