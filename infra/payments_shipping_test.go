package infra_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	paymentsspec "github.com/microshop/microshop/functions/payments/spec"
	shippingspec "github.com/microshop/microshop/functions/shipping/spec"
)

// Each payments and shipping function may do exactly what its store calls need on its own
// service's table (functions/<svc>/internal/ddb: GetItem, and TransactWriteItems of Puts);
// the quote, a pure price rule, may touch no table. Statements on queues, streams, the bus and
// logs are the Consumer's, Outbox's and TestFunctionRoles's business.
func TestPaymentsShippingTableGrants(t *testing.T) {
	_, _, doc := synth(t)
	onTable := func(svc string, actions ...string) []statement {
		return []statement{{actions, map[string]any{"Fn::GetAtt": []any{doc.table(t, svc), "Arn"}}}}
	}
	tests := []struct {
		name string
		want []statement
	}{
		{paymentsspec.GetPayment, onTable("Payments", "dynamodb:GetItem")},
		{paymentsspec.Charge, onTable("Payments", "dynamodb:GetItem", "dynamodb:PutItem")},
		{paymentsspec.Refund, onTable("Payments", "dynamodb:GetItem", "dynamodb:PutItem")},
		{paymentsspec.PublishEvents, nil},
		{shippingspec.Quote, nil},
		{shippingspec.GetShipment, onTable("Shipping", "dynamodb:GetItem")},
		{shippingspec.DeliverShipment, onTable("Shipping", "dynamodb:GetItem", "dynamodb:PutItem")},
		{shippingspec.CreateShipment, onTable("Shipping", "dynamodb:GetItem", "dynamodb:PutItem")},
		{shippingspec.CancelShipment, onTable("Shipping", "dynamodb:GetItem", "dynamodb:PutItem")},
		{shippingspec.PublishEvents, nil},
	}
	streamActions := map[string]bool{"dynamodb:ListStreams": true, "dynamodb:DescribeStream": true,
		"dynamodb:GetRecords": true, "dynamodb:GetShardIterator": true}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []statement
			for _, st := range doc.statements(t, doc.function(t, tt.name)) {
				if strings.HasPrefix(st.Actions[0], "dynamodb:") && !streamActions[st.Actions[0]] {
					sort.Strings(st.Actions)
					got = append(got, st)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DynamoDB item statements (-want +got):\n%s", diff)
			}
		})
	}
}
