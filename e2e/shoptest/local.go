package shoptest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/microshop/microshop/local/modroot"
	"github.com/microshop/microshop/local/runtime"
	"github.com/microshop/microshop/local/sdk"
	"github.com/microshop/microshop/local/template"
)

// Local starts the local runtime on the synthesized template (cdk.out/Microshop.template.json,
// `make synth`) with the API on a free port, logging to logw, and returns it with the Target
// that describes it: the API's URL, the template's user pool behind the edge, the edge as the
// Cognito and SQS endpoint with the local dummy credentials, the template's dead-letter
// queues and the functions' SHOP_CURRENCY. The caller closes the runtime; keyDir holds the
// runtime's signing keys.
func Local(ctx context.Context, keyDir string, logw io.Writer) (*runtime.Runtime, Target, error) {
	return LocalWith(ctx, keyDir, logw, nil)
}

// LocalWith is Local with configure applied to the runtime's Config before it starts (e.g.
// to inject faults); configure may be nil.
func LocalWith(ctx context.Context, keyDir string, logw io.Writer, configure func(*runtime.Config)) (*runtime.Runtime, Target, error) {
	root, err := modroot.FromWorkingDir()
	if err != nil {
		return nil, Target{}, err
	}
	tmpl := filepath.Join(root, "cdk.out", "Microshop.template.json")
	if _, err := os.Stat(tmpl); err != nil {
		return nil, Target{}, fmt.Errorf("%w: run `make synth` (make test does) first", err)
	}
	cfg := runtime.Config{Template: tmpl, Root: root, KeyDir: keyDir, APIAddr: "127.0.0.1:0", Log: logw}
	if configure != nil {
		configure(&cfg)
	}
	rt, err := runtime.Start(ctx, cfg)
	if err != nil {
		return nil, Target{}, fmt.Errorf("start the local runtime: %w", err)
	}
	tg, err := Describe(ctx, rt.Model(), rt.APIURL(), rt.EdgeURL())
	if err != nil {
		_ = rt.Close()
		return nil, Target{}, err
	}
	return rt, tg, nil
}

// Describe returns the Target of a local runtime serving the template m, whose HTTP API is at
// apiURL and AWS endpoint at edgeURL (devcloud prints both): one started here (Local) or one
// already running (make dev).
func Describe(ctx context.Context, m *template.Model, apiURL, edgeURL string) (Target, error) {
	if len(m.UserPools) == 0 || len(m.UserPools[0].Clients) == 0 {
		return Target{}, errors.New("the template has no user pool with an app client")
	}
	tg := Target{
		APIURL: strings.TrimRight(apiURL, "/"), Region: sdk.Region,
		UserPoolID: m.UserPools[0].ID, ClientID: m.UserPools[0].Clients[0].ID,
		CognitoEndpoint: edgeURL, SQSEndpoint: edgeURL, Credentials: sdk.Credentials,
	}
	for _, fn := range m.Functions {
		if c := fn.Environment["SHOP_CURRENCY"]; c != "" {
			tg.Currency = c
		}
	}
	// The dead-letter queues: the targets of the queues' redrive policies and of the
	// functions' DeadLetterConfig.
	arns := map[string]bool{}
	for _, q := range m.Queues {
		if q.RedrivePolicy != nil {
			arns[q.RedrivePolicy.DeadLetterTargetARN] = true
		}
	}
	for _, fn := range m.Functions {
		if fn.DeadLetterTargetARN != "" {
			arns[fn.DeadLetterTargetARN] = true
		}
	}
	c := sdk.SQS(edgeURL)
	for arn := range arns {
		if !strings.HasPrefix(arn, "arn:aws:sqs:") {
			continue
		}
		name := arn[strings.LastIndex(arn, ":")+1:]
		out, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
		if err != nil {
			return Target{}, fmt.Errorf("GetQueueUrl %s: %w", name, err)
		}
		tg.DeadLetterQueues = append(tg.DeadLetterQueues, aws.ToString(out.QueueUrl))
	}
	return tg, nil
}
