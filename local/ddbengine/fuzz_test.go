package ddbengine

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzExpressions runs arbitrary expressions through the engine's request path (parse,
// validate, evaluate) as every operation that takes one: nothing panics, and a refusal is a
// 400 with a ValidationException or ConditionalCheckFailedException, never a 500.
func FuzzExpressions(f *testing.F) {
	e := New(Options{})
	f.Cleanup(func() { e.Close() })
	create := `{"TableName":"fuzz","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],
		"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]}`
	if status, body := e.Do("DynamoDB_20120810.CreateTable", []byte(create)); status != 200 {
		f.Fatalf("create table: %d %s", status, body)
	}
	put := `{"TableName":"fuzz","Item":{"pk":{"S":"a"},"sk":{"N":"1"},"name":{"S":"mug"},"n":{"N":"5"},"l":{"L":[{"S":"x"},{"N":"2"}]},"m":{"M":{"k":{"SS":["a","b"]}}}}}`
	if status, body := e.Do("DynamoDB_20120810.PutItem", []byte(put)); status != 200 {
		f.Fatalf("put: %d %s", status, body)
	}
	for _, s := range []struct {
		op   uint8
		expr string
	}{
		{0, "SET #n = :s, n = n + :n REMOVE l[1] ADD m.k :ss DELETE m.k :ss"},
		{0, "SET l = list_append(if_not_exists(l, :l), :l)"},
		{1, "attribute_exists(#n) AND (n BETWEEN :n AND :n OR begins_with(#n, :s)) AND NOT contains(l, :s)"},
		{1, "size(m.k) > :n AND attribute_type(#n, :s) AND n IN (:n, :n)"},
		{2, "pk = :s AND sk >= :n"},
		{2, "pk = :s AND begins_with(sk, :s)"},
		{3, "#n, l[0], m.k"},
	} {
		f.Add(s.op, s.expr)
	}
	f.Fuzz(func(t *testing.T, op uint8, expr string) {
		quoted, err := json.Marshal(expr)
		if err != nil {
			return
		}
		const names = `"ExpressionAttributeNames":{"#n":"name"}`
		const values = `"ExpressionAttributeValues":{":s":{"S":"mug"},":n":{"N":"1"},":ss":{"SS":["a"]},":l":{"L":[{"S":"y"}]}}`
		var target, body string
		switch op % 5 {
		case 0:
			target, body = "UpdateItem", `{"TableName":"fuzz","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"UpdateExpression":`+string(quoted)+`,`+names+`,`+values+`}`
		case 1:
			target, body = "PutItem", `{"TableName":"fuzz","Item":{"pk":{"S":"a"},"sk":{"N":"1"},"name":{"S":"mug"}},"ConditionExpression":`+string(quoted)+`,`+names+`,`+values+`}`
		case 2:
			target, body = "Query", `{"TableName":"fuzz","KeyConditionExpression":`+string(quoted)+`,`+names+`,`+values+`}`
		case 3:
			target, body = "Scan", `{"TableName":"fuzz","ProjectionExpression":`+string(quoted)+`,`+names+`}`
		default:
			target, body = "Scan", `{"TableName":"fuzz","FilterExpression":`+string(quoted)+`,`+names+`,`+values+`}`
		}
		status, resp := e.Do("DynamoDB_20120810."+target, []byte(body))
		if status == 200 {
			return
		}
		if status != 400 || !(strings.Contains(string(resp), "#ValidationException") || strings.Contains(string(resp), "#ConditionalCheckFailedException")) {
			t.Fatalf("%s with %q: %d %s, want 200 or a 400 ValidationException", target, expr, status, resp)
		}
	})
}
