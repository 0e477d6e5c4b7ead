package infra_test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/google/go-cmp/cmp"

	ordersspec "github.com/microshop/microshop/functions/orders/spec"
	"github.com/microshop/microshop/infra"
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
		// Read the order, claim its email (conditional put), release the claim (delete).
		{ordersspec.SendConfirmation, idempotent},
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

// mailFromStack is the Microshop stack deployed with -c mailFrom.
var mailFromStack synthesis

// sesIdentity returns the identity ARN suffix of the function's ses:SendEmail statement
// (the one statement allowed, on one resource) and its MAIL_FROM.
func sesIdentity(t *testing.T, doc template) (identity, mailFrom string) {
	t.Helper()
	fnID := doc.function(t, ordersspec.SendConfirmation)
	var ses []statement
	for _, st := range doc.statements(t, fnID) {
		for _, a := range st.Actions {
			if strings.HasPrefix(a, "ses:") {
				ses = append(ses, st)
				break
			}
		}
	}
	if len(ses) != 1 || len(ses[0].Actions) != 1 || ses[0].Actions[0] != "ses:SendEmail" {
		t.Fatalf("SES statements %+v, want one allowing ses:SendEmail only", ses)
	}
	raw, _ := json.Marshal(ses[0].Resource)
	_, identity, _ = strings.Cut(string(raw), ":identity/")
	identity = strings.TrimSuffix(identity, `"]]}`)
	env, _ := doc.Resources[fnID].Properties["Environment"].(map[string]any)
	vars, _ := env["Variables"].(map[string]any)
	mailFrom, _ = vars[infra.MailFromEnv].(string)
	return identity, mailFrom
}

// The confirmation email is sent from the mailFrom identity only; without the context the
// function keeps its default sender (no MAIL_FROM) and may send as that default only.
func TestConfirmationSendsAsMailFromOnly(t *testing.T) {
	_, _, doc := synth(t)
	identity, from := sesIdentity(t, doc)
	if identity != "no-reply@microshop.local" || from != "" {
		t.Errorf("without mailFrom: identity %q MAIL_FROM %q, want the default sender's identity and no MAIL_FROM", identity, from)
	}
	_, _, doc = mailFromStack.get(t, map[string]any{infra.MailFromContext: "Shop <shop@example.com>"}, func(app awscdk.App) awscdk.Stack {
		return infra.NewMicroshopStack(app, infra.StackName, &infra.MicroshopStackProps{AssetRoot: assetRoot, SiteDir: siteDir})
	})
	identity, from = sesIdentity(t, doc)
	if identity != "shop@example.com" || from != "Shop <shop@example.com>" {
		t.Errorf("with mailFrom: identity %q MAIL_FROM %q, want shop@example.com and the sender as given", identity, from)
	}
}

// The confirmation consumer may read single users of the shop's user pool and nothing
// else of Cognito (an order placed with an access token has no email), and is told the pool.
func TestConfirmationReadsUsersOfTheShopPoolOnly(t *testing.T) {
	_, _, doc := synth(t)
	pools := doc.ofType("AWS::Cognito::UserPool")
	if len(pools) != 1 {
		t.Fatalf("%d user pools, want 1", len(pools))
	}
	fnID := doc.function(t, ordersspec.SendConfirmation)
	var got []statement
	for _, st := range doc.statements(t, fnID) {
		for _, a := range st.Actions {
			if strings.HasPrefix(a, "cognito-idp:") {
				got = append(got, st)
				break
			}
		}
	}
	want := []statement{{[]string{"cognito-idp:AdminGetUser"}, map[string]any{"Fn::GetAtt": []any{pools[0], "Arn"}}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Cognito statements (-want +got):\n%s", diff)
	}
	env, _ := doc.Resources[fnID].Properties["Environment"].(map[string]any)
	vars, _ := env["Variables"].(map[string]any)
	if diff := cmp.Diff(map[string]any{"Ref": pools[0]}, vars[infra.UserPoolEnv]); diff != "" {
		t.Errorf("%s (-want +got):\n%s", infra.UserPoolEnv, diff)
	}
}
