package streamsource_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/microshop/microshop/local/ddbengine"
	"github.com/microshop/microshop/local/lambdahost"
	"github.com/microshop/microshop/local/sdk"
	"github.com/microshop/microshop/local/streamsource"
)

// signalInvoker reports the time of each invocation.
type signalInvoker chan time.Time

func (s signalInvoker) Invoke(context.Context, string, []byte) (*lambdahost.Result, error) {
	s <- time.Now()
	return &lambdahost.Result{}, nil
}

// BenchmarkWriteToInvoke measures from a PutItem sent over HTTP (SDK -> engine handler) to
// the function being invoked with its record, one write at a time; p50/p99 are reported.
func BenchmarkWriteToInvoke(b *testing.B) {
	e := newEngine(b, "NEW_AND_OLD_IMAGES", ddbengine.Options{})
	srv := httptest.NewServer(e)
	defer srv.Close()
	client := sdk.DynamoDB(srv.URL)
	invoked := make(signalInvoker, 1)
	m, err := streamsource.New(streamsource.Config{
		Engine: e, Table: table, Function: "fn", Invoker: invoked, StartingPosition: streamsource.Latest,
		Log: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := m.Start(); err != nil {
		b.Fatal(err)
	}
	defer m.Stop()
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		t0 := time.Now()
		_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
			"id":    &types.AttributeValueMemberS{Value: "order-" + strconv.Itoa(i)},
			"total": &types.AttributeValueMemberN{Value: "4200"},
		}})
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, (<-invoked).Sub(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
