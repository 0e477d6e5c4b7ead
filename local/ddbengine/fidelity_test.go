package ddbengine

// Tests for the last DynamoDB differences of issue 13: list-index updates, ReturnValues,
// table ARNs as names, local index fetches, on-demand descriptions, tags on foreign ARNs,
// the table state delay, backups and point-in-time recovery, DescribeLimits and
// DescribeEndpoints. They go through the AWS SDK (v2) against the engine over HTTP, and read
// raw bodies where the SDK would hide a difference (a member present but empty).

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

// apiCode returns the error code of an SDK error, or "" for nil.
func apiCode(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("not an API error: %v", err)
	}
	return ae.ErrorCode()
}

// apiMessage returns the message of an SDK API error.
func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

func createSimple(t *testing.T, c *dynamodb.Client, name string) {
	t.Helper()
	_, err := c.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func sv(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func strList(l ...string) *types.AttributeValueMemberL {
	out := &types.AttributeValueMemberL{Value: []types.AttributeValue{}}
	for _, s := range l {
		out.Value = append(out.Value, sv(s))
	}
	return out
}

// TestListIndexUpdates follows the developer guide (Update expressions, "Adding elements to a
// list" and "Removing elements from a list"): an element set past the end of a list is
// appended, several such elements are appended in order of their indexes whatever the order
// of the expression, and every index in one expression names the element at that index before
// the update, so REMOVE l[0], l[1] removes the first two elements.
func TestListIndexUpdates(t *testing.T) {
	_, c, _ := newTestEngine(t, Options{})
	createSimple(t, c, "lists")
	ctx := context.Background()
	tests := []struct {
		expr string
		want []string
	}{
		{"SET l[10] = :x", []string{"a", "b", "c", "x"}},
		{"SET l[5] = :x, l[3] = :y", []string{"a", "b", "c", "y", "x"}},
		{"SET l[3] = :y, l[5] = :x", []string{"a", "b", "c", "y", "x"}},
		{"SET l[9] = :x, l[1] = :y, l[4] = :z", []string{"a", "y", "c", "z", "x"}},
		{"REMOVE l[0], l[1]", []string{"c"}},
		{"REMOVE l[1], l[0]", []string{"c"}},
		{"REMOVE l[0], l[2]", []string{"b"}},
		{"REMOVE l[7]", []string{"a", "b", "c"}},
		{"SET l[1] = :x REMOVE l[0]", []string{"x", "c"}},
		{"REMOVE l[0] SET l[7] = :x, l[6] = :y", []string{"b", "c", "y", "x"}},
		{"REMOVE l[0], l[1], l[2] SET l[3] = :x", []string{"x"}},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			key := map[string]types.AttributeValue{"id": sv("k")}
			if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("lists"), Item: map[string]types.AttributeValue{"id": sv("k"), "l": strList("a", "b", "c")}}); err != nil {
				t.Fatal(err)
			}
			vals := map[string]types.AttributeValue{}
			for _, p := range []string{":x", ":y", ":z"} {
				if strings.Contains(tt.expr, p) {
					vals[p] = sv(p[1:])
				}
			}
			in := &dynamodb.UpdateItemInput{TableName: aws.String("lists"), Key: key, UpdateExpression: aws.String(tt.expr), ReturnValues: types.ReturnValueAllNew}
			if len(vals) > 0 {
				in.ExpressionAttributeValues = vals
			}
			out, err := c.UpdateItem(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, v := range out.Attributes["l"].(*types.AttributeValueMemberL).Value {
				got = append(got, v.(*types.AttributeValueMemberS).Value)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("l after %q (-want +got):\n%s", tt.expr, diff)
			}
		})
	}
}

// TestReturnValuesFidelity: DeleteItem accepts only ALL_OLD and NONE (DynamoDB's message, as
// PutItem's), and UpdateItem leaves Attributes out when there is nothing to return.
func TestReturnValuesFidelity(t *testing.T) {
	e, c, _ := newTestEngine(t, Options{})
	createSimple(t, c, "rvt")
	ctx := context.Background()
	key := map[string]types.AttributeValue{"id": sv("k")}
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("rvt"), Item: map[string]types.AttributeValue{"id": sv("k"), "a": sv("x")}}); err != nil {
		t.Fatal(err)
	}
	for _, rv := range []types.ReturnValue{types.ReturnValueAllNew, types.ReturnValueUpdatedNew, types.ReturnValueUpdatedOld} {
		_, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("rvt"), Key: key, ReturnValues: rv})
		if apiCode(t, err) != "ValidationException" || apiMessage(err) != "ReturnValues can only be ALL_OLD or NONE" {
			t.Errorf("DeleteItem ReturnValues=%s: %v", rv, err)
		}
	}
	// The item is still there: the rejected deletes changed nothing.
	if g, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("rvt"), Key: key}); err != nil || g.Item == nil {
		t.Fatalf("item after rejected deletes = %v, %v", g, err)
	}

	tests := []struct {
		name, body string
		wantAttrs  bool
	}{
		{"UPDATED_NEW of a REMOVE", `{"TableName":"rvt","Key":{"id":{"S":"k"}},"UpdateExpression":"REMOVE a","ReturnValues":"UPDATED_NEW"}`, false},
		{"UPDATED_OLD of an absent attribute", `{"TableName":"rvt","Key":{"id":{"S":"k"}},"UpdateExpression":"SET b = :v","ExpressionAttributeValues":{":v":{"S":"1"}},"ReturnValues":"UPDATED_OLD"}`, false},
		{"UPDATED_NEW of a SET", `{"TableName":"rvt","Key":{"id":{"S":"k"}},"UpdateExpression":"SET c = :v","ExpressionAttributeValues":{":v":{"S":"1"}},"ReturnValues":"UPDATED_NEW"}`, true},
		{"ALL_OLD of a new item", `{"TableName":"rvt","Key":{"id":{"S":"new"}},"UpdateExpression":"SET c = :v","ExpressionAttributeValues":{":v":{"S":"1"}},"ReturnValues":"ALL_OLD"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, body := e.Do("DynamoDB_20120810.UpdateItem", []byte(tt.body))
			if st != 200 {
				t.Fatalf("UpdateItem = %d %s", st, body)
			}
			var m map[string]json.RawMessage
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatal(err)
			}
			if _, ok := m["Attributes"]; ok != tt.wantAttrs {
				t.Errorf("response %s: Attributes present = %v, want %v", body, ok, tt.wantAttrs)
			}
		})
	}
}

// TestTableARNAsName: every operation taking a TableName takes the table's ARN as well
// (including the keys of BatchGetItem and BatchWriteItem and transaction items); an ARN of
// another account or Region is AccessDeniedException.
func TestTableARNAsName(t *testing.T) {
	_, c, _ := newTestEngine(t, Options{})
	createSimple(t, c, "arns")
	ctx := context.Background()
	arn := "arn:aws:dynamodb:us-east-1:000000000000:table/arns"
	item := func(id string) map[string]types.AttributeValue { return map[string]types.AttributeValue{"id": sv(id)} }
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(arn), Item: item("1")}); err != nil {
		t.Fatalf("PutItem by ARN: %v", err)
	}
	if _, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
		arn: {{PutRequest: &types.PutRequest{Item: item("2")}}},
	}}); err != nil {
		t.Fatalf("BatchWriteItem by ARN: %v", err)
	}
	if _, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(arn), Item: item("3")}},
	}}); err != nil {
		t.Fatalf("TransactWriteItems by ARN: %v", err)
	}
	if _, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(arn), Key: item("4"), UpdateExpression: aws.String("SET a = :a"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":a": sv("x")}}); err != nil {
		t.Fatalf("UpdateItem by ARN: %v", err)
	}
	g, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(arn), Key: item("4")})
	if err != nil || g.Item == nil {
		t.Fatalf("GetItem by ARN = %v, %v", g, err)
	}
	bg, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{arn: {Keys: []map[string]types.AttributeValue{item("1"), item("2")}}}})
	if err != nil {
		t.Fatalf("BatchGetItem by ARN: %v", err)
	}
	n := 0
	for _, items := range bg.Responses {
		n += len(items)
	}
	if n != 2 {
		t.Errorf("BatchGetItem by ARN found %d items, want 2", n)
	}
	s, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(arn)})
	if err != nil || s.Count != 4 {
		t.Fatalf("Scan by ARN = %v, %v; want 4 items", s, err)
	}
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(arn)})
	if err != nil || aws.ToString(d.Table.TableName) != "arns" {
		t.Fatalf("DescribeTable by ARN = %v, %v", d, err)
	}
	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(arn), Key: item("1")}); err != nil {
		t.Fatalf("DeleteItem by ARN: %v", err)
	}

	for _, foreign := range []string{
		"arn:aws:dynamodb:eu-west-1:000000000000:table/arns",
		"arn:aws:dynamodb:us-east-1:123456789012:table/arns",
	} {
		_, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(foreign), Key: item("2")})
		if apiCode(t, err) != "AccessDeniedException" || !strings.Contains(apiMessage(err), "dynamodb:GetItem on resource: "+foreign) {
			t.Errorf("GetItem %s: %v, want AccessDeniedException naming the resource", foreign, err)
		}
	}
}

// TestLocalIndexReadsTable follows the developer guide (Local secondary indexes, "Projected
// attributes"): a Query of a local secondary index that asks for attributes the index does
// not project gets them from the table, whether by Select ALL_ATTRIBUTES, a projection or a
// filter; a global secondary index refuses ALL_ATTRIBUTES unless it projects ALL.
func TestLocalIndexReadsTable(t *testing.T) {
	_, c, _ := newTestEngine(t, Options{})
	ctx := context.Background()
	s := func(n string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: types.ScalarAttributeTypeS}
	}
	k := func(n string, kt types.KeyType) types.KeySchemaElement {
		return types.KeySchemaElement{AttributeName: aws.String(n), KeyType: kt}
	}
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("lsi"), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{s("pk"), s("sk"), s("ls"), s("g")},
		KeySchema:            []types.KeySchemaElement{k("pk", types.KeyTypeHash), k("sk", types.KeyTypeRange)},
		LocalSecondaryIndexes: []types.LocalSecondaryIndex{{IndexName: aws.String("byls"), KeySchema: []types.KeySchemaElement{k("pk", types.KeyTypeHash), k("ls", types.KeyTypeRange)},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{"inc"}}}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("byg"), KeySchema: []types.KeySchemaElement{k("g", types.KeyTypeHash)},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range []map[string]types.AttributeValue{
		{"pk": sv("p"), "sk": sv("1"), "ls": sv("a"), "g": sv("g"), "inc": sv("i1"), "xtra": sv("o1")},
		{"pk": sv("p"), "sk": sv("2"), "ls": sv("b"), "g": sv("g"), "inc": sv("i2"), "xtra": sv("o2")},
	} {
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("lsi"), Item: it}); err != nil {
			t.Fatal(err)
		}
	}
	kc := aws.String("pk = :p")
	vals := map[string]types.AttributeValue{":p": sv("p")}
	attrs := func(items []map[string]types.AttributeValue) []string {
		var out []string
		for _, it := range items {
			var names []string
			for n, v := range it {
				names = append(names, n+"="+v.(*types.AttributeValueMemberS).Value)
			}
			out = append(out, strings.Join(sortStrings(names), ","))
		}
		return out
	}
	tests := []struct {
		name string
		in   dynamodb.QueryInput
		want []string
	}{
		{"projected attributes", dynamodb.QueryInput{}, []string{"inc=i1,ls=a,pk=p,sk=1", "inc=i2,ls=b,pk=p,sk=2"}},
		{"Select ALL_ATTRIBUTES", dynamodb.QueryInput{Select: types.SelectAllAttributes},
			[]string{"g=g,inc=i1,ls=a,pk=p,sk=1,xtra=o1", "g=g,inc=i2,ls=b,pk=p,sk=2,xtra=o2"}},
		{"projection of an attribute not projected", dynamodb.QueryInput{ProjectionExpression: aws.String("xtra, inc")}, []string{"inc=i1,xtra=o1", "inc=i2,xtra=o2"}},
		{"filter on an attribute not projected", dynamodb.QueryInput{FilterExpression: aws.String("xtra = :o")}, []string{"inc=i2,ls=b,pk=p,sk=2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.TableName, in.IndexName, in.KeyConditionExpression = aws.String("lsi"), aws.String("byls"), kc
			in.ExpressionAttributeValues = map[string]types.AttributeValue{":p": vals[":p"]}
			if in.FilterExpression != nil {
				in.ExpressionAttributeValues[":o"] = sv("o2")
			}
			out, err := c.Query(ctx, &in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, attrs(out.Items)); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}
		})
	}
	_, err = c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("lsi"), IndexName: aws.String("byg"), KeyConditionExpression: aws.String("g = :g"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":g": sv("g")}, Select: types.SelectAllAttributes})
	if apiCode(t, err) != "ValidationException" || !strings.Contains(apiMessage(err), "Select type ALL_ATTRIBUTES is not supported for global secondary index byg") {
		t.Errorf("ALL_ATTRIBUTES on a KEYS_ONLY GSI: %v", err)
	}
}

func sortStrings(s []string) []string {
	slices.Sort(s)
	return s
}

// TestOnDemandDescription compares CreateTable's and DescribeTable's answers for an on-demand
// table with a GSI and an LSI, member by member, with the shape DynamoDB returns (API
// reference, TableDescription): zero throughput with NumberOfDecreasesToday, BillingModeSummary
// with LastUpdateToPayPerRequestDateTime, the GSI's IndexStatus (CREATING in CreateTable's
// answer), throughput, size, count and ARN, the LSI without status or throughput, and
// DeletionProtectionEnabled.
func TestOnDemandDescription(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	e, _, _ := newTestEngine(t, Options{Now: func() time.Time { return now }})
	st, body := e.Do("DynamoDB_20120810.CreateTable", []byte(`{"TableName":"odt","BillingMode":"PAY_PER_REQUEST",
		"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"}],
		"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
		"GlobalSecondaryIndexes":[{"IndexName":"gsi","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}],
		"LocalSecondaryIndexes":[{"IndexName":"lsi","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"g","KeyType":"RANGE"}],"Projection":{"ProjectionType":"KEYS_ONLY"}}]}`))
	if st != 200 {
		t.Fatalf("CreateTable = %d %s", st, body)
	}
	arn := "arn:aws:dynamodb:us-east-1:000000000000:table/odt"
	want := func(status, indexStatus string) map[string]any {
		zero := map[string]any{"NumberOfDecreasesToday": 0.0, "ReadCapacityUnits": 0.0, "WriteCapacityUnits": 0.0}
		return map[string]any{
			"AttributeDefinitions": []any{
				map[string]any{"AttributeName": "pk", "AttributeType": "S"},
				map[string]any{"AttributeName": "sk", "AttributeType": "S"},
				map[string]any{"AttributeName": "g", "AttributeType": "S"},
			},
			"TableName": "odt",
			"KeySchema": []any{
				map[string]any{"AttributeName": "pk", "KeyType": "HASH"},
				map[string]any{"AttributeName": "sk", "KeyType": "RANGE"},
			},
			"TableStatus":           status,
			"CreationDateTime":      float64(now.Unix()),
			"ProvisionedThroughput": zero,
			"TableSizeBytes":        0.0, "ItemCount": 0.0,
			"TableArn": arn, "TableId": "ID",
			"BillingModeSummary": map[string]any{"BillingMode": "PAY_PER_REQUEST", "LastUpdateToPayPerRequestDateTime": float64(now.Unix())},
			"GlobalSecondaryIndexes": []any{map[string]any{
				"IndexName": "gsi", "KeySchema": []any{map[string]any{"AttributeName": "g", "KeyType": "HASH"}},
				"Projection": map[string]any{"ProjectionType": "ALL"}, "IndexStatus": indexStatus,
				"ProvisionedThroughput": zero, "IndexSizeBytes": 0.0, "ItemCount": 0.0, "IndexArn": arn + "/index/gsi",
				"WarmThroughput": map[string]any{"ReadUnitsPerSecond": 12000.0, "WriteUnitsPerSecond": 4000.0, "Status": indexStatus},
			}},
			"LocalSecondaryIndexes": []any{map[string]any{
				"IndexName": "lsi", "KeySchema": []any{map[string]any{"AttributeName": "pk", "KeyType": "HASH"}, map[string]any{"AttributeName": "g", "KeyType": "RANGE"}},
				"Projection": map[string]any{"ProjectionType": "KEYS_ONLY"}, "IndexSizeBytes": 0.0, "ItemCount": 0.0, "IndexArn": arn + "/index/lsi",
			}},
			"DeletionProtectionEnabled": false,
			"WarmThroughput":            map[string]any{"ReadUnitsPerSecond": 12000.0, "WriteUnitsPerSecond": 4000.0, "Status": status},
		}
	}
	decode := func(body []byte, member string) map[string]any {
		t.Helper()
		var m map[string]map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		d := m[member]
		if id, _ := d["TableId"].(string); len(id) != 36 {
			t.Errorf("TableId = %q, want a UUID", id)
		}
		d["TableId"] = "ID"
		return d
	}
	if diff := cmp.Diff(want("CREATING", "CREATING"), decode(body, "TableDescription")); diff != "" {
		t.Errorf("CreateTable (-want +got):\n%s", diff)
	}
	st, body = e.Do("DynamoDB_20120810.DescribeTable", []byte(`{"TableName":"odt"}`))
	if st != 200 {
		t.Fatalf("DescribeTable = %d %s", st, body)
	}
	if diff := cmp.Diff(want("ACTIVE", "ACTIVE"), decode(body, "Table")); diff != "" {
		t.Errorf("DescribeTable (-want +got):\n%s", diff)
	}
}

// TestDeletionProtection: a protected table cannot be deleted until UpdateTable turns the
// protection off (DynamoDB's message).
func TestDeletionProtection(t *testing.T) {
	_, c, _ := newTestEngine(t, Options{})
	ctx := context.Background()
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("dpt"), BillingMode: types.BillingModePayPerRequest, DeletionProtectionEnabled: aws.Bool(true),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("dpt")})
	if apiCode(t, err) != "ValidationException" || !strings.Contains(apiMessage(err), "protected against deletion") {
		t.Fatalf("DeleteTable of a protected table: %v", err)
	}
	u, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("dpt"), DeletionProtectionEnabled: aws.Bool(false)})
	if err != nil || aws.ToBool(u.TableDescription.DeletionProtectionEnabled) {
		t.Fatalf("UpdateTable = %v, %v", u, err)
	}
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("dpt")}); err != nil {
		t.Fatalf("DeleteTable after the protection is off: %v", err)
	}
}

// TestTagForeignARN: tagging calls on the ARN of a table of another account or Region are
// AccessDeniedException (the caller has no rights there), not a lookup miss.
func TestTagForeignARN(t *testing.T) {
	_, c, _ := newTestEngine(t, Options{})
	createSimple(t, c, "tagged")
	ctx := context.Background()
	own := "arn:aws:dynamodb:us-east-1:000000000000:table/tagged"
	if _, err := c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(own), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}); err != nil {
		t.Fatalf("TagResource on our own table: %v", err)
	}
	for _, arn := range []string{
		"arn:aws:dynamodb:eu-central-1:000000000000:table/tagged",
		"arn:aws:dynamodb:us-east-1:111122223333:table/tagged",
	} {
		calls := map[string]func() error{
			"TagResource": func() error {
				_, err := c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
				return err
			},
			"UntagResource": func() error {
				_, err := c.UntagResource(ctx, &dynamodb.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"k"}})
				return err
			},
			"ListTagsOfResource": func() error {
				_, err := c.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String(arn)})
				return err
			},
		}
		for op, call := range calls {
			err := call()
			if apiCode(t, err) != "AccessDeniedException" || !strings.Contains(apiMessage(err), "dynamodb:"+op+" on resource: "+arn) {
				t.Errorf("%s %s: %v, want AccessDeniedException", op, arn, err)
			}
		}
	}
}

// TestStateDelay: with Options.StateDelay, a new table is CREATING (its items unreachable,
// ResourceNotFoundException) and an updated one UPDATING for that long, and a deleted one is
// still described as DELETING and cannot be created again meanwhile; DeleteTable of a
// CREATING table is ResourceInUseException (DeleteTable's documentation).
func TestStateDelay(t *testing.T) {
	clock := newFakeClock()
	_, c, _ := newTestEngine(t, Options{StateDelay: 10 * time.Second, Now: clock.Now})
	ctx := context.Background()
	status := func() string {
		t.Helper()
		d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("slow")})
		if err != nil {
			return apiCode(t, err)
		}
		return string(d.Table.TableStatus)
	}
	createSimple(t, c, "slow")
	put := func() error {
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("slow"), Item: map[string]types.AttributeValue{"id": sv("1")}})
		return err
	}
	if got := status(); got != "CREATING" {
		t.Errorf("status after CreateTable = %s, want CREATING", got)
	}
	if code := apiCode(t, put()); code != "ResourceNotFoundException" {
		t.Errorf("PutItem while CREATING: %s, want ResourceNotFoundException", code)
	}
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("slow")}); apiCode(t, err) != "ResourceInUseException" {
		t.Errorf("DeleteTable while CREATING: %v, want ResourceInUseException", err)
	}
	clock.Advance(10 * time.Second)
	if got := status(); got != "ACTIVE" {
		t.Errorf("status after the delay = %s, want ACTIVE", got)
	}
	if err := put(); err != nil {
		t.Errorf("PutItem when ACTIVE: %v", err)
	}
	u, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("slow"), DeletionProtectionEnabled: aws.Bool(false)})
	if err != nil || u.TableDescription.TableStatus != types.TableStatusUpdating {
		t.Fatalf("UpdateTable = %v, %v; want UPDATING", u, err)
	}
	if got := status(); got != "UPDATING" {
		t.Errorf("status after UpdateTable = %s, want UPDATING", got)
	}
	if err := put(); err != nil {
		t.Errorf("PutItem while UPDATING: %v (items stay usable)", err)
	}
	clock.Advance(10 * time.Second)
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("slow")}); err != nil {
		t.Fatal(err)
	}
	if got := status(); got != "DELETING" {
		t.Errorf("status after DeleteTable = %s, want DELETING", got)
	}
	if l, err := c.ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil || !slices.Contains(l.TableNames, "slow") {
		t.Errorf("ListTables while DELETING = %v, %v; want the table listed", l, err)
	}
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("slow")}); err != nil {
		t.Errorf("DeleteTable of a DELETING table: %v, want no error", err)
	}
	if _, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("slow"), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
	}); apiCode(t, err) != "ResourceInUseException" {
		t.Errorf("CreateTable while DELETING: %v, want ResourceInUseException", err)
	}
	clock.Advance(10 * time.Second)
	if got := status(); got != "ResourceNotFoundException" {
		t.Errorf("status after the delete delay = %s, want ResourceNotFoundException", got)
	}
	if l, err := c.ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil || slices.Contains(l.TableNames, "slow") {
		t.Errorf("ListTables after the delete delay = %v, %v; want the table gone", l, err)
	}
}

// TestStateDelayWaiters: the SDK's TableExistsWaiter, which polls DescribeTable until ACTIVE,
// sees CREATING first and then returns; TableNotExistsWaiter sees DELETING, then the table gone.
func TestStateDelayWaiters(t *testing.T) {
	_, c, _ := newTestEngine(t, Options{StateDelay: 300 * time.Millisecond})
	ctx := context.Background()
	createSimple(t, c, "waited")
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("waited")})
	if err != nil || d.Table.TableStatus != types.TableStatusCreating {
		t.Fatalf("DescribeTable right after CreateTable = %v, %v; want CREATING", d, err)
	}
	fast := func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, 100*time.Millisecond
	}
	if err := dynamodb.NewTableExistsWaiter(c, fast).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("waited")}, 10*time.Second); err != nil {
		t.Fatalf("TableExistsWaiter: %v", err)
	}
	d, err = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("waited")})
	if err != nil || d.Table.TableStatus != types.TableStatusActive {
		t.Fatalf("DescribeTable after the waiter = %v, %v; want ACTIVE", d, err)
	}
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("waited")}); err != nil {
		t.Fatal(err)
	}
	d, err = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("waited")})
	if err != nil || d.Table.TableStatus != types.TableStatusDeleting {
		t.Fatalf("DescribeTable right after DeleteTable = %v, %v; want DELETING", d, err)
	}
	gone := func(o *dynamodb.TableNotExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, 100*time.Millisecond
	}
	if err := dynamodb.NewTableNotExistsWaiter(c, gone).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("waited")}, 10*time.Second); err != nil {
		t.Fatalf("TableNotExistsWaiter: %v", err)
	}
}

// TestBackups: CreateBackup takes a point-in-time copy (later writes do not show in it),
// RestoreTableFromBackup makes a new table with those items and working indexes, and
// DescribeBackup, ListBackups and DeleteBackup answer as DynamoDB does, with its exceptions.
func TestBackups(t *testing.T) {
	_, c, _ := newTestEngine(t, Options{})
	ctx := context.Background()
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("src"), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("byg"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	put := func(table, id, g string) {
		t.Helper()
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{"id": sv(id), "g": sv(g)}}); err != nil {
			t.Fatal(err)
		}
	}
	put("src", "1", "a")
	put("src", "2", "b")
	cb, err := c.CreateBackup(ctx, &dynamodb.CreateBackupInput{TableName: aws.String("src"), BackupName: aws.String("before")})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(cb.BackupDetails.BackupArn)
	if !strings.HasPrefix(arn, "arn:aws:dynamodb:us-east-1:000000000000:table/src/backup/") || cb.BackupDetails.BackupStatus != types.BackupStatusAvailable || cb.BackupDetails.BackupType != types.BackupTypeUser {
		t.Errorf("CreateBackup = %+v", cb.BackupDetails)
	}
	// Changes after the backup are not in it.
	put("src", "3", "a")
	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("src"), Key: map[string]types.AttributeValue{"id": sv("1")}}); err != nil {
		t.Fatal(err)
	}

	db, err := c.DescribeBackup(ctx, &dynamodb.DescribeBackupInput{BackupArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if got := db.BackupDescription.SourceTableDetails; aws.ToString(got.TableName) != "src" || aws.ToInt64(got.ItemCount) != 2 || got.BillingMode != types.BillingModePayPerRequest {
		t.Errorf("SourceTableDetails = %+v", got)
	}
	if n := len(db.BackupDescription.SourceTableFeatureDetails.GlobalSecondaryIndexes); n != 1 {
		t.Errorf("SourceTableFeatureDetails has %d GSIs, want 1", n)
	}

	lb, err := c.ListBackups(ctx, &dynamodb.ListBackupsInput{TableName: aws.String("src")})
	if err != nil || len(lb.BackupSummaries) != 1 || aws.ToString(lb.BackupSummaries[0].BackupArn) != arn {
		t.Fatalf("ListBackups = %+v, %v", lb, err)
	}
	if lb, err := c.ListBackups(ctx, &dynamodb.ListBackupsInput{TableName: aws.String("xtra")}); err != nil || len(lb.BackupSummaries) != 0 {
		t.Errorf("ListBackups of another table = %+v, %v; want none", lb, err)
	}

	r, err := c.RestoreTableFromBackup(ctx, &dynamodb.RestoreTableFromBackupInput{TargetTableName: aws.String("restored"), BackupArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if rs := r.TableDescription.RestoreSummary; rs == nil || aws.ToString(rs.SourceBackupArn) != arn || !aws.ToBool(rs.RestoreInProgress) {
		t.Errorf("RestoreSummary = %+v", rs)
	}
	scan := func(table string) []string {
		t.Helper()
		out, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table)})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, it := range out.Items {
			ids = append(ids, it["id"].(*types.AttributeValueMemberS).Value)
		}
		return sortStrings(ids)
	}
	if diff := cmp.Diff([]string{"1", "2"}, scan("restored")); diff != "" {
		t.Errorf("restored items (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"2", "3"}, scan("src")); diff != "" {
		t.Errorf("source items (-want +got):\n%s", diff)
	}
	q, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("restored"), IndexName: aws.String("byg"), KeyConditionExpression: aws.String("g = :g"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":g": sv("a")}})
	if err != nil || q.Count != 1 {
		t.Errorf("Query of the restored index = %+v, %v; want item 1", q, err)
	}
	// Writes to the restored table leave the source and the backup alone.
	put("restored", "9", "a")
	if diff := cmp.Diff([]string{"2", "3"}, scan("src")); diff != "" {
		t.Errorf("source items after writing the restored table (-want +got):\n%s", diff)
	}
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("restored")})
	if err != nil || aws.ToString(d.Table.TableArn) != "arn:aws:dynamodb:us-east-1:000000000000:table/restored" ||
		aws.ToString(d.Table.GlobalSecondaryIndexes[0].IndexArn) != "arn:aws:dynamodb:us-east-1:000000000000:table/restored/index/byg" ||
		d.Table.RestoreSummary == nil || aws.ToBool(d.Table.RestoreSummary.RestoreInProgress) {
		t.Errorf("DescribeTable of the restored table = %+v, %v", d, err)
	}

	_, err = c.RestoreTableFromBackup(ctx, &dynamodb.RestoreTableFromBackupInput{TargetTableName: aws.String("src"), BackupArn: aws.String(arn)})
	if apiCode(t, err) != "TableAlreadyExistsException" {
		t.Errorf("restore onto an existing table: %v", err)
	}
	_, err = c.CreateBackup(ctx, &dynamodb.CreateBackupInput{TableName: aws.String("nope"), BackupName: aws.String("x1x")})
	if apiCode(t, err) != "TableNotFoundException" {
		t.Errorf("CreateBackup of a missing table: %v", err)
	}
	del, err := c.DeleteBackup(ctx, &dynamodb.DeleteBackupInput{BackupArn: aws.String(arn)})
	if err != nil || del.BackupDescription.BackupDetails.BackupStatus != types.BackupStatusDeleted {
		t.Fatalf("DeleteBackup = %+v, %v", del, err)
	}
	_, err = c.DescribeBackup(ctx, &dynamodb.DescribeBackupInput{BackupArn: aws.String(arn)})
	if apiCode(t, err) != "BackupNotFoundException" {
		t.Errorf("DescribeBackup after DeleteBackup: %v", err)
	}
}

// TestContinuousBackups: point-in-time recovery is off until UpdateContinuousBackups turns it
// on; the description then carries the restorable window.
func TestContinuousBackups(t *testing.T) {
	_, c, _ := newTestEngine(t, Options{})
	createSimple(t, c, "pitr")
	ctx := context.Background()
	d, err := c.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String("pitr")})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.ContinuousBackupsDescription; got.ContinuousBackupsStatus != types.ContinuousBackupsStatusEnabled ||
		got.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus != types.PointInTimeRecoveryStatusDisabled {
		t.Errorf("before = %+v %+v", got, got.PointInTimeRecoveryDescription)
	}
	u, err := c.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{TableName: aws.String("pitr"),
		PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)}})
	if err != nil {
		t.Fatal(err)
	}
	p := u.ContinuousBackupsDescription.PointInTimeRecoveryDescription
	if p.PointInTimeRecoveryStatus != types.PointInTimeRecoveryStatusEnabled || p.EarliestRestorableDateTime == nil || aws.ToInt32(p.RecoveryPeriodInDays) != 35 {
		t.Errorf("after = %+v", p)
	}
	d, err = c.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String("pitr")})
	if err != nil || d.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus != types.PointInTimeRecoveryStatusEnabled {
		t.Errorf("DescribeContinuousBackups after enabling = %+v, %v", d, err)
	}
	_, err = c.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String("nope")})
	if apiCode(t, err) != "TableNotFoundException" {
		t.Errorf("DescribeContinuousBackups of a missing table: %v", err)
	}
}

// TestLimitsAndEndpoints: DescribeLimits answers DynamoDB's default account quotas and
// DescribeEndpoints the regional endpoint, as SDK start-up code expects.
func TestLimitsAndEndpoints(t *testing.T) {
	_, c, _ := newTestEngine(t, Options{})
	ctx := context.Background()
	l, err := c.DescribeLimits(ctx, &dynamodb.DescribeLimitsInput{})
	if err != nil {
		t.Fatal(err)
	}
	got := []int64{aws.ToInt64(l.AccountMaxReadCapacityUnits), aws.ToInt64(l.AccountMaxWriteCapacityUnits), aws.ToInt64(l.TableMaxReadCapacityUnits), aws.ToInt64(l.TableMaxWriteCapacityUnits)}
	if diff := cmp.Diff([]int64{80000, 80000, 40000, 40000}, got); diff != "" {
		t.Errorf("DescribeLimits (-want +got):\n%s", diff)
	}
	ep, err := c.DescribeEndpoints(ctx, &dynamodb.DescribeEndpointsInput{})
	if err != nil || len(ep.Endpoints) != 1 || aws.ToString(ep.Endpoints[0].Address) != "dynamodb.us-east-1.amazonaws.com" || ep.Endpoints[0].CachePeriodInMinutes != 1440 {
		t.Errorf("DescribeEndpoints = %+v, %v", ep, err)
	}
}

// TestThroughputBookkeeping: UpdateTable records increases and decreases of provisioned
// throughput as DynamoDB reports them (LastIncreaseDateTime, LastDecreaseDateTime,
// NumberOfDecreasesToday), and a switch to on-demand reports zero throughput for the table and
// its GSIs with LastUpdateToPayPerRequestDateTime.
func TestThroughputBookkeeping(t *testing.T) {
	clock := newFakeClock()
	_, c, _ := newTestEngine(t, Options{Now: clock.Now})
	ctx := context.Background()
	pt := func(r, w int64) *types.ProvisionedThroughput {
		return &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(r), WriteCapacityUnits: aws.Int64(w)}
	}
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("tpt"), ProvisionedThroughput: pt(5, 5),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}, {AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("byg"), KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}, ProvisionedThroughput: pt(2, 2)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		R, W               int64
		Increase, Decrease bool
		Decreases          int64
	}
	read := func(p *types.ProvisionedThroughputDescription) got {
		return got{aws.ToInt64(p.ReadCapacityUnits), aws.ToInt64(p.WriteCapacityUnits), p.LastIncreaseDateTime != nil, p.LastDecreaseDateTime != nil, aws.ToInt64(p.NumberOfDecreasesToday)}
	}
	update := func(in *dynamodb.UpdateTableInput) *types.TableDescription {
		t.Helper()
		clock.Advance(time.Minute)
		in.TableName = aws.String("tpt")
		if _, err := c.UpdateTable(ctx, in); err != nil {
			t.Fatal(err)
		}
		d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("tpt")})
		if err != nil {
			t.Fatal(err)
		}
		return d.Table
	}
	d := update(&dynamodb.UpdateTableInput{ProvisionedThroughput: pt(10, 5)})
	if diff := cmp.Diff(got{10, 5, true, false, 0}, read(d.ProvisionedThroughput)); diff != "" {
		t.Errorf("after an increase (-want +got):\n%s", diff)
	}
	d = update(&dynamodb.UpdateTableInput{ProvisionedThroughput: pt(3, 5)})
	if diff := cmp.Diff(got{3, 5, true, true, 1}, read(d.ProvisionedThroughput)); diff != "" {
		t.Errorf("after a decrease (-want +got):\n%s", diff)
	}
	d = update(&dynamodb.UpdateTableInput{GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Update: &types.UpdateGlobalSecondaryIndexAction{IndexName: aws.String("byg"), ProvisionedThroughput: pt(1, 2)}}}})
	if diff := cmp.Diff(got{1, 2, false, true, 1}, read(d.GlobalSecondaryIndexes[0].ProvisionedThroughput)); diff != "" {
		t.Errorf("GSI after a decrease (-want +got):\n%s", diff)
	}
	d = update(&dynamodb.UpdateTableInput{BillingMode: types.BillingModePayPerRequest})
	if r := read(d.ProvisionedThroughput); r.R != 0 || r.W != 0 {
		t.Errorf("table throughput on demand = %+v, want zeros", r)
	}
	if r := read(d.GlobalSecondaryIndexes[0].ProvisionedThroughput); r.R != 0 || r.W != 0 {
		t.Errorf("GSI throughput on demand = %+v, want zeros", r)
	}
	if b := d.BillingModeSummary; b == nil || b.BillingMode != types.BillingModePayPerRequest || !aws.ToTime(b.LastUpdateToPayPerRequestDateTime).Equal(clock.Now().Truncate(time.Millisecond)) {
		t.Errorf("BillingModeSummary = %+v", b)
	}
}
