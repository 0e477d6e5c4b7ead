package samples_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// Every sample is a faithful Lambda input: it decodes into aws-lambda-go's type for its
// trigger with no unknown field, and every value in it survives the type (re-encoding keeps
// each non-null value of the sample).
func TestSamplesMatchLambdaEventTypes(t *testing.T) {
	tests := []struct {
		glob string
		new  func() any
	}{
		{"apigw/*.json", func() any { return new(events.APIGatewayV2HTTPRequest) }},
		{"eventbridge/*.json", func() any { return new(events.EventBridgeEvent) }},
		{"sqs/*.json", func() any { return new(events.SQSEvent) }},
		{"dynamodb/*.json", func() any { return new(events.DynamoDBEvent) }},
	}
	for _, tt := range tests {
		files, err := filepath.Glob(tt.glob)
		if err != nil || len(files) == 0 {
			t.Fatalf("no samples match %s", tt.glob)
		}
		for _, f := range files {
			t.Run(f, func(t *testing.T) {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				v := tt.new()
				dec := json.NewDecoder(bytes.NewReader(data))
				dec.DisallowUnknownFields()
				if err := dec.Decode(v); err != nil {
					t.Fatalf("decode: %v", err)
				}
				again, err := json.Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				var want, got any
				if err := json.Unmarshal(data, &want); err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(again, &got); err != nil {
					t.Fatal(err)
				}
				if path, ok := kept(want, got, "$"); !ok {
					t.Errorf("the aws-lambda-go type loses or changes %s:\n%s", path, again)
				}
			})
		}
	}
}

// kept reports whether every non-null value of want is in got, unchanged; else the path of
// the first that is not.
func kept(want, got any, path string) (string, bool) {
	switch w := want.(type) {
	case nil:
		return "", true
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return path, false
		}
		for k, v := range w {
			if p, ok := kept(v, g[k], path+"."+k); !ok {
				return p, false
			}
		}
		return "", true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return path, false
		}
		for i := range w {
			if p, ok := kept(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)); !ok {
				return p, false
			}
		}
		return "", true
	default:
		return path, want == got
	}
}
