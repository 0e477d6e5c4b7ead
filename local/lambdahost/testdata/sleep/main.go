// Command sleep is a test function that sleeps for the event's "ms", ignoring its context,
// and answers with its pid. It asks for SIGTERM at shutdown and logs it.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	MS int `json:"ms"`
}

type response struct {
	PID int `json:"pid"`
}

func main() {
	lambda.StartWithOptions(func(_ context.Context, e event) (response, error) {
		time.Sleep(time.Duration(e.MS) * time.Millisecond)
		return response{PID: os.Getpid()}, nil
	}, lambda.WithEnableSIGTERM(func() { fmt.Println("SIGTERM received") }))
}
