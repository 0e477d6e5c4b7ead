package ddbengine

// Table tests for DynamoDB Streams through the SDK: the record each kind of write produces under
// each view type, ordering and sequence numbers, shard iterator types, GetRecords paging and the
// ListStreams/DescribeStream shapes.

import (
	"context"
	"errors"
	"math/big"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/sdk"
)

func streamsClient(url string) *dynamodbstreams.Client { return sdk.DynamoDBStreams(url) }

// iteratorAt returns a shard iterator of the given type on table's stream.
func iteratorAt(t testing.TB, sc *dynamodbstreams.Client, e *Engine, table string, typ streamtypes.ShardIteratorType, seq string) string {
	t.Helper()
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(e.StreamARN(table)), ShardId: aws.String(shardID), ShardIteratorType: typ}
	if seq != "" {
		in.SequenceNumber = aws.String(seq)
	}
	out, err := sc.GetShardIterator(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.ShardIterator)
}

func latest(t testing.TB, sc *dynamodbstreams.Client, e *Engine, table string) string {
	t.Helper()
	return iteratorAt(t, sc, e, table, streamtypes.ShardIteratorTypeLatest, "")
}

// readRecords follows the iterator until a page comes back empty; limit 0 means no Limit.
func readRecords(t testing.TB, sc *dynamodbstreams.Client, it string, limit int32) []streamtypes.Record {
	t.Helper()
	var out []streamtypes.Record
	for it != "" {
		in := &dynamodbstreams.GetRecordsInput{ShardIterator: aws.String(it)}
		if limit > 0 {
			in.Limit = aws.Int32(limit)
		}
		page, err := sc.GetRecords(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Records) == 0 {
			break
		}
		out = append(out, page.Records...)
		it = aws.ToString(page.NextShardIterator)
	}
	return out
}

// recordSummary is what a consumer sees of a record; numbers stay strings.
type recordSummary struct {
	Name     string
	Keys     map[string]any
	Old, New map[string]any
	Identity string // "Type/PrincipalId" of service deletions
}

func summarize(recs []streamtypes.Record) []recordSummary {
	var out []recordSummary
	for _, r := range recs {
		s := recordSummary{Name: string(r.EventName), Keys: streamPlain(r.Dynamodb.Keys),
			Old: streamPlain(r.Dynamodb.OldImage), New: streamPlain(r.Dynamodb.NewImage)}
		if r.UserIdentity != nil {
			s.Identity = aws.ToString(r.UserIdentity.Type) + "/" + aws.ToString(r.UserIdentity.PrincipalId)
		}
		out = append(out, s)
	}
	return out
}

func streamPlain(m map[string]streamtypes.AttributeValue) map[string]any {
	if m == nil {
		return nil
	}
	out := map[string]any{}
	for k, v := range m {
		out[k] = streamValue(v)
	}
	return out
}

func streamValue(v streamtypes.AttributeValue) any {
	switch v := v.(type) {
	case *streamtypes.AttributeValueMemberS:
		return v.Value
	case *streamtypes.AttributeValueMemberN:
		return v.Value
	case *streamtypes.AttributeValueMemberBOOL:
		return v.Value
	case *streamtypes.AttributeValueMemberM:
		return streamPlain(v.Value)
	case *streamtypes.AttributeValueMemberL:
		l := []any{}
		for _, e := range v.Value {
			l = append(l, streamValue(e))
		}
		return l
	default:
		return v
	}
}

// streamWrite is one kind of write, made after the table holds a = {id: a, v: 1, exp: <past>}.
type streamWrite struct {
	name  string
	write func(t *testing.T, e *Engine, c *dynamodb.Client)
	want  recordSummary // with both images; each view keeps what it shows
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var (
	itemA1 = map[string]any{"id": "a", "v": "1", "exp": "1699999000"}
	itemA2 = map[string]any{"id": "a", "v": "2", "exp": "1699999000"}
	itemB  = map[string]any{"id": "b", "v": "1"}
	keysA  = map[string]any{"id": "a"}
	keysB  = map[string]any{"id": "b"}
)

var streamWrites = []streamWrite{
	{name: "PutItem new", want: recordSummary{Name: "INSERT", Keys: keysB, New: itemB},
		write: func(t *testing.T, e *Engine, c *dynamodb.Client) {
			_, err := c.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("events"), Item: map[string]types.AttributeValue{"id": s("b"), "v": n("1")}})
			mustDo(t, err)
		}},
	{name: "PutItem overwrite", want: recordSummary{Name: "MODIFY", Keys: keysA, Old: itemA1, New: itemA2},
		write: func(t *testing.T, e *Engine, c *dynamodb.Client) {
			_, err := c.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("events"),
				Item: map[string]types.AttributeValue{"id": s("a"), "v": n("2"), "exp": n("1699999000")}})
			mustDo(t, err)
		}},
	{name: "UpdateItem existing", want: recordSummary{Name: "MODIFY", Keys: keysA, Old: itemA1, New: itemA2},
		write: func(t *testing.T, e *Engine, c *dynamodb.Client) {
			_, err := c.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{TableName: aws.String("events"), Key: key("a"),
				UpdateExpression: aws.String("SET v = v + :one"), ExpressionAttributeValues: avs(":one", n("1"))})
			mustDo(t, err)
		}},
	{name: "UpdateItem creating", want: recordSummary{Name: "INSERT", Keys: keysB, New: itemB},
		write: func(t *testing.T, e *Engine, c *dynamodb.Client) {
			_, err := c.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{TableName: aws.String("events"), Key: key("b"),
				UpdateExpression: aws.String("SET v = :one"), ExpressionAttributeValues: avs(":one", n("1"))})
			mustDo(t, err)
		}},
	{name: "DeleteItem", want: recordSummary{Name: "REMOVE", Keys: keysA, Old: itemA1},
		write: func(t *testing.T, e *Engine, c *dynamodb.Client) {
			_, err := c.DeleteItem(context.Background(), &dynamodb.DeleteItemInput{TableName: aws.String("events"), Key: key("a")})
			mustDo(t, err)
		}},
	{name: "BatchWriteItem put", want: recordSummary{Name: "INSERT", Keys: keysB, New: itemB},
		write: func(t *testing.T, e *Engine, c *dynamodb.Client) {
			_, err := c.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
				"events": {{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"id": s("b"), "v": n("1")}}}}}})
			mustDo(t, err)
		}},
	{name: "BatchWriteItem delete", want: recordSummary{Name: "REMOVE", Keys: keysA, Old: itemA1},
		write: func(t *testing.T, e *Engine, c *dynamodb.Client) {
			_, err := c.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
				"events": {{DeleteRequest: &types.DeleteRequest{Key: key("a")}}}}})
			mustDo(t, err)
		}},
	{name: "TransactWriteItems update", want: recordSummary{Name: "MODIFY", Keys: keysA, Old: itemA1, New: itemA2},
		write: func(t *testing.T, e *Engine, c *dynamodb.Client) {
			_, err := c.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Update: &types.Update{TableName: aws.String("events"), Key: key("a"), UpdateExpression: aws.String("SET v = :two"),
					ExpressionAttributeValues: avs(":two", n("2"))}}}})
			mustDo(t, err)
		}},
	{name: "TTL delete", want: recordSummary{Name: "REMOVE", Keys: keysA, Old: itemA1, Identity: "Service/dynamodb.amazonaws.com"},
		write: func(t *testing.T, e *Engine, c *dynamodb.Client) {
			if got := e.ExpireNow(); got != 1 {
				t.Fatalf("ExpireNow = %d, want 1", got)
			}
		}},
}

// viewed keeps what a stream of the given view type shows of a record.
func viewed(r recordSummary, view types.StreamViewType) recordSummary {
	switch view {
	case types.StreamViewTypeKeysOnly:
		r.Old, r.New = nil, nil
	case types.StreamViewTypeNewImage:
		r.Old = nil
	case types.StreamViewTypeOldImage:
		r.New = nil
	}
	return r
}

func TestStreamRecordPerViewTypeAndWrite(t *testing.T) {
	views := []types.StreamViewType{types.StreamViewTypeKeysOnly, types.StreamViewTypeNewImage,
		types.StreamViewTypeOldImage, types.StreamViewTypeNewAndOldImages}
	for _, view := range views {
		for _, w := range streamWrites {
			t.Run(string(view)+"/"+w.name, func(t *testing.T) {
				clock := newFakeClock()
				e, c, url := newTestEngine(t, Options{Now: clock.Now})
				createIDTable(t, c, "events", view)
				_, err := c.UpdateTimeToLive(context.Background(), &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("events"),
					TimeToLiveSpecification: &types.TimeToLiveSpecification{Enabled: aws.Bool(true), AttributeName: aws.String("exp")}})
				mustDo(t, err)
				putItems(t, c, "events", map[string]types.AttributeValue{"id": s("a"), "v": n("1"), "exp": n("1699999000")})
				sc := streamsClient(url)
				recs := readRecords(t, sc, latest(t, sc, e, "events"), 0)
				if len(recs) != 0 {
					t.Fatalf("LATEST iterator before the write returned %d records", len(recs))
				}
				it := latest(t, sc, e, "events")
				w.write(t, e, c)
				recs = readRecords(t, sc, it, 0)
				if diff := cmp.Diff([]recordSummary{viewed(w.want, view)}, summarize(recs)); diff != "" {
					t.Errorf("records (-want +got):\n%s", diff)
				}
				for _, r := range recs {
					if r.Dynamodb.StreamViewType != streamtypes.StreamViewType(view) || aws.ToString(r.EventSource) != "aws:dynamodb" || r.Dynamodb.SizeBytes == nil || *r.Dynamodb.SizeBytes <= 0 {
						t.Errorf("record metadata: view %s source %s size %v", r.Dynamodb.StreamViewType, aws.ToString(r.EventSource), r.Dynamodb.SizeBytes)
					}
				}
			})
		}
	}
}

// TestStreamNoRecordForWriteThatChangesNothing follows the developer guide: a PutItem or
// UpdateItem that does not change the item writes no stream record, nor does a delete of a
// missing item or a write whose condition fails.
func TestStreamNoRecordForWriteThatChangesNothing(t *testing.T) {
	same := map[string]types.AttributeValue{"id": s("a"), "v": n("1"), "tags": &types.AttributeValueMemberSS{Value: []string{"x", "y"}}}
	tests := []struct {
		name  string
		write func(c *dynamodb.Client) error
	}{
		{"PutItem of the identical item", func(c *dynamodb.Client) error {
			_, err := c.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("events"), Item: same})
			return err
		}},
		{"UpdateItem setting the same value", func(c *dynamodb.Client) error {
			_, err := c.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{TableName: aws.String("events"), Key: key("a"),
				UpdateExpression: aws.String("SET v = :one"), ExpressionAttributeValues: avs(":one", n("1.0"))})
			return err
		}},
		{"UpdateItem removing a missing attribute", func(c *dynamodb.Client) error {
			_, err := c.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{TableName: aws.String("events"), Key: key("a"),
				UpdateExpression: aws.String("REMOVE nothing")})
			return err
		}},
		{"DeleteItem of a missing item", func(c *dynamodb.Client) error {
			_, err := c.DeleteItem(context.Background(), &dynamodb.DeleteItemInput{TableName: aws.String("events"), Key: key("zz")})
			return err
		}},
		{"BatchWriteItem of the identical item", func(c *dynamodb.Client) error {
			_, err := c.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
				"events": {{PutRequest: &types.PutRequest{Item: same}}}}})
			return err
		}},
		{"TransactWriteItems put of the identical item", func(c *dynamodb.Client) error {
			_, err := c.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: aws.String("events"), Item: same}}}})
			return err
		}},
		{"conditional write that fails", func(c *dynamodb.Client) error {
			_, err := c.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("events"), Item: map[string]types.AttributeValue{"id": s("a")},
				ConditionExpression: aws.String("attribute_not_exists(id)")})
			var ccf *types.ConditionalCheckFailedException
			if errors.As(err, &ccf) {
				return nil
			}
			return errors.Join(errors.New("want ConditionalCheckFailedException"), err)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, c, url := newTestEngine(t, Options{})
			createIDTable(t, c, "events", types.StreamViewTypeNewAndOldImages)
			putItems(t, c, "events", same)
			sc := streamsClient(url)
			it := latest(t, sc, e, "events")
			mustDo(t, tt.write(c))
			if recs := readRecords(t, sc, it, 0); len(recs) != 0 {
				t.Errorf("got %d records, want none: %+v", len(recs), summarize(recs))
			}
		})
	}
}

// TestStreamOrderingAndSequenceNumbers: every item's records arrive in the order of its writes
// and sequence numbers increase (as numbers) through the shard.
func TestStreamOrderingAndSequenceNumbers(t *testing.T) {
	e, c, url := newTestEngine(t, Options{})
	createIDTable(t, c, "events", types.StreamViewTypeNewImage)
	ids := []string{"a", "b", "c"}
	const rounds = 12
	for range rounds {
		for _, id := range ids {
			_, err := c.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{TableName: aws.String("events"), Key: key(id),
				UpdateExpression: aws.String("ADD v :one"), ExpressionAttributeValues: avs(":one", n("1"))})
			mustDo(t, err)
		}
	}
	sc := streamsClient(url)
	recs := readRecords(t, sc, iteratorAt(t, sc, e, "events", streamtypes.ShardIteratorTypeTrimHorizon, ""), 7)
	got := map[string][]string{}
	prev := new(big.Int)
	for i, r := range recs {
		id := streamValue(r.Dynamodb.Keys["id"]).(string)
		got[id] = append(got[id], streamValue(r.Dynamodb.NewImage["v"]).(string))
		seq, ok := new(big.Int).SetString(aws.ToString(r.Dynamodb.SequenceNumber), 10)
		if !ok || seq.Cmp(prev) <= 0 {
			t.Errorf("record %d: sequence number %s does not follow %s", i, aws.ToString(r.Dynamodb.SequenceNumber), prev)
		}
		if ok {
			prev = seq
		}
	}
	want := map[string][]string{}
	for _, id := range ids {
		for v := 1; v <= rounds; v++ {
			want[id] = append(want[id], big.NewInt(int64(v)).String())
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("per-item values (-want +got):\n%s", diff)
	}
}

func TestShardIteratorTypesAndLimit(t *testing.T) {
	e, c, url := newTestEngine(t, Options{})
	createIDTable(t, c, "events", types.StreamViewTypeKeysOnly)
	for _, id := range []string{"r0", "r1", "r2", "r3", "r4"} {
		putItems(t, c, "events", map[string]types.AttributeValue{"id": s(id)})
	}
	sc := streamsClient(url)
	all := readRecords(t, sc, iteratorAt(t, sc, e, "events", streamtypes.ShardIteratorTypeTrimHorizon, ""), 0)
	if len(all) != 5 {
		t.Fatalf("TRIM_HORIZON read %d records, want 5", len(all))
	}
	seq2 := aws.ToString(all[2].Dynamodb.SequenceNumber)
	keysOf := func(recs []streamtypes.Record) []string {
		var out []string
		for _, r := range recs {
			out = append(out, streamValue(r.Dynamodb.Keys["id"]).(string))
		}
		return out
	}
	tests := []struct {
		typ   streamtypes.ShardIteratorType
		seq   string
		limit int32
		want  []string
	}{
		{streamtypes.ShardIteratorTypeTrimHorizon, "", 0, []string{"r0", "r1", "r2", "r3", "r4"}},
		{streamtypes.ShardIteratorTypeTrimHorizon, "", 2, []string{"r0", "r1", "r2", "r3", "r4"}},
		{streamtypes.ShardIteratorTypeLatest, "", 0, nil},
		{streamtypes.ShardIteratorTypeAtSequenceNumber, seq2, 0, []string{"r2", "r3", "r4"}},
		{streamtypes.ShardIteratorTypeAfterSequenceNumber, seq2, 1, []string{"r3", "r4"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ), func(t *testing.T) {
			got := keysOf(readRecords(t, sc, iteratorAt(t, sc, e, "events", tt.typ, tt.seq), tt.limit))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
		})
	}

	// Limit bounds each page, and an open shard always hands back a next iterator.
	it := iteratorAt(t, sc, e, "events", streamtypes.ShardIteratorTypeTrimHorizon, "")
	var sizes []int
	for range 4 {
		page, err := sc.GetRecords(context.Background(), &dynamodbstreams.GetRecordsInput{ShardIterator: aws.String(it), Limit: aws.Int32(2)})
		mustDo(t, err)
		if page.NextShardIterator == nil {
			t.Fatal("open shard returned no NextShardIterator")
		}
		sizes = append(sizes, len(page.Records))
		it = aws.ToString(page.NextShardIterator)
	}
	if diff := cmp.Diff([]int{2, 2, 1, 0}, sizes); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
	// A LATEST iterator taken now sees the next write and nothing before it.
	it = latest(t, sc, e, "events")
	putItems(t, c, "events", map[string]types.AttributeValue{"id": s("r5")})
	if diff := cmp.Diff([]string{"r5"}, keysOf(readRecords(t, sc, it, 0))); diff != "" {
		t.Errorf("LATEST then write (-want +got):\n%s", diff)
	}
	// AT_SEQUENCE_NUMBER without a sequence number is invalid.
	_, err := sc.GetShardIterator(context.Background(), &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(e.StreamARN("events")),
		ShardId: aws.String(shardID), ShardIteratorType: streamtypes.ShardIteratorTypeAtSequenceNumber})
	if toAPIErr(t, err).Code != "ValidationException" {
		t.Errorf("AT_SEQUENCE_NUMBER without SequenceNumber: got %v, want ValidationException", err)
	}
}

func TestListAndDescribeStreams(t *testing.T) {
	e, c, url := newTestEngine(t, Options{})
	createIDTable(t, c, "a-table", types.StreamViewTypeNewImage)
	createIDTable(t, c, "b-table", types.StreamViewTypeKeysOnly)
	createIDTable(t, c, "no-stream", "")
	sc := streamsClient(url)
	ctx := context.Background()

	type listed struct{ Table, ARN string }
	list := func(table *string) []listed {
		out, err := sc.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{TableName: table})
		mustDo(t, err)
		var got []listed
		for _, s := range out.Streams {
			if aws.ToString(s.StreamLabel) == "" {
				t.Errorf("stream %s has no label", aws.ToString(s.StreamArn))
			}
			got = append(got, listed{aws.ToString(s.TableName), aws.ToString(s.StreamArn)})
		}
		return got
	}
	tests := []struct {
		table *string
		want  []listed
	}{
		{nil, []listed{{"a-table", e.StreamARN("a-table")}, {"b-table", e.StreamARN("b-table")}}},
		{aws.String("b-table"), []listed{{"b-table", e.StreamARN("b-table")}}},
		{aws.String("no-stream"), nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, list(tt.table)); diff != "" {
			t.Errorf("ListStreams(%v) (-want +got):\n%s", aws.ToString(tt.table), diff)
		}
	}

	putItems(t, c, "a-table", map[string]types.AttributeValue{"id": s("x")})
	type shape struct {
		Status, View, Table string
		Keys                []string
		Shards              int
		Starting, Ending    bool
	}
	describe := func() (shape, *streamtypes.StreamDescription) {
		out, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(e.StreamARN("a-table"))})
		mustDo(t, err)
		d := out.StreamDescription
		sh := shape{Status: string(d.StreamStatus), View: string(d.StreamViewType), Table: aws.ToString(d.TableName), Shards: len(d.Shards)}
		for _, k := range d.KeySchema {
			sh.Keys = append(sh.Keys, aws.ToString(k.AttributeName)+" "+string(k.KeyType))
		}
		if len(d.Shards) > 0 && d.Shards[0].SequenceNumberRange != nil {
			sh.Starting = d.Shards[0].SequenceNumberRange.StartingSequenceNumber != nil
			sh.Ending = d.Shards[0].SequenceNumberRange.EndingSequenceNumber != nil
		}
		if aws.ToString(d.StreamArn) != e.StreamARN("a-table") || d.CreationRequestDateTime == nil || aws.ToString(d.StreamLabel) == "" {
			t.Errorf("StreamDescription arn/label/created = %s %s %v", aws.ToString(d.StreamArn), aws.ToString(d.StreamLabel), d.CreationRequestDateTime)
		}
		return sh, d
	}
	got, _ := describe()
	want := shape{Status: "ENABLED", View: "NEW_IMAGE", Table: "a-table", Keys: []string{"id HASH"}, Shards: 1, Starting: true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("enabled stream (-want +got):\n%s", diff)
	}

	// Disabling closes the shard: it gets an ending sequence number, and reading to its end
	// returns no next iterator.
	_, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("a-table"),
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(false)}})
	mustDo(t, err)
	got, d := describe()
	want.Status, want.Ending = "DISABLED", true
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("disabled stream (-want +got):\n%s", diff)
	}
	page, err := sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: aws.String(iteratorAt(t, sc, e, "a-table", streamtypes.ShardIteratorTypeTrimHorizon, ""))})
	mustDo(t, err)
	if len(page.Records) != 1 || page.NextShardIterator != nil ||
		aws.ToString(page.Records[0].Dynamodb.SequenceNumber) != aws.ToString(d.Shards[0].SequenceNumberRange.EndingSequenceNumber) {
		t.Errorf("closed shard: %d records, next %v", len(page.Records), page.NextShardIterator)
	}

	_, err = sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(e.StreamARN("a-table") + "x")})
	var rnf *streamtypes.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Errorf("DescribeStream of an unknown ARN: got %v, want ResourceNotFoundException", err)
	}
}

// TestStreamAPIsWhileStreamSpecificationChanges reads the stream catalog while UpdateTable
// replaces a table's stream; run under -race.
func TestStreamAPIsWhileStreamSpecificationChanges(t *testing.T) {
	e, c, url := newTestEngine(t, Options{})
	createIDTable(t, c, "events", "")
	sc := streamsClient(url)
	ctx := context.Background()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 20 {
			_, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("events"),
				StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(i%2 == 0), StreamViewType: types.StreamViewTypeKeysOnly}})
			if err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for range 20 {
		if _, err := sc.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{}); err != nil {
			t.Fatal(err)
		}
		if arn := e.StreamARN("events"); arn != "" {
			// The engine keeps only a table's latest stream (DynamoDB keeps replaced ones
			// readable for 24 hours), so the ARN may be gone by now.
			_, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)})
			var rnf *streamtypes.ResourceNotFoundException
			if err != nil && !errors.As(err, &rnf) {
				t.Fatal(err)
			}
		}
	}
	wg.Wait()
}
