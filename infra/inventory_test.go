package infra_test

import (
	"maps"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	inventoryspec "github.com/microshop/microshop/functions/inventory/spec"
)

// Each inventory function may do exactly what its store calls need on the inventory table
// (functions/inventory/internal/ddb), and nothing on any other table; the publisher may read
// the table's stream and put events on the bus.
func TestInventoryPolicies(t *testing.T) {
	_, _, doc := synth(t)
	table := doc.table(t, "Inventory")
	tableARN := map[string]any{"Fn::GetAtt": []any{table, "Arn"}}
	bus := doc.ofType("AWS::Events::EventBus")[0]
	tests := []struct {
		name string
		want []statement
	}{
		{inventoryspec.SetStock, []statement{{[]string{"dynamodb:UpdateItem"}, tableARN}}},
		{inventoryspec.GetStock, []statement{{[]string{"dynamodb:GetItem"}, tableARN}}},
		{inventoryspec.ReserveStock, []statement{{[]string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}, tableARN}}},
		{inventoryspec.ReleaseStock, []statement{{[]string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}, tableARN}}},
		{inventoryspec.CommitStock, []statement{{[]string{"dynamodb:GetItem", "dynamodb:UpdateItem"}, tableARN}}},
		{inventoryspec.PublishEvents, []statement{
			// ListStreams has no resource type in IAM (suppressed IAM5, see outbox.go); the
			// policy merges it with active tracing's X-Ray actions on "*".
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

// The inventory's routes, pinned literally: both behind the JWT authorizer (the handlers then
// require the admin group).
func TestInventoryRoutes(t *testing.T) {
	_, _, doc := synth(t)
	want := map[string]routeView{
		"PUT /inventory/{productId}": {"inventory-set-stock", true},
		"GET /inventory/{productId}": {"inventory-get-stock", true},
	}
	got := doc.routes(t)
	maps.DeleteFunc(got, func(_ string, r routeView) bool { return !strings.HasPrefix(r.Function, "inventory-") })
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("inventory route key -> function, authorized (-want +got):\n%s", diff)
	}
}
