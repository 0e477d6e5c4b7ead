package lambdaapi_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/microshop/microshop/local/internal/syncbuf"
	"github.com/microshop/microshop/local/lambdaapi"
	"github.com/microshop/microshop/local/lambdahost"
	"github.com/microshop/microshop/local/sdk"
)

// TestGoSDK drives the handler with the AWS SDK for Go v2's Lambda client.
func TestGoSDK(t *testing.T) {
	inv := newFake(func(_ int, name string, p []byte) (*lambdahost.Result, error) {
		if strings.Contains(string(p), "fail") {
			return functionError("req-fail"), nil
		}
		return &lambdahost.Result{RequestID: "req-" + name, Payload: p}, nil
	})
	url := serve(t, lambdaapi.New(inv, known, lambdaapi.Options{
		Log:     &syncbuf.Buffer{},
		LogTail: func(id string) []byte { return []byte("log of " + id) },
	}))
	client := sdk.Lambda(url)
	ctx := context.Background()

	t.Run("sync with log tail", func(t *testing.T) {
		out, err := client.Invoke(ctx, &lambda.InvokeInput{
			FunctionName: aws.String("arn:aws:lambda:us-east-1:000000000000:function:orders"),
			Payload:      []byte(`{"id":1}`),
			LogType:      types.LogTypeTail,
		})
		if err != nil {
			t.Fatalf("Invoke: %v", err)
		}
		logs, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
		if out.StatusCode != 200 || string(out.Payload) != `{"id":1}` || aws.ToString(out.ExecutedVersion) != "$LATEST" || out.FunctionError != nil || string(logs) != "log of req-fn-orders" {
			t.Errorf("Invoke = %d %s version %v error %v log %q", out.StatusCode, out.Payload, aws.ToString(out.ExecutedVersion), out.FunctionError, logs)
		}
	})
	t.Run("function error", func(t *testing.T) {
		out, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("orders"), Payload: []byte(`{"fail":true}`)})
		if err != nil {
			t.Fatalf("Invoke: %v", err)
		}
		if out.StatusCode != 200 || aws.ToString(out.FunctionError) != "Unhandled" || !strings.Contains(string(out.Payload), `"errorMessage":"boom"`) {
			t.Errorf("Invoke = %d %s error %v", out.StatusCode, out.Payload, aws.ToString(out.FunctionError))
		}
	})
	t.Run("Event", func(t *testing.T) {
		before := len(inv.snapshot())
		out, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("cart"), Payload: []byte(`{}`), InvocationType: types.InvocationTypeEvent})
		if err != nil {
			t.Fatalf("Invoke: %v", err)
		}
		if out.StatusCode != 202 {
			t.Errorf("StatusCode = %d, want 202", out.StatusCode)
		}
		if calls := inv.waitCalls(t, before+1); calls[len(calls)-1].name != "fn-cart" {
			t.Errorf("background invocation of %q, want fn-cart", calls[len(calls)-1].name)
		}
	})
	t.Run("DryRun", func(t *testing.T) {
		out, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("cart"), InvocationType: types.InvocationTypeDryRun})
		if err != nil || out.StatusCode != 204 {
			t.Errorf("Invoke = %+v, %v; want 204", out, err)
		}
	})
	t.Run("not found", func(t *testing.T) {
		_, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("nope"), Payload: []byte(`{}`)})
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) || nf.ErrorMessage() != "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope" {
			t.Errorf("Invoke error = %v, want ResourceNotFoundException with Lambda's message", err)
		}
	})
	t.Run("too large", func(t *testing.T) {
		_, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("orders"), Payload: []byte(`"` + strings.Repeat("x", lambdaapi.MaxSyncPayload) + `"`)})
		var tl *types.RequestTooLargeException
		if !errors.As(err, &tl) {
			t.Errorf("Invoke error = %v, want RequestTooLargeException", err)
		}
	})
}
