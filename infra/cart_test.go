package infra_test

import (
	"maps"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	cartspec "github.com/microshop/microshop/functions/cart/spec"
)

// Each cart function may do exactly what its store calls need on the cart table
// (functions/cart/internal/ddb), and nothing else on any table or bus; the publisher may read
// the table's stream and put events on the bus.
func TestCartPolicies(t *testing.T) {
	_, _, doc := synth(t)
	table := doc.table(t, "Cart")
	tableARN := map[string]any{"Fn::GetAtt": []any{table, "Arn"}}
	bus := doc.ofType("AWS::Events::EventBus")[0]
	read := []string{"dynamodb:BatchGetItem", "dynamodb:GetItem"}
	write := []string{"dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem"}
	tests := []struct {
		name string
		want []statement
	}{
		{cartspec.GetCart, []statement{{read, tableARN}}},
		{cartspec.PutItem, []statement{{write, tableARN}}},
		{cartspec.RemoveItem, []statement{{write, tableARN}}},
		{cartspec.ClearCart, []statement{{[]string{"dynamodb:GetItem", "dynamodb:PutItem"}, tableARN}}},
		{cartspec.ApplyProductEvents, []statement{{[]string{"dynamodb:PutItem"}, tableARN}}},
		{cartspec.ClearOrdered, []statement{{[]string{"dynamodb:GetItem", "dynamodb:PutItem"}, tableARN}}},
		{cartspec.PublishEvents, []statement{
			// ListStreams and X-Ray's actions have no resource type in IAM (WildcardResourceActions).
			{[]string{"dynamodb:ListStreams", "xray:PutTelemetryRecords", "xray:PutTraceSegments"}, "*"},
			{[]string{"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"},
				map[string]any{"Fn::GetAtt": []any{table, "StreamArn"}}},
			{[]string{"events:PutEvents"}, map[string]any{"Fn::GetAtt": []any{bus, "Arn"}}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []statement
			for _, st := range doc.statements(t, doc.function(t, tt.name)) {
				if strings.HasPrefix(st.Actions[0], "dynamodb:") || strings.HasPrefix(st.Actions[0], "events:") {
					sort.Strings(st.Actions)
					got = append(got, st)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("table and bus statements (-want +got):\n%s", diff)
			}
		})
	}
}

// The cart's routes, pinned literally: every one behind the JWT authorizer.
func TestCartRoutes(t *testing.T) {
	_, _, doc := synth(t)
	want := map[string]routeView{
		"GET /cart":                      {"cart-get-cart", true},
		"PUT /cart/items/{productId}":    {"cart-put-item", true},
		"DELETE /cart/items/{productId}": {"cart-remove-item", true},
		"DELETE /cart":                   {"cart-clear-cart", true},
	}
	got := doc.routes(t)
	maps.DeleteFunc(got, func(_ string, r routeView) bool { return !strings.HasPrefix(r.Function, "cart-") })
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cart route key -> function, authorized (-want +got):\n%s", diff)
	}
}
