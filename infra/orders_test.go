package infra_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	ordersspec "github.com/microshop/microshop/functions/orders/spec"
)

// TestOrdersFunctionPolicies pins every orders function's DynamoDB grants exactly (the other
// statements come from the shared constructs: the consumers' queue, the publisher's stream).
func TestOrdersFunctionPolicies(t *testing.T) {
	_, _, doc := synth(t)
	table := doc.table(t, "Orders")
	tableARN := map[string]any{"Fn::GetAtt": []any{table, "Arn"}}
	index := func(name string) any {
		return map[string]any{"Fn::Join": []any{"", []any{tableARN, "/index/" + name}}}
	}
	// CDK sorts a statement's resources.
	idempotent := []statement{{[]string{"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"}, tableARN}}
	tests := []struct {
		name string
		want []statement
	}{
		{ordersspec.PlaceOrder, idempotent},
		{ordersspec.CancelOrder, idempotent},
		{ordersspec.GetOrder, []statement{{[]string{"dynamodb:GetItem"}, tableARN}}},
		{ordersspec.ListOrders, []statement{{[]string{"dynamodb:Query"}, index(ordersspec.IndexByCustomer)}}},
		{ordersspec.AdminListOrders, []statement{
			{[]string{"dynamodb:Query"}, []any{index(ordersspec.IndexByNewest), index(ordersspec.IndexByStatus)}},
		}},
		{ordersspec.OnSaga, []statement{{[]string{"dynamodb:GetItem", "dynamodb:PutItem"}, tableARN}}},
		{ordersspec.OnProduct, []statement{{[]string{"dynamodb:PutItem"}, tableARN}}},
		{ordersspec.OnCart, []statement{{[]string{"dynamodb:PutItem"}, tableARN}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []statement
			for _, st := range doc.statements(t, doc.function(t, tt.name)) {
				sort.Strings(st.Actions)
				if strings.HasPrefix(st.Actions[0], "dynamodb:") {
					got = append(got, st)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DynamoDB statements (-want +got):\n%s", diff)
			}
		})
	}
}
