package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/microshop/microshop/local/sdk"
)

// catalogBus is the name of the stack's one event bus.
func catalogBus(t testing.TB) string {
	t.Helper()
	buses := rt.Model().EventBuses
	if len(buses) != 1 {
		t.Fatalf("template has %d event buses, want the shop's one", len(buses))
	}
	return buses[0].Name
}

// tappedEvent is what a rule → SQS target delivers: the EventBridge event with the catalog's
// envelope as detail.
type tappedEvent struct {
	Source     string `json:"source"`
	DetailType string `json:"detail-type"`
	Detail     struct {
		ID            string `json:"id"`
		Type          string `json:"type"`
		Version       int    `json:"version"`
		Source        string `json:"source"`
		CorrelationID string `json:"correlationId"`
		Data          struct {
			ID    string `json:"id"`
			Name  string `json:"name"`
			Price price  `json:"price"`
		} `json:"data"`
	} `json:"detail"`
}

// receiveOne long-polls the tap until a message it has not returned before arrives or the
// wait runs out, and decodes it (r reads at least once and deletes what it reads).
func receiveOne(t testing.TB, r *sdk.QueueReader, wait time.Duration) (tappedEvent, bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		msgs, err := r.Receive(context.Background(), 1, 1)
		if err != nil {
			t.Fatalf("receive: %v", err)
		}
		if len(msgs) == 0 {
			continue
		}
		var ev tappedEvent
		if err := json.Unmarshal([]byte(aws.ToString(msgs[0].Body)), &ev); err != nil {
			t.Fatalf("decode %s: %v", aws.ToString(msgs[0].Body), err)
		}
		return ev, true
	}
	return tappedEvent{}, false
}

// tapReader reads the tap queue at queueURL: a 2 s visibility timeout, under the waits.
func tapReader(client *sqs.Client, queueURL string) *sdk.QueueReader {
	return &sdk.QueueReader{Client: client, URL: queueURL, VisibilityTimeout: 2, Delete: true}
}

// replacePrice PUTs p with a new price, as its current version.
func replacePrice(t testing.TB, p product, amount int64) product {
	t.Helper()
	r := do(t, http.MethodPut, "/products/"+p.ID, productJSON(p.Name, p.Category, amount),
		map[string]string{"If-Match": strconv.Itoa(p.Version)})
	if r.status != http.StatusOK {
		t.Fatalf("replace %s: status %d %s", p.ID, r.status, r.body)
	}
	return decode[product](t, r)
}

// TestPriceChangeReachesATappedQueue taps the catalog's bus the way a developer does with
// `aws events put-rule` + `put-targets` against a running stack: a rule for ProductChanged
// onto their own queue. The create before the change does not match the rule; the price
// change arrives once, through the catalog's outbox and publisher, with the new price.
func TestPriceChangeReachesATappedQueue(t *testing.T) {
	ctx := context.Background()
	eb, queues := sdk.EventBridge(rt.EdgeURL()), sdk.SQS(rt.EdgeURL())
	bus := catalogBus(t)

	q, err := queues.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("e2e-tap")})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := queues.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		t.Fatal(err)
	}
	p := create(t, "Tapped Teapot", "taps")
	pattern := fmt.Sprintf(`{"source":["microshop.catalog"],"detail-type":["ProductChanged"],"detail":{"data":{"id":[%q]}}}`, p.ID)
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{
		Name: aws.String("e2e-tap"), EventBusName: aws.String(bus), EventPattern: aws.String(pattern),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{
		Rule: aws.String("e2e-tap"), EventBusName: aws.String(bus),
		Targets: []ebtypes.Target{{Id: aws.String("mine"), Arn: aws.String(attrs.Attributes["QueueArn"])}},
	}); err != nil {
		t.Fatal(err)
	}

	changed := replacePrice(t, p, 4321)
	tap := tapReader(queues, aws.ToString(q.QueueUrl))
	ev, ok := receiveOne(t, tap, 10*time.Second)
	if !ok {
		t.Fatal("no ProductChanged reached the tapped queue within 10s")
	}
	if ev.DetailType != "ProductChanged" || ev.Source != "microshop.catalog" || ev.Detail.Type != "ProductChanged" ||
		ev.Detail.Data.ID != p.ID || ev.Detail.Data.Price.Amount != 4321 || ev.Detail.Version != 1 {
		t.Errorf("tapped event = %+v, want ProductChanged v1 of %s at 4321", ev, p.ID)
	}
	if changed.Price.Amount != 4321 {
		t.Errorf("replace answered price %d, want 4321", changed.Price.Amount)
	}
	// The rule matched once: a second change arrives as a second event, so nothing before it
	// (the create) was queued unseen.
	replacePrice(t, changed, 99)
	ev, ok = receiveOne(t, tap, 10*time.Second)
	if !ok || ev.Detail.Data.Price.Amount != 99 {
		t.Fatalf("second change: got %+v (received %v), want the change to 99", ev, ok)
	}
}

// BenchmarkWriteToTappedEvent measures a catalog write reaching a developer's tapped queue:
// from sending PUT /products/{id} to ProductChanged arriving by SQS long poll (HTTP API →
// function → TransactWriteItems with the outbox row → stream → publisher → PutEvents → rule →
// queue). Reports p50 (target ≤ 10 ms locally).
func BenchmarkWriteToTappedEvent(b *testing.B) {
	queues := sdk.SQS(rt.EdgeURL())
	p := createForBench(b)
	pattern := fmt.Sprintf(`{"source":["microshop.catalog"],"detail-type":["ProductChanged"],"detail":{"data":{"id":[%q]}}}`, p.ID)
	queueURL, err := rt.Tap(catalogBus(b), []byte(pattern))
	if err != nil {
		b.Fatal(err)
	}
	took := make([]time.Duration, 0, b.N)
	tap := tapReader(queues, queueURL)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		p = replacePrice(b, p, int64(1000+i))
		ev, ok := receiveOne(b, tap, 10*time.Second)
		if !ok || ev.Detail.Data.Price.Amount != int64(1000+i) {
			b.Fatalf("change %d: got %+v (received %v)", i, ev, ok)
		}
		took = append(took, time.Since(start))
	}
	b.StopTimer()
	b.ReportMetric(ms(p50(took)), "p50-write-to-queue-ms")
}
