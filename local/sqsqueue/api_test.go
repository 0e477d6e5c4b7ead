package sqsqueue_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/edge"
	"github.com/microshop/microshop/local/sqsqueue"
)

// client speaks the SQS JSON protocol the way the SDKs do: a POST with X-Amz-Target and a
// SigV4 Authorization header (not verified locally, but the SenderId comes from it).
type client struct {
	t        *testing.T
	endpoint string
}

// apiError is an error response as an SDK sees it: the SDKs for SQS map the
// x-amzn-query-error code to their error codes and __type to their typed errors.
type apiError struct {
	Status     int
	Type       string
	QueryError string
}

// startAPI serves a fresh Service behind the edge router, as the local runtime does.
func startAPI(t *testing.T) (*sqsqueue.Service, client) {
	t.Helper()
	e := edge.New()
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	svc := sqsqueue.New(sqsqueue.Options{Region: "us-east-1", AccountID: "000000000000", BaseURL: srv.URL})
	e.Handle(edge.SQS, svc)
	return svc, client{t: t, endpoint: srv.URL}
}

// call runs op and decodes the response into out; it returns the error response, if any.
func (c client) call(op string, in, out any) *apiError {
	c.t.Helper()
	body, err := json.Marshal(in)
	if err != nil {
		c.t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(c.t.Context(), http.MethodPost, c.endpoint+"/", bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", "AmazonSQS."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s: %v", op, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-amz-json-1.0" {
		c.t.Errorf("%s: Content-Type %q", op, ct)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			c.t.Fatalf("%s: error body %s: %v", op, raw, err)
		}
		return &apiError{Status: resp.StatusCode, Type: e.Type, QueryError: resp.Header.Get("x-amzn-query-error")}
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s: response %s: %v", op, raw, err)
		}
	}
	return nil
}

func (c client) mustCall(op string, in, out any) {
	c.t.Helper()
	if e := c.call(op, in, out); e != nil {
		c.t.Fatalf("%s: %+v", op, *e)
	}
}

func (c client) createQueue(name string, attrs map[string]string) string {
	c.t.Helper()
	var out struct{ QueueUrl string }
	c.mustCall("CreateQueue", map[string]any{"QueueName": name, "Attributes": attrs}, &out)
	return out.QueueUrl
}

type wireAttr struct {
	DataType    string
	StringValue string `json:",omitempty"`
	BinaryValue []byte `json:",omitempty"`
}

type wireMessage struct {
	MessageId              string
	ReceiptHandle          string
	MD5OfBody              string
	Body                   string
	Attributes             map[string]string
	MD5OfMessageAttributes string
	MessageAttributes      map[string]wireAttr
}

type receiveOutput struct{ Messages []wireMessage }

func md5Of(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestAPISendReceiveDelete(t *testing.T) {
	_, c := startAPI(t)
	url := c.createQueue("orders", nil)
	if want := c.endpoint + "/000000000000/orders"; url != want {
		t.Errorf("QueueUrl = %s, want %s", url, want)
	}
	var got struct{ QueueUrl string }
	c.mustCall("GetQueueUrl", map[string]any{"QueueName": "orders"}, &got)
	if got.QueueUrl != url {
		t.Errorf("GetQueueUrl = %s, want %s", got.QueueUrl, url)
	}

	attrs := map[string]wireAttr{
		"version": {DataType: "Number", StringValue: "2"},
		"blob":    {DataType: "Binary.gz", BinaryValue: []byte{0, 1, 2, 255}},
	}
	body := `{"orderId":"o-1"}`
	var sent struct {
		MessageId, MD5OfMessageBody, MD5OfMessageAttributes, MD5OfMessageSystemAttributes string
	}
	c.mustCall("SendMessage", map[string]any{
		"QueueUrl": url, "MessageBody": body, "MessageAttributes": attrs,
		"MessageSystemAttributes": map[string]wireAttr{"AWSTraceHeader": {DataType: "String", StringValue: "Root=1-abc"}},
	}, &sent)
	if sent.MD5OfMessageBody != md5Of(body) || sent.MD5OfMessageAttributes == "" || sent.MD5OfMessageSystemAttributes == "" {
		t.Errorf("SendMessage = %+v, want the body's MD5 and attribute digests", sent)
	}

	var recv receiveOutput
	c.mustCall("ReceiveMessage", map[string]any{
		"QueueUrl": url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 1,
		"MessageSystemAttributeNames": []string{"All"}, "MessageAttributeNames": []string{"All"},
	}, &recv)
	if len(recv.Messages) != 1 {
		t.Fatalf("got %d messages, want 1", len(recv.Messages))
	}
	m := recv.Messages[0]
	if m.MessageId != sent.MessageId || m.Body != body || m.MD5OfBody != md5Of(body) {
		t.Errorf("message = %+v", m)
	}
	if m.MD5OfMessageAttributes != sent.MD5OfMessageAttributes {
		t.Errorf("MD5OfMessageAttributes on receive %s != on send %s", m.MD5OfMessageAttributes, sent.MD5OfMessageAttributes)
	}
	if diff := cmp.Diff(attrs, m.MessageAttributes); diff != "" {
		t.Errorf("message attributes (-sent +received):\n%s", diff)
	}
	for _, k := range []string{"ApproximateReceiveCount", "SentTimestamp", "ApproximateFirstReceiveTimestamp", "AWSTraceHeader"} {
		if m.Attributes[k] == "" {
			t.Errorf("attribute %s missing from %v", k, m.Attributes)
		}
	}
	if m.Attributes["SenderId"] != "AKIDLOCAL" {
		t.Errorf("SenderId = %q, want the caller's access key id", m.Attributes["SenderId"])
	}

	c.mustCall("DeleteMessage", map[string]any{"QueueUrl": url, "ReceiptHandle": m.ReceiptHandle}, nil)
	var qa struct{ Attributes map[string]string }
	c.mustCall("GetQueueAttributes", map[string]any{"QueueUrl": url, "AttributeNames": []string{"All"}}, &qa)
	if qa.Attributes["ApproximateNumberOfMessages"] != "0" || qa.Attributes["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Errorf("counts after delete = %v", qa.Attributes)
	}
	if qa.Attributes["QueueArn"] != "arn:aws:sqs:us-east-1:000000000000:orders" {
		t.Errorf("QueueArn = %s", qa.Attributes["QueueArn"])
	}
	var empty map[string]any
	c.mustCall("ReceiveMessage", map[string]any{"QueueUrl": url}, &empty)
	if len(empty) != 0 {
		t.Errorf("empty receive = %v, want {}", empty)
	}
}

func TestAPIFilteredMessageAttributes(t *testing.T) {
	_, c := startAPI(t)
	url := c.createQueue("q", nil)
	c.mustCall("SendMessage", map[string]any{"QueueUrl": url, "MessageBody": "b", "MessageAttributes": map[string]wireAttr{
		"trace.id":  {DataType: "String", StringValue: "t"},
		"trace.src": {DataType: "String", StringValue: "s"},
		"other":     {DataType: "String", StringValue: "o"},
	}}, nil)
	var recv receiveOutput
	c.mustCall("ReceiveMessage", map[string]any{"QueueUrl": url, "MessageAttributeNames": []string{"trace.*"},
		"AttributeNames": []string{"SentTimestamp"}}, &recv)
	if len(recv.Messages) != 1 {
		t.Fatalf("got %d messages", len(recv.Messages))
	}
	m := recv.Messages[0]
	want := map[string]wireAttr{"trace.id": {DataType: "String", StringValue: "t"}, "trace.src": {DataType: "String", StringValue: "s"}}
	if diff := cmp.Diff(want, m.MessageAttributes); diff != "" {
		t.Errorf("attributes (-want +got):\n%s", diff)
	}
	if len(m.Attributes) != 1 || m.Attributes["SentTimestamp"] == "" {
		t.Errorf("system attributes = %v, want only SentTimestamp", m.Attributes)
	}
	// The digest covers the attributes returned, so SDKs that verify it agree.
	var sentOnly struct{ MD5OfMessageAttributes string }
	c.mustCall("SendMessage", map[string]any{"QueueUrl": url, "MessageBody": "b", "MessageAttributes": want}, &sentOnly)
	if m.MD5OfMessageAttributes != sentOnly.MD5OfMessageAttributes {
		t.Errorf("MD5OfMessageAttributes = %s, want %s (digest of the returned attributes)", m.MD5OfMessageAttributes, sentOnly.MD5OfMessageAttributes)
	}
}

func TestAPIErrors(t *testing.T) {
	_, c := startAPI(t)
	url := c.createQueue("q", nil)
	missing := c.endpoint + "/000000000000/missing"
	entry := func(id string) map[string]any { return map[string]any{"Id": id, "MessageBody": "b"} }
	var eleven []map[string]any
	for i := range 11 {
		eleven = append(eleven, entry("e"+strconv.Itoa(i)))
	}
	tests := []struct {
		name string
		op   string
		in   map[string]any
		want apiError
	}{
		{"get url of missing queue", "GetQueueUrl", map[string]any{"QueueName": "missing"},
			apiError{400, "com.amazonaws.sqs#QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue;Sender"}},
		{"send to missing queue", "SendMessage", map[string]any{"QueueUrl": missing, "MessageBody": "x"},
			apiError{400, "com.amazonaws.sqs#QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue;Sender"}},
		{"invalid receipt handle", "DeleteMessage", map[string]any{"QueueUrl": url, "ReceiptHandle": "bogus"},
			apiError{404, "com.amazonaws.sqs#ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid;Sender"}},
		{"too many messages", "ReceiveMessage", map[string]any{"QueueUrl": url, "MaxNumberOfMessages": 11},
			apiError{400, "com.amazonaws.sqs#InvalidParameterValue", "InvalidParameterValue;Sender"}},
		{"queue exists with other attributes", "CreateQueue", map[string]any{"QueueName": "q", "Attributes": map[string]string{"VisibilityTimeout": "1"}},
			apiError{400, "com.amazonaws.sqs#QueueNameExists", "QueueAlreadyExists;Sender"}},
		{"unknown queue attribute", "GetQueueAttributes", map[string]any{"QueueUrl": url, "AttributeNames": []string{"Bogus"}},
			apiError{400, "com.amazonaws.sqs#InvalidAttributeName", "InvalidAttributeName;Sender"}},
		{"invalid characters", "SendMessage", map[string]any{"QueueUrl": url, "MessageBody": "bad \x01"},
			apiError{400, "com.amazonaws.sqs#InvalidMessageContents", "InvalidMessageContents;Sender"}},
		{"missing body", "SendMessage", map[string]any{"QueueUrl": url},
			apiError{400, "com.amazonaws.sqs#MissingParameter", "MissingParameter;Sender"}},
		{"empty batch", "SendMessageBatch", map[string]any{"QueueUrl": url, "Entries": []any{}},
			apiError{400, "com.amazonaws.sqs#EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest;Sender"}},
		{"too many entries", "DeleteMessageBatch", map[string]any{"QueueUrl": url, "Entries": eleven},
			apiError{400, "com.amazonaws.sqs#TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest;Sender"}},
		{"duplicate ids", "SendMessageBatch", map[string]any{"QueueUrl": url, "Entries": []any{entry("a"), entry("a")}},
			apiError{400, "com.amazonaws.sqs#BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct;Sender"}},
		{"invalid id", "SendMessageBatch", map[string]any{"QueueUrl": url, "Entries": []any{entry("a b")}},
			apiError{400, "com.amazonaws.sqs#InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId;Sender"}},
		{"unknown operation", "CreateTopic", map[string]any{"QueueUrl": url},
			apiError{400, "com.amazonaws.sqs#InvalidAction", "InvalidAction;Sender"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := client{t: t, endpoint: c.endpoint}
			got := c.call(tt.op, tt.in, nil)
			if got == nil {
				t.Fatalf("%s succeeded, want %s", tt.op, tt.want.Type)
			}
			if diff := cmp.Diff(tt.want, *got); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

type batchResult struct {
	Successful []struct{ Id, MessageId, MD5OfMessageBody string }
	Failed     []struct {
		Id, Code, Message string
		SenderFault       bool
	}
}

func TestAPIBatches(t *testing.T) {
	_, c := startAPI(t)
	url := c.createQueue("q", nil)
	var sent batchResult
	c.mustCall("SendMessageBatch", map[string]any{"QueueUrl": url, "Entries": []any{
		map[string]any{"Id": "ok1", "MessageBody": "one"},
		map[string]any{"Id": "bad", "MessageBody": "x", "DelaySeconds": 1000},
		map[string]any{"Id": "ok2", "MessageBody": "two"},
	}}, &sent)
	if len(sent.Successful) != 2 || sent.Successful[1].MD5OfMessageBody != md5Of("two") ||
		len(sent.Failed) != 1 || sent.Failed[0].Id != "bad" || sent.Failed[0].Code != "InvalidParameterValue" || !sent.Failed[0].SenderFault {
		t.Fatalf("SendMessageBatch = %+v", sent)
	}
	var recv receiveOutput
	c.mustCall("ReceiveMessage", map[string]any{"QueueUrl": url, "MaxNumberOfMessages": 10}, &recv)
	if len(recv.Messages) != 2 {
		t.Fatalf("got %d messages, want 2", len(recv.Messages))
	}
	var vis batchResult
	c.mustCall("ChangeMessageVisibilityBatch", map[string]any{"QueueUrl": url, "Entries": []any{
		map[string]any{"Id": "a", "ReceiptHandle": recv.Messages[0].ReceiptHandle, "VisibilityTimeout": 60},
		map[string]any{"Id": "b", "ReceiptHandle": "bogus", "VisibilityTimeout": 60},
	}}, &vis)
	if len(vis.Successful) != 1 || len(vis.Failed) != 1 || vis.Failed[0].Code != "ReceiptHandleIsInvalid" {
		t.Fatalf("ChangeMessageVisibilityBatch = %+v", vis)
	}
	var del batchResult
	c.mustCall("DeleteMessageBatch", map[string]any{"QueueUrl": url, "Entries": []any{
		map[string]any{"Id": "a", "ReceiptHandle": recv.Messages[0].ReceiptHandle},
		map[string]any{"Id": "b", "ReceiptHandle": recv.Messages[1].ReceiptHandle},
	}}, &del)
	if len(del.Successful) != 2 || len(del.Failed) != 0 {
		t.Fatalf("DeleteMessageBatch = %+v", del)
	}
}

func TestAPIQueueManagement(t *testing.T) {
	_, c := startAPI(t)
	for _, n := range []string{"svc-a", "svc-b", "svc-c", "other"} {
		c.createQueue(n, nil)
	}
	fifo := c.createQueue("jobs.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})

	var list struct {
		QueueUrls []string
		NextToken string
	}
	c.mustCall("ListQueues", map[string]any{"QueueNamePrefix": "svc-"}, &list)
	if len(list.QueueUrls) != 3 {
		t.Errorf("ListQueues(svc-) = %v", list.QueueUrls)
	}
	var paged []string
	token := ""
	for range 10 {
		list.NextToken = ""
		c.mustCall("ListQueues", map[string]any{"MaxResults": 2, "NextToken": token}, &list)
		paged = append(paged, list.QueueUrls...)
		if token = list.NextToken; token == "" {
			break
		}
	}
	if len(paged) != 5 {
		t.Errorf("paginated ListQueues returned %v, want 5 urls", paged)
	}

	var sent struct{ SequenceNumber string }
	c.mustCall("SendMessage", map[string]any{"QueueUrl": fifo, "MessageBody": "job", "MessageGroupId": "g"}, &sent)
	if sent.SequenceNumber == "" {
		t.Errorf("FIFO SendMessage returned no SequenceNumber")
	}
	c.mustCall("SetQueueAttributes", map[string]any{"QueueUrl": fifo, "Attributes": map[string]string{"VisibilityTimeout": "99"}}, nil)
	var qa struct{ Attributes map[string]string }
	c.mustCall("GetQueueAttributes", map[string]any{"QueueUrl": fifo, "AttributeNames": []string{"VisibilityTimeout", "ApproximateNumberOfMessages", "FifoQueue"}}, &qa)
	if diff := cmp.Diff(map[string]string{"VisibilityTimeout": "99", "ApproximateNumberOfMessages": "1", "FifoQueue": "true"}, qa.Attributes); diff != "" {
		t.Errorf("attributes (-want +got):\n%s", diff)
	}
	c.mustCall("PurgeQueue", map[string]any{"QueueUrl": fifo}, nil)
	if e := c.call("PurgeQueue", map[string]any{"QueueUrl": fifo}, nil); e == nil || e.QueryError != "AWS.SimpleQueueService.PurgeQueueInProgress;Sender" || e.Status != 403 {
		t.Errorf("second purge = %+v, want PurgeQueueInProgress", e)
	}
	c.mustCall("TagQueue", map[string]any{"QueueUrl": fifo, "Tags": map[string]string{"team": "orders"}}, nil)
	var tags struct{ Tags map[string]string }
	c.mustCall("ListQueueTags", map[string]any{"QueueUrl": fifo}, &tags)
	if tags.Tags["team"] != "orders" {
		t.Errorf("ListQueueTags = %v", tags.Tags)
	}
	c.mustCall("DeleteQueue", map[string]any{"QueueUrl": fifo}, nil)
	if e := c.call("GetQueueUrl", map[string]any{"QueueName": "jobs.fifo"}, nil); e == nil || e.Type != "com.amazonaws.sqs#QueueDoesNotExist" {
		t.Errorf("GetQueueUrl after DeleteQueue = %+v", e)
	}
}

func TestAPILongPollWakesOnSend(t *testing.T) {
	_, c := startAPI(t)
	url := c.createQueue("q", nil)
	type result struct {
		out receiveOutput
		d   time.Duration
	}
	done := make(chan result, 1)
	go func() {
		var r result
		start := time.Now()
		poller := client{t: t, endpoint: c.endpoint}
		poller.call("ReceiveMessage", map[string]any{"QueueUrl": url, "WaitTimeSeconds": 20}, &r.out)
		r.d = time.Since(start)
		done <- r
	}()
	time.Sleep(100 * time.Millisecond)
	c.mustCall("SendMessage", map[string]any{"QueueUrl": url, "MessageBody": "ping"}, nil)
	r := <-done
	if len(r.out.Messages) != 1 || r.d > 3*time.Second {
		t.Fatalf("long poll = %d messages after %v, want 1 promptly", len(r.out.Messages), r.d)
	}
}
