package sqsqueue_test

import (
	"testing"
	"time"

	"github.com/microshop/microshop/local/internal/fakeclock"
	"github.com/microshop/microshop/local/sqsqueue"
)

// fakeClock is a settable clock for the engine's time-based behaviour.
type fakeClock = fakeclock.Clock

func newFakeClock() *fakeClock { return fakeclock.New(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) }

func newService(t *testing.T, clock *fakeClock) *sqsqueue.Service {
	t.Helper()
	o := sqsqueue.Options{Region: "us-east-1", AccountID: "123456789012", BaseURL: "http://127.0.0.1:4566"}
	if clock != nil {
		o.Clock = clock.Now
	}
	return sqsqueue.New(o)
}

func mustCreate(t *testing.T, s *sqsqueue.Service, name string, attrs map[string]string) {
	t.Helper()
	if _, err := s.CreateQueue(name, attrs); err != nil {
		t.Fatalf("CreateQueue(%s): %v", name, err)
	}
}

func mustSend(t *testing.T, s *sqsqueue.Service, queue string, in sqsqueue.SendInput) sqsqueue.SendOutput {
	t.Helper()
	out, err := s.Send(queue, in)
	if err != nil {
		t.Fatalf("Send(%s, %q): %v", queue, in.Body, err)
	}
	return out
}

// receiveNow receives without waiting.
func receiveNow(t *testing.T, s *sqsqueue.Service, queue string, maxN int) []sqsqueue.Message {
	t.Helper()
	zero := 0
	msgs, err := s.Receive(t.Context(), queue, sqsqueue.ReceiveInput{MaxNumberOfMessages: maxN, WaitTimeSeconds: &zero})
	if err != nil {
		t.Fatalf("Receive(%s): %v", queue, err)
	}
	return msgs
}

func bodies(msgs []sqsqueue.Message) []string {
	out := []string{}
	for _, m := range msgs {
		out = append(out, m.Body)
	}
	return out
}

func intp(n int) *int { return &n }
