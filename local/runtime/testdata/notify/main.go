// Command notify is a benchmark function: each invocation posts the time it started to
// NOTIFY_URL, so a benchmark can time event → function start from outside the runtime.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	url := os.Getenv("NOTIFY_URL")
	client := &http.Client{Timeout: 5 * time.Second}
	lambda.Start(func(ctx context.Context, event json.RawMessage) error {
		started := strconv.FormatInt(time.Now().UnixNano(), 10)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"?started="+started, bytes.NewReader(event))
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		return resp.Body.Close()
	})
}
