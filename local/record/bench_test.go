package record

import (
	"strconv"
	"syscall"
	"testing"
	"time"
)

// BenchmarkRecordInvocation is what recording adds to one invocation made by an HTTP
// request that writes once to DynamoDB, with the machine's load out of the picture: the
// invocation, its START, two own and END and REPORT log lines, the HTTP request's span and
// the write's span, 4 concurrent callers. Compare with the runtime's own cost per request
// (BenchmarkRecording in local/runtime, tens of microseconds and more).
func BenchmarkRecordInvocation(b *testing.B) {
	r := New(DefaultSize)
	event := []byte(`{"version":"2.0","routeKey":"POST /orders","rawPath":"/orders","requestContext":{"requestId":"abc"},"body":"{\"lines\":[{\"productId\":\"p1\",\"quantity\":1}]}"}`)
	result := []byte(`{"statusCode":201,"headers":{"X-Correlation-Id":"abc"},"body":"{\"id\":\"o1\"}"}`)
	write := []byte(`{"TableName":"orders","Item":{"pk":{"S":"ORDER#o1"},"correlationId":{"S":"abc"}}}`)
	cpu0 := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		now := time.Now()
		stream := "s" + strconv.Itoa(int(now.UnixNano()%1000))
		for pb.Next() {
			i++
			id := stream + "-" + strconv.Itoa(i)
			r.RecordLog("orders-place-order", stream, now, []byte("START RequestId: "+id+" Version: $LATEST"))
			r.RecordLog("orders-place-order", stream, now, []byte(`{"level":"INFO","msg":"order placed","orderId":"o1"}`))
			r.Span(&Span{Kind: KindDynamoDB, Name: "PutItem", Start: now, Body: write, TraceID: "Root=1-x"})
			r.RecordLog("orders-place-order", stream, now, []byte(`{"level":"INFO","msg":"done"}`))
			r.RecordLog("orders-place-order", stream, now, []byte("END RequestId: "+id))
			r.RecordLog("orders-place-order", stream, now, []byte("REPORT RequestId: "+id+"\tDuration: 1.00 ms"))
			r.Invoked(&Invocation{Function: "orders-place-order", RequestID: id, Start: now, Duration: time.Millisecond, Event: event, Result: result})
			r.Span(&Span{Kind: KindHTTP, Name: "POST /orders", Start: now, RequestID: id, Correlation: "abc", Function: "orders-place-order", Status: 201})
		}
	})
	// CPU time per invocation recorded, which the machine's other load does not inflate
	// as it does wall time.
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
