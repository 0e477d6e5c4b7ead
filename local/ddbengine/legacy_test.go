package ddbengine

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
)

// TestLegacyConditionalOperatorOR covers the legacy corners where dynalite departs from
// DynamoDB, which the differential generator therefore avoids (README.md): OR over several
// conditions, and Exists:true together with Value.
func TestLegacyConditionalOperatorOR(t *testing.T) {
	ctx := context.Background()
	_, c, _ := newTestEngine(t, Options{})
	createOrders(t, c)
	putItems(t, c, "orders",
		map[string]types.AttributeValue{"id": s("a"), "x": n("1")},
		map[string]types.AttributeValue{"id": s("b"), "x": n("2"), "y": s("yes")})
	eq := func(v types.AttributeValue) types.ExpectedAttributeValue {
		return types.ExpectedAttributeValue{ComparisonOperator: types.ComparisonOperatorEq, AttributeValueList: []types.AttributeValue{v}}
	}
	null := types.ExpectedAttributeValue{ComparisonOperator: types.ComparisonOperatorNull}
	tests := []struct {
		name     string
		expected map[string]types.ExpectedAttributeValue
		op       types.ConditionalOperator
		want     apiErr
	}{
		{"OR, only the second holds", map[string]types.ExpectedAttributeValue{"x": eq(n("2")), "y": null}, types.ConditionalOperatorOr, apiErr{}},
		{"OR, none holds", map[string]types.ExpectedAttributeValue{"x": eq(n("2")), "id": null}, types.ConditionalOperatorOr,
			apiErr{"ConditionalCheckFailedException", "The conditional request failed"}},
		{"AND, only the second holds", map[string]types.ExpectedAttributeValue{"x": eq(n("2")), "y": null}, types.ConditionalOperatorAnd,
			apiErr{"ConditionalCheckFailedException", "The conditional request failed"}},
		{"Exists with a different Value", map[string]types.ExpectedAttributeValue{"x": {Exists: aws.Bool(true), Value: n("2")}}, "",
			apiErr{"ConditionalCheckFailedException", "The conditional request failed"}},
		{"Exists with the same Value", map[string]types.ExpectedAttributeValue{"x": {Exists: aws.Bool(true), Value: n("1")}}, "", apiErr{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("orders"), Key: map[string]types.AttributeValue{"id": s("a")},
				AttributeUpdates: map[string]types.AttributeValueUpdate{"touched": {Action: types.AttributeActionAdd, Value: n("1")}},
				Expected:         tt.expected, ConditionalOperator: tt.op})
			if diff := cmp.Diff(tt.want, toAPIErr(t, err)); diff != "" {
				t.Errorf("UpdateItem (-want +got):\n%s", diff)
			}
		})
	}

	out, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("orders"), ConditionalOperator: types.ConditionalOperatorOr,
		ScanFilter: map[string]types.Condition{
			"x": {ComparisonOperator: types.ComparisonOperatorEq, AttributeValueList: []types.AttributeValue{n("7")}},
			"y": {ComparisonOperator: types.ComparisonOperatorNotNull},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"b"}, ids(out.Items)); diff != "" {
		t.Errorf("Scan with ScanFilter OR (-want +got):\n%s", diff)
	}
}
