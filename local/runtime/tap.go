package runtime

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/microshop/microshop/local/eventbus"
)

// Tap sends the events on bus that match pattern (EventBridge pattern JSON) to a new SQS
// queue, as `aws events put-rule` + `aws events put-targets` with a queue of one's own do,
// and returns the queue's URL: a benchmark or a test reads what the stack publishes from it.
// The rule (named like the queue, "tap-<hex>") stays until the runtime closes.
func (rt *Runtime) Tap(bus string, pattern []byte) (queueURL string, err error) {
	b := make([]byte, 6)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	name := "tap-" + hex.EncodeToString(b)
	if queueURL, err = rt.sqs.CreateQueue(name, nil); err != nil {
		return "", fmt.Errorf("tap %s: %w", bus, err)
	}
	arn := "arn:aws:sqs:" + rt.model.Region + ":" + rt.model.AccountID + ":" + name
	err = rt.events.AddRule(eventbus.Rule{Name: name, Bus: bus, Pattern: pattern, Targets: []eventbus.Target{
		{ID: "tap", ARN: arn, Deliver: rt.deliverTo(arn, "")},
	}})
	if err != nil {
		return "", fmt.Errorf("tap %s: %w", bus, err)
	}
	return queueURL, nil
}
