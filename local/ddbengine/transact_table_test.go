package ddbengine

// Table tests for TransactWriteItems and TransactGetItems, following the DynamoDB developer
// guide: all-or-nothing across tables, cancellation reasons, request limits, idempotency tokens
// and the stream records a transaction writes.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/internal/fakeclock"
)

// fakeClock is a settable Options.Now, safe to read from the engine's background goroutines.
type fakeClock = fakeclock.Clock

func newFakeClock() *fakeClock { return fakeclock.New(time.Unix(1_700_000_000, 0)) }

// createIDTable creates an on-demand table keyed by the string "id", with a stream of the given
// view type ("" for none).
func createIDTable(t testing.TB, c *dynamodb.Client, name string, view types.StreamViewType) {
	t.Helper()
	in := &dynamodb.CreateTableInput{TableName: aws.String(name), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}}}
	if view != "" {
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: view}
	}
	if _, err := c.CreateTable(context.Background(), in); err != nil {
		t.Fatal(err)
	}
}

// plainItem reads an item (nil when absent) as plain Go values, for cmp.
func plainItem(t testing.TB, c *dynamodb.Client, table, id string) map[string]any {
	t.Helper()
	out, err := c.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: key(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	return plain(t, out.Item)
}

func plain(t testing.TB, it map[string]types.AttributeValue) map[string]any {
	t.Helper()
	if it == nil {
		return nil
	}
	var m map[string]any
	if err := attributevalue.UnmarshalMap(it, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// cancellationReasons returns the reason codes and ALL_OLD items of a TransactionCanceledException
// (nil, nil when err is nil).
func cancellationReasons(t testing.TB, err error) ([]string, []map[string]any) {
	t.Helper()
	if err == nil {
		return nil, nil
	}
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		t.Fatalf("got %v, want TransactionCanceledException", err)
	}
	codes := make([]string, len(tce.CancellationReasons))
	items := make([]map[string]any, len(tce.CancellationReasons))
	for i, r := range tce.CancellationReasons {
		codes[i] = aws.ToString(r.Code)
		items[i] = plain(t, r.Item)
	}
	return codes, items
}

func avs(kv ...any) map[string]types.AttributeValue {
	m := map[string]types.AttributeValue{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(types.AttributeValue)
	}
	return m
}

// txFixture is two tables, orders and stock, with streams, seeded with o1, s1 and s2.
func txFixture(t *testing.T, opts Options) (*Engine, *dynamodb.Client, string) {
	t.Helper()
	e, c, url := newTestEngine(t, opts)
	createIDTable(t, c, "orders", types.StreamViewTypeNewAndOldImages)
	createIDTable(t, c, "stock", types.StreamViewTypeNewAndOldImages)
	putItems(t, c, "orders", map[string]types.AttributeValue{"id": s("o1"), "status": s("NEW")})
	putItems(t, c, "stock", map[string]types.AttributeValue{"id": s("s1"), "qty": n("5")},
		map[string]types.AttributeValue{"id": s("s2"), "qty": n("0")})
	return e, c, url
}

var txKeys = [][2]string{{"orders", "o1"}, {"orders", "o2"}, {"stock", "s1"}, {"stock", "s2"}}

func txState(t *testing.T, c *dynamodb.Client) map[string]map[string]any {
	t.Helper()
	m := map[string]map[string]any{}
	for _, k := range txKeys {
		m[k[0]+"/"+k[1]] = plainItem(t, c, k[0], k[1])
	}
	return m
}

var txSeeded = map[string]map[string]any{
	"orders/o1": {"id": "o1", "status": "NEW"},
	"orders/o2": nil,
	"stock/s1":  {"id": "s1", "qty": 5.0},
	"stock/s2":  {"id": "s2", "qty": 0.0},
}

func putO2() types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{TableName: aws.String("orders"),
		Item: map[string]types.AttributeValue{"id": s("o2"), "status": s("NEW")}}}
}

func takeStock(id string) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{TableName: aws.String("stock"), Key: key(id),
		UpdateExpression: aws.String("SET qty = qty - :one"), ConditionExpression: aws.String("qty >= :one"),
		ExpressionAttributeValues:           avs(":one", n("1")),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}}
}

func deleteO1() types.TransactWriteItem {
	return types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String("orders"), Key: key("o1")}}
}

func checkStock(id, cond string) types.TransactWriteItem {
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: aws.String("stock"), Key: key(id),
		ConditionExpression: aws.String(cond), ExpressionAttributeValues: avs(":zero", n("0"))}}
}

// with returns the seeded state with the given entries replaced.
func with(changes map[string]map[string]any) map[string]map[string]any {
	m := map[string]map[string]any{}
	for k, v := range txSeeded {
		m[k] = v
	}
	for k, v := range changes {
		m[k] = v
	}
	return m
}

func TestTransactWriteItemsAllOrNothing(t *testing.T) {
	tests := []struct {
		name        string
		items       []types.TransactWriteItem
		wantCodes   []string         // nil: committed
		wantReasons []map[string]any // ALL_OLD items in the cancellation reasons
		want        map[string]map[string]any
	}{{
		name:  "put update delete and check on two tables commit together",
		items: []types.TransactWriteItem{putO2(), takeStock("s1"), deleteO1(), checkStock("s2", "qty = :zero")},
		want: with(map[string]map[string]any{"orders/o1": nil, "orders/o2": {"id": "o2", "status": "NEW"},
			"stock/s1": {"id": "s1", "qty": 4.0}}),
	}, {
		name:        "failed condition check cancels every write",
		items:       []types.TransactWriteItem{putO2(), takeStock("s1"), deleteO1(), checkStock("s2", "qty > :zero")},
		wantCodes:   []string{"None", "None", "None", "ConditionalCheckFailed"},
		wantReasons: []map[string]any{nil, nil, nil, nil}, // ReturnValuesOnConditionCheckFailure not asked for
		want:        txSeeded,
	}, {
		name:        "failed update condition returns ALL_OLD item",
		items:       []types.TransactWriteItem{putO2(), takeStock("s2"), deleteO1()},
		wantCodes:   []string{"None", "ConditionalCheckFailed", "None"},
		wantReasons: []map[string]any{nil, {"id": "s2", "qty": 0.0}, nil},
		want:        txSeeded,
	}, {
		name: "ALL_OLD on a missing item returns no item",
		items: []types.TransactWriteItem{takeStock("s1"), {Delete: &types.Delete{TableName: aws.String("orders"), Key: key("o9"),
			ConditionExpression:                 aws.String("attribute_exists(id)"),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}}},
		wantCodes:   []string{"None", "ConditionalCheckFailed"},
		wantReasons: []map[string]any{nil, nil},
		want:        txSeeded,
	}, {
		name: "put guarded by attribute_not_exists on an existing item",
		items: []types.TransactWriteItem{takeStock("s1"), {Put: &types.Put{TableName: aws.String("orders"),
			Item:                                map[string]types.AttributeValue{"id": s("o1"), "status": s("PAID")},
			ConditionExpression:                 aws.String("attribute_not_exists(id)"),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}}},
		wantCodes:   []string{"None", "ConditionalCheckFailed"},
		wantReasons: []map[string]any{nil, {"id": "o1", "status": "NEW"}},
		want:        txSeeded,
	}, {
		name: "several failures are all reported",
		items: []types.TransactWriteItem{takeStock("s2"), checkStock("s1", "qty = :zero"),
			{Update: &types.Update{TableName: aws.String("orders"), Key: key("o1"), UpdateExpression: aws.String("SET #s = :s"),
				ConditionExpression: aws.String("#s = :s"), ExpressionAttributeNames: map[string]string{"#s": "status"},
				ExpressionAttributeValues: avs(":s", s("PAID"))}}},
		wantCodes:   []string{"ConditionalCheckFailed", "ConditionalCheckFailed", "ConditionalCheckFailed"},
		wantReasons: []map[string]any{{"id": "s2", "qty": 0.0}, nil, nil},
		want:        txSeeded,
	}, {
		name: "update with a type error cancels with ValidationError",
		items: []types.TransactWriteItem{putO2(), {Update: &types.Update{TableName: aws.String("orders"), Key: key("o1"),
			UpdateExpression: aws.String("SET #s = #s + :one"), ExpressionAttributeNames: map[string]string{"#s": "status"},
			ExpressionAttributeValues: avs(":one", n("1"))}}},
		wantCodes:   []string{"None", "ValidationError"},
		wantReasons: []map[string]any{nil, nil},
		want:        txSeeded,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c, _ := txFixture(t, Options{})
			_, err := c.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{TransactItems: tt.items})
			codes, reasons := cancellationReasons(t, err)
			if diff := cmp.Diff(tt.wantCodes, codes); diff != "" {
				t.Errorf("cancellation codes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantReasons, reasons); diff != "" {
				t.Errorf("cancellation items (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, txState(t, c)); diff != "" {
				t.Errorf("state (-want +got):\n%s", diff)
			}
		})
	}
}

func manyPuts(count int) []types.TransactWriteItem {
	items := make([]types.TransactWriteItem, count)
	for i := range items {
		items[i] = types.TransactWriteItem{Put: &types.Put{TableName: aws.String("orders"),
			Item: map[string]types.AttributeValue{"id": s(fmt.Sprintf("bulk%03d", i))}}}
	}
	return items
}

func TestTransactWriteItemsRejected(t *testing.T) {
	const oneItem = "Transaction request cannot include multiple operations on one item"
	tests := []struct {
		name     string
		items    []types.TransactWriteItem
		wantCode string
		wantMsg  string // a fragment: the >100 message quotes the whole request
	}{
		{"101 actions", manyPuts(101), "ValidationException", "Member must have length less than or equal to 100"},
		{"put and delete of one item", []types.TransactWriteItem{putO2(), takeStock("s1"),
			{Delete: &types.Delete{TableName: aws.String("orders"), Key: key("o2")}}}, "ValidationException", oneItem},
		{"condition check and update of one item", []types.TransactWriteItem{checkStock("s1", "qty > :zero"), takeStock("s1")}, "ValidationException", oneItem},
		{"unknown table", []types.TransactWriteItem{putO2(), {Delete: &types.Delete{TableName: aws.String("nope"), Key: key("x")}}},
			"ResourceNotFoundException", "Requested resource not found"},
		{"key of the wrong type", []types.TransactWriteItem{putO2(), {Delete: &types.Delete{TableName: aws.String("stock"),
			Key: map[string]types.AttributeValue{"id": n("1")}}}}, "ValidationException", "The provided key element does not match the schema"},
		{"no actions", []types.TransactWriteItem{}, "ValidationException", "Member must have length greater than or equal to 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c, _ := txFixture(t, Options{})
			_, err := c.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{TransactItems: tt.items})
			got := toAPIErr(t, err)
			if got.Code != tt.wantCode || !strings.Contains(got.Message, tt.wantMsg) {
				t.Errorf("got %+v, want %s containing %q", got, tt.wantCode, tt.wantMsg)
			}
			if diff := cmp.Diff(txSeeded, txState(t, c)); diff != "" {
				t.Errorf("a rejected transaction changed the state (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTransactWriteItemsConditionCheckWithoutExpression goes below the SDK, which refuses to
// send a ConditionCheck without ConditionExpression: the message must name the action's own
// (1-based) index.
func TestTransactWriteItemsConditionCheckWithoutExpression(t *testing.T) {
	e, _, _ := txFixture(t, Options{})
	tests := []struct {
		name  string
		index int
	}{{"first", 1}, {"third", 3}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			actions := []string{
				`{"Put":{"TableName":"orders","Item":{"id":{"S":"o2"}}}}`,
				`{"Delete":{"TableName":"orders","Key":{"id":{"S":"o1"}}}}`,
			}
			check := `{"ConditionCheck":{"TableName":"stock","Key":{"id":{"S":"s1"}}}}`
			actions = append(actions[:tt.index-1], append([]string{check}, actions[tt.index-1:]...)...)
			status, body := e.Do("DynamoDB_20120810.TransactWriteItems", []byte(`{"TransactItems":[`+strings.Join(actions, ",")+`]}`))
			want := fmt.Sprintf(`{"__type":"com.amazon.coral.validate#ValidationException","message":"1 validation error detected: Value null at 'transactItems.%d.member.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null"}`, tt.index)
			if status != 400 || string(body) != want {
				t.Errorf("got %d %s\nwant 400 %s", status, body, want)
			}
		})
	}
}

// TestTransactWriteItemsClientRequestToken walks one token through its 10-minute window: a
// replay succeeds without applying again, other parameters are a mismatch, and after the
// window the same request is new.
func TestTransactWriteItemsClientRequestToken(t *testing.T) {
	clock := newFakeClock()
	_, c, _ := txFixture(t, Options{Now: clock.Now})
	take := func(token, id string) *dynamodb.TransactWriteItemsInput {
		// The Put's many-attribute item makes the SDK serialize the request differently on
		// each call (Go map order): replays must still match.
		return &dynamodb.TransactWriteItemsInput{ClientRequestToken: aws.String(token),
			TransactItems: []types.TransactWriteItem{takeStock(id), {Put: &types.Put{TableName: aws.String("orders"),
				Item: map[string]types.AttributeValue{"id": s("o3"), "a": s("1"), "b": s("2"), "c": s("3"), "d": s("4"), "e": s("5")}}}}}
	}
	steps := []struct {
		name    string
		advance time.Duration
		in      *dynamodb.TransactWriteItemsInput
		wantErr error // nil or a pointer to the SDK error type expected
		wantS1  float64
	}{
		{"first call applies", 0, take("tok", "s1"), nil, 4},
		{"replay does not apply again", time.Second, take("tok", "s1"), nil, 4},
		{"replay after nine minutes", 9 * time.Minute, take("tok", "s1"), nil, 4},
		{"other parameters with the token", 0, take("tok", "s2"), &types.IdempotentParameterMismatchException{}, 4},
		{"another token is another request", 0, take("tok-2", "s1"), nil, 3},
		{"after ten minutes the token is new", 2 * time.Minute, take("tok", "s1"), nil, 2},
		{"and replays again", time.Minute, take("tok", "s1"), nil, 2},
	}
	for _, st := range steps {
		clock.Advance(st.advance)
		_, err := c.TransactWriteItems(context.Background(), st.in)
		switch want := st.wantErr.(type) {
		case nil:
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
		case *types.IdempotentParameterMismatchException:
			if !errors.As(err, &want) {
				t.Fatalf("%s: got %v, want IdempotentParameterMismatchException", st.name, err)
			}
		}
		if got := plainItem(t, c, "stock", "s1")["qty"]; got != st.wantS1 {
			t.Errorf("%s: s1 qty = %v, want %v", st.name, got, st.wantS1)
		}
	}
}

// TestTransactWriteItemsStreamRecords: one record per written item, none for a ConditionCheck,
// a cancelled transaction or an idempotent replay.
func TestTransactWriteItemsStreamRecords(t *testing.T) {
	e, c, url := txFixture(t, Options{})
	sc := streamsClient(url)
	start := map[string]string{"orders": latest(t, sc, e, "orders"), "stock": latest(t, sc, e, "stock")}
	in := &dynamodb.TransactWriteItemsInput{ClientRequestToken: aws.String("once"),
		TransactItems: []types.TransactWriteItem{putO2(), takeStock("s1"), deleteO1(), checkStock("s2", "qty = :zero")}}
	for range 2 {
		if _, err := c.TransactWriteItems(context.Background(), in); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{takeStock("s1"), checkStock("s2", "qty > :zero")}})
	if codes, _ := cancellationReasons(t, err); len(codes) != 2 {
		t.Fatalf("reasons = %v", codes)
	}
	want := map[string][]recordSummary{
		"orders": {
			{Name: "INSERT", Keys: map[string]any{"id": "o2"}, New: map[string]any{"id": "o2", "status": "NEW"}},
			{Name: "REMOVE", Keys: map[string]any{"id": "o1"}, Old: map[string]any{"id": "o1", "status": "NEW"}},
		},
		"stock": {
			{Name: "MODIFY", Keys: map[string]any{"id": "s1"}, Old: map[string]any{"id": "s1", "qty": "5"}, New: map[string]any{"id": "s1", "qty": "4"}},
		},
	}
	for table, it := range start {
		if diff := cmp.Diff(want[table], summarize(readRecords(t, sc, it, 0))); diff != "" {
			t.Errorf("%s records (-want +got):\n%s", table, diff)
		}
	}
}

func TestTransactGetItems(t *testing.T) {
	get := func(table, id, projection string) types.TransactGetItem {
		g := &types.Get{TableName: aws.String(table), Key: key(id)}
		if projection != "" {
			g.ProjectionExpression = aws.String(projection)
		}
		return types.TransactGetItem{Get: g}
	}
	many := make([]types.TransactGetItem, 101)
	for i := range many {
		many[i] = get("orders", fmt.Sprintf("o%d", i), "")
	}
	tests := []struct {
		name    string
		gets    []types.TransactGetItem
		want    []map[string]any
		wantErr apiErr
	}{
		{name: "items from two tables in request order, missing as empty",
			gets: []types.TransactGetItem{get("stock", "s2", ""), get("orders", "o1", ""), get("orders", "o9", ""), get("stock", "s1", "qty")},
			want: []map[string]any{{"id": "s2", "qty": 0.0}, {"id": "o1", "status": "NEW"}, nil, {"qty": 5.0}}},
		{name: "unknown table", gets: []types.TransactGetItem{get("orders", "o1", ""), get("nope", "x", "")},
			wantErr: apiErr{"ResourceNotFoundException", "Requested resource not found"}},
		{name: "101 gets", gets: many,
			wantErr: apiErr{"ValidationException", "1 validation error detected: Value '[...]' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100"}},
		{name: "key missing its hash attribute", gets: []types.TransactGetItem{{Get: &types.Get{TableName: aws.String("orders"),
			Key: map[string]types.AttributeValue{"other": s("x")}}}},
			wantErr: apiErr{"ValidationException", "The provided key element does not match the schema"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c, _ := txFixture(t, Options{})
			out, err := c.TransactGetItems(context.Background(), &dynamodb.TransactGetItemsInput{TransactItems: tt.gets})
			gotErr := toAPIErr(t, err)
			// The >100 message quotes the request; keep what identifies the constraint.
			if i := strings.Index(gotErr.Message, "Value '["); i >= 0 {
				if j := strings.Index(gotErr.Message, "]' at"); j > i {
					gotErr.Message = gotErr.Message[:i] + "Value '[...]" + gotErr.Message[j+1:]
				}
			}
			if diff := cmp.Diff(tt.wantErr, gotErr); diff != "" {
				t.Fatalf("error (-want +got):\n%s", diff)
			}
			var got []map[string]any
			if out != nil {
				for _, r := range out.Responses {
					got = append(got, plain(t, r.Item))
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("responses (-want +got):\n%s", diff)
			}
		})
	}
}
