package api_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/functions/catalog/internal/api"
	"github.com/microshop/microshop/functions/catalog/internal/ddb"
	"github.com/microshop/microshop/functions/catalog/internal/product"
	"github.com/microshop/microshop/local/ddbtest"
	"github.com/microshop/microshop/shared/httpapi"
	"github.com/microshop/microshop/shared/idempotency"
)

// POST /products with an Idempotency-Key creates one product however often it is sent: the
// create function (behind the Lambda adapter, as deployed) replays the first response. Every
// run would assign a fresh id, so a second execution could not hide.
func TestCreateProductIdempotent(t *testing.T) {
	client := ddbtest.Client(t)
	const table = "catalog"
	if _, err := client.CreateTable(context.Background(), ddb.CreateTableInput(table)); err != nil {
		t.Fatal(err)
	}
	store := ddb.New(client, table)
	var ids atomic.Int32
	h, err := api.Handler(api.RouteCreateProduct, api.Deps{
		Store:       store,
		Idempotency: idempotency.NewStore(client, table, idempotency.PartitionKey("id")),
		NewID:       func() product.ID { return product.ID(fmt.Sprintf("%032x", ids.Add(1))) },
	})
	if err != nil {
		t.Fatal(err)
	}
	fn := httpapi.Lambda(h)
	post := func(sub, key, body string) events.APIGatewayV2HTTPResponse {
		t.Helper()
		resp, err := fn(context.Background(), events.APIGatewayV2HTTPRequest{
			RawPath: "/products", Body: body,
			Headers: map[string]string{"content-type": "application/json", "idempotency-key": key},
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				RequestID: "req-" + key, HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: http.MethodPost},
				Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
					JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": sub, "cognito:groups": "[admin]"}},
				},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	mug := `{"name":"Mug","category":"kitchen","price":{"amount":1450,"currency":"USD"}}`

	first := post("admin-1", "k1", mug)
	if first.StatusCode != http.StatusCreated || first.Headers["Location"] != "/products/"+fmt.Sprintf("%032x", 1) {
		t.Fatalf("first POST = %d %v %s", first.StatusCode, first.Headers, first.Body)
	}
	// The product's event names the request as its cause and its correlation.
	out, err := client.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "outbox#" + fmt.Sprintf("%032x", 1)}}})
	if err != nil {
		t.Fatal(err)
	}
	detail, _ := out.Item["outboxEvent"].(*types.AttributeValueMemberS)
	if detail == nil {
		t.Fatalf("no outbox event for the created product: %v", out.Item)
	}
	env, err := envelope.Decode([]byte(detail.Value))
	if err != nil {
		t.Fatal(err)
	}
	if env.Type != "ProductCreated" || env.CausationID != "req-k1" || env.CorrelationID != "req-k1" {
		t.Errorf("event %s: causation %q, correlation %q; want ProductCreated caused by and correlated to req-k1", env.Type, env.CausationID, env.CorrelationID)
	}

	again := post("admin-1", "k1", mug)
	want := first
	want.Headers = map[string]string{
		"Content-Type": first.Headers["Content-Type"], "Location": first.Headers["Location"], "Etag": first.Headers["Etag"],
		"Idempotent-Replayed": "true",
	}
	if diff := cmp.Diff(want, again); diff != "" {
		t.Errorf("retried POST (-want +got):\n%s", diff)
	}
	if got := post("admin-1", "k1", `{"name":"Cup","category":"kitchen","price":{"amount":900,"currency":"USD"}}`); got.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("same key, other product: %d %s, want 422", got.StatusCode, got.Body)
	}
	if got := post("admin-2", "k1", mug); got.StatusCode != http.StatusCreated || got.Headers["Location"] == first.Headers["Location"] {
		t.Errorf("another admin's equal key: %d %v, want a second product", got.StatusCode, got.Headers)
	}

	q, err := product.NewListQuery("", 10, "")
	if err != nil {
		t.Fatal(err)
	}
	page, err := store.List(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Products) != 2 {
		t.Errorf("the catalog holds %d products, want 2 (one per admin)", len(page.Products))
	}
}
