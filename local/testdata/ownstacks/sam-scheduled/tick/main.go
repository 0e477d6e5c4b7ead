// Command tick is the function of the sam-scheduled fixture: it logs the event it was
// invoked with and returns its "source".
package main

import (
	"context"
	"encoding/json"
	"log"

	"github.com/aws/aws-lambda-go/lambda"
)

func handle(_ context.Context, event json.RawMessage) (string, error) {
	log.Printf("tick: %s", event)
	var in struct {
		Source string `json:"source"`
	}
	if err := json.Unmarshal(event, &in); err != nil {
		return "", err
	}
	return in.Source, nil
}

func main() { lambda.Start(handle) }
