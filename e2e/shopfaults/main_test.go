// Package shopfaults runs the shop's saga through the local runtime with faults injected
// (local/faults): each fault at each saga step (TestMatrix, in make test) and random faults
// over every step (TestChaos, `make chaos`). It asserts that every order ends CONFIRMED,
// FAILED or CANCELLED within a bound, that every compensation happens exactly once, that no
// event is lost, that poison messages end in a visible dead-letter queue, and the shop's
// invariants (e2e/shoptest.CheckInvariants); each cell proves its fault fired from the
// injector's counters.
package shopfaults

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/microshop/microshop/e2e/shoptest"
	"github.com/microshop/microshop/local/faults"
	"github.com/microshop/microshop/local/runtime"
	"github.com/microshop/microshop/local/sdk"
)

var (
	rt          *runtime.Runtime // the local runtime serving the template
	inj         *faults.Injector // its fault injector; tests set its rules
	runtimeLogs = &syncBuffer{}
	bus         *tap // every event the services publish
)

// retryVisibility is the consumer queues' visibility timeout in these tests: a failed
// delivery comes back after it (the template's 60 s would outlast every bound here).
const retryVisibility = "1"

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	keyDir, err := os.MkdirTemp("", "shopfaults-jwt-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "shopfaults:", err)
		return 1
	}
	defer os.RemoveAll(keyDir)
	inj, _ = faults.New(nil)
	var target shoptest.Target
	rt, target, err = shoptest.LocalWith(ctx, keyDir, runtimeLogs, func(c *runtime.Config) { c.Faults = inj })
	if err != nil {
		fmt.Fprintln(os.Stderr, "shopfaults:", err)
		return 1
	}
	defer func() {
		if err := rt.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "shopfaults: close the local runtime:", err)
		}
	}()
	if err := shoptest.Open(ctx, target); err != nil {
		fmt.Fprintln(os.Stderr, "shopfaults:", err)
		return 1
	}
	if err := shortenVisibility(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "shopfaults:", err)
		return 1
	}
	if bus, err = newTap(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "shopfaults:", err)
		return 1
	}
	defer bus.stop()
	code := m.Run()
	if code != 0 && os.Getenv("SHOP_E2E_LOG") != "" {
		fmt.Fprintf(os.Stderr, "--- local runtime log ---\n%s", runtimeLogs.String())
	}
	return code
}

// shortenVisibility sets every consumer queue's (every queue with a redrive policy)
// visibility timeout to retryVisibility through the SQS API.
func shortenVisibility(ctx context.Context) error {
	c := sdk.SQS(rt.EdgeURL())
	for _, q := range rt.Model().Queues {
		if q.RedrivePolicy == nil {
			continue
		}
		out, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(q.Name)})
		if err != nil {
			return fmt.Errorf("GetQueueUrl %s: %w", q.Name, err)
		}
		_, err = c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: out.QueueUrl,
			Attributes: map[string]string{string(sqstypes.QueueAttributeNameVisibilityTimeout): retryVisibility}})
		if err != nil {
			return fmt.Errorf("SetQueueAttributes %s: %w", q.Name, err)
		}
	}
	return nil
}

// syncBuffer is a bytes.Buffer safe for the runtime's concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}
