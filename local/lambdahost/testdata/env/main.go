// Command env is a test function that reports its environment and invocation context.
package main

import (
	"context"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type response struct {
	Env        map[string]string             `json:"env"`
	Dir        string                        `json:"dir"`
	RequestID  string                        `json:"requestId"`
	ARN        string                        `json:"arn"`
	DeadlineMS int64                         `json:"deadlineMs"`
	TraceID    string                        `json:"traceId"`
	Client     lambdacontext.ClientContext   `json:"client"`
	Identity   lambdacontext.CognitoIdentity `json:"identity"`
}

func main() {
	lambda.Start(func(ctx context.Context) (response, error) {
		r := response{Env: map[string]string{}}
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			r.Env[k] = v
		}
		r.Dir, _ = os.Getwd()
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			r.RequestID, r.ARN = lc.AwsRequestID, lc.InvokedFunctionArn
			r.Client, r.Identity = lc.ClientContext, lc.Identity
		}
		if d, ok := ctx.Deadline(); ok {
			r.DeadlineMS = d.UnixMilli()
		}
		r.TraceID, _ = ctx.Value("x-amzn-trace-id").(string)
		return r, nil
	})
}
