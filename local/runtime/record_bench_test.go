package runtime_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/microshop/microshop/local/runtime"
	"github.com/microshop/microshop/local/sdk"
)

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRecording measures what the console's recording costs the runtime's hot path:
// two runtimes of the same template, one recording (the default) and one with
// Config.NoRecording, serve the same load, 16 concurrent clients each sending an HTTP
// request through the API to a function (recorded: the request, the invocation, its event,
// result and log lines) and a PutItem through the edge (recorded: the write). Rounds
// alternate between the two so that the machine's other load falls on both alike; each
// b.N iteration is one round of 400 operations on each. Reported: operations per second
// with recording on and off and the cost in percent of the throughput (target < 5 %), and
// the same for this process's CPU time per operation.
func BenchmarkRecording(b *testing.B) {
	const clients, perRound = 16, 400
	type stack struct {
		rt      *runtime.Runtime
		db      *dynamodb.Client
		elapsed time.Duration
		cpu     time.Duration // this process's CPU time: the runtime's, the clients'
		ops     int
	}
	open := func(off bool) *stack {
		rt, err := runtime.Start(context.Background(), runtime.Config{
			Template: filepath.Join("testdata", "Echo.template.json"), APIAddr: "127.0.0.1:0", KeyDir: b.TempDir(),
			NoRecording: off, Functions: []string{"echo"},
		})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = rt.Close() })
		return &stack{rt: rt, db: sdk.DynamoDB(rt.EdgeURL())}
	}
	on, off := open(false), open(true)
	if on.rt.Recorder() == nil || off.rt.Recorder() != nil {
		b.Fatal("recording is not on in one runtime and off in the other")
	}
	httpc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	op := func(s *stack, i int) error {
		resp, err := httpc.Post(s.rt.APIURL()+"/orders/"+strconv.Itoa(i), "application/json", nil)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("POST: HTTP %d", resp.StatusCode)
		}
		_, err = s.db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("Things1A2B3C4D"), Item: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: strconv.Itoa(i)}, "correlationId": &types.AttributeValueMemberS{Value: "bench"},
		}})
		return err
	}
	round := func(s *stack) {
		var next atomic.Int64
		var wg sync.WaitGroup
		var failed atomic.Value
		began, cpu0 := time.Now(), cpuTime()
		for range clients {
			wg.Go(func() {
				for i := next.Add(1); i <= perRound; i = next.Add(1) {
					if err := op(s, int(i)); err != nil {
						failed.Store(err)
						return
					}
				}
			})
		}
		wg.Wait()
		if err, ok := failed.Load().(error); ok {
			b.Fatal(err)
		}
		s.elapsed += time.Since(began)
		s.cpu += cpuTime() - cpu0
		s.ops += perRound
	}
	round(on) // warm both: processes started, connections open
	round(off)
	*on = stack{rt: on.rt, db: on.db}
	*off = stack{rt: off.rt, db: off.db}
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			round(on)
			round(off)
		} else {
			round(off)
			round(on)
		}
	}
	onRate := float64(on.ops) / on.elapsed.Seconds()
	offRate := float64(off.ops) / off.elapsed.Seconds()
	b.ReportMetric(onRate, "on-ops/s")
	b.ReportMetric(offRate, "off-ops/s")
	b.ReportMetric(100*(offRate-onRate)/offRate, "cost-%")
	// CPU time per operation in this process (where recording runs; the functions run in
	// their own processes) is far less at the mercy of the machine's other load than wall time.
	onCPU := float64(on.cpu.Microseconds()) / float64(on.ops)
	offCPU := float64(off.cpu.Microseconds()) / float64(off.ops)
	b.ReportMetric(onCPU, "on-cpu-µs/op")
	b.ReportMetric(offCPU, "off-cpu-µs/op")
	b.ReportMetric(100*(onCPU-offCPU)/offCPU, "cpu-cost-%")
	if n := len(on.rt.Recorder().Invocations("echo")); n == 0 {
		b.Error("the recording runtime recorded no invocation")
	}
}
