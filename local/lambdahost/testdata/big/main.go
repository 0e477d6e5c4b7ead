// Command big is a test function that answers with a JSON string of the event's "bytes"
// characters.
package main

import (
	"context"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	Bytes int `json:"bytes"`
}

func main() {
	lambda.Start(func(_ context.Context, e event) (string, error) {
		return strings.Repeat("b", e.Bytes), nil
	})
}
