package runtime_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/microshop/microshop/local/runtime"
	"github.com/microshop/microshop/local/sdk"
)

// BenchmarkEventToFunctionStart measures, through the whole runtime, the time from an event
// entering a service (PutEvents, SendMessage, PutItem, each through the SDK) to the target
// function's code starting: the notify function reports its start time to a listener here.
// Targets: EventBridge and SQS p50 ≤ 5 ms, DynamoDB stream p50 ≤ 10 ms.
func BenchmarkEventToFunctionStart(b *testing.B) {
	started := make(chan int64, 16)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ns, _ := strconv.ParseInt(r.URL.Query().Get("started"), 10, 64)
		started <- ns
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	rt, err := runtime.Start(context.Background(), runtime.Config{
		Template:   filepath.Join("testdata", "Bench.template.json"),
		Parameters: map[string]string{"NotifyURL": "http://" + ln.Addr().String() + "/"},
		KeyDir:     b.TempDir(),
	})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	ctx := context.Background()
	eb, q, db := sdk.EventBridge(rt.EdgeURL()), sdk.SQS(rt.EdgeURL()), sdk.DynamoDB(rt.EdgeURL())
	queue, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("bench")})
	if err != nil {
		b.Fatal(err)
	}
	sources := []struct {
		name string
		send func(i int) error
	}{
		{"EventBridge", func(i int) error {
			out, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
				EventBusName: aws.String("bench"), Source: aws.String("bench"), DetailType: aws.String("Tick"),
				Detail: aws.String(fmt.Sprintf(`{"i":%d}`, i)),
			}}})
			if err == nil && out.FailedEntryCount > 0 {
				err = fmt.Errorf("PutEvents failed %d entries", out.FailedEntryCount)
			}
			return err
		}},
		{"SQS", func(i int) error {
			_, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: queue.QueueUrl, MessageBody: aws.String(strconv.Itoa(i))})
			return err
		}},
		{"DynamoDBStream", func(i int) error {
			_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Table"), Item: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: strconv.Itoa(i)},
			}})
			return err
		}},
	}
	for _, src := range sources {
		b.Run(src.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			for i := 0; b.Loop(); i++ {
				sent := time.Now()
				if err := src.send(i); err != nil {
					b.Fatal(err)
				}
				select {
				case ns := <-started:
					lat = append(lat, time.Unix(0, ns).Sub(sent))
				case <-time.After(10 * time.Second):
					b.Fatal("the function never started")
				}
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
