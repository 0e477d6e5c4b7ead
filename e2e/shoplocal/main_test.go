// Package shoplocal holds the shop's end-to-end tests that need the local runtime's insides,
// beside the target-agnostic scenarios of e2e/shop: redelivery of every event through the
// running stack (a tap on the bus, PutEvents, the consumers' invocation counts), the
// dead-letter probe, the `make dev` seeding, and the order benchmarks of `make bench`. It
// drives the shop through e2e/shoptest like e2e/shop does.
package shoplocal

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/microshop/microshop/e2e/shoptest"
	"github.com/microshop/microshop/local/runtime"
)

var (
	rt     *runtime.Runtime // the local runtime serving the template
	target shoptest.Target  // rt as the suite's helpers see it
	// runtimeLogs is everything the runtime and its functions wrote.
	runtimeLogs = &syncBuffer{}
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	keyDir, err := os.MkdirTemp("", "shoplocal-e2e-jwt-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "shoplocal:", err)
		return 1
	}
	defer os.RemoveAll(keyDir)
	rt, target, err = shoptest.Local(ctx, keyDir, runtimeLogs)
	if err != nil {
		fmt.Fprintln(os.Stderr, "shoplocal:", err)
		return 1
	}
	defer func() {
		if err := rt.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "shoplocal: close the local runtime:", err)
		}
	}()
	if err := shoptest.Open(ctx, target); err != nil {
		fmt.Fprintln(os.Stderr, "shoplocal:", err)
		return 1
	}
	code := m.Run()
	if code != 0 && os.Getenv("SHOP_E2E_LOG") != "" {
		fmt.Fprintf(os.Stderr, "--- local runtime log ---\n%s", runtimeLogs.String())
	}
	return code
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
