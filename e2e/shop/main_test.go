// Package shop is the shop's end-to-end suite: the scenarios of issue 8 (browse → cart → order
// → CONFIRMED with a shipment, out of stock, declined cards, cancellations, a flash sale,
// idempotency, ordering the cart, BOLA), driven over HTTP as the shop's clients drive it, with
// real tokens of users signed in through the Cognito API, and the saga's invariants checked
// after every scenario (shoptest.CheckInvariants).
//
// The scenarios see only a shoptest.Target: a base URL and sign-in details. With E2E_API_URL
// set (`make e2e-aws STAGE=dev` sets it and the rest from the stack's outputs) they run
// against that deployed shop; without it TestMain starts the local runtime on the synthesized
// template and describes it the same way. Scenarios run one after another: the invariants
// speak of the whole shop. Tests that need the local runtime's insides (redelivery through the
// bus, the dead-letter probe, the dev seeding, the benchmarks) are in e2e/shoplocal.
package shop

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/microshop/microshop/e2e/shoptest"
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	tg, remote, err := shoptest.FromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "shop e2e:", err)
		return 1
	}
	logs := &syncBuffer{}
	if !remote {
		keyDir, err := os.MkdirTemp("", "shop-e2e-jwt-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "shop e2e:", err)
			return 1
		}
		defer os.RemoveAll(keyDir)
		rt, local, err := shoptest.Local(ctx, keyDir, logs)
		if err != nil {
			fmt.Fprintln(os.Stderr, "shop e2e:", err)
			return 1
		}
		defer func() {
			if err := rt.Close(); err != nil {
				fmt.Fprintln(os.Stderr, "shop e2e: close the local runtime:", err)
			}
		}()
		tg = local
	}
	fmt.Fprintf(os.Stderr, "shop e2e: %s\n", tg.APIURL)
	if err := shoptest.Open(ctx, tg); err != nil {
		fmt.Fprintln(os.Stderr, "shop e2e:", err)
		return 1
	}
	code := m.Run()
	if err := shoptest.Close(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "shop e2e: delete the test users:", err)
	}
	if code != 0 && os.Getenv("SHOP_E2E_LOG") != "" {
		fmt.Fprintf(os.Stderr, "--- local runtime log ---\n%s", logs.String())
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
