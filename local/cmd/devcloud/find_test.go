package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

func TestFindTemplate(t *testing.T) {
	tests := []struct {
		name  string
		files []string
		want  string // relative to the directory; "" for an error
		err   string // part of the error
	}{
		{"SAM YAML", []string{"template.yaml", "cdk.out/App.template.json"}, "template.yaml", ""},
		{"yml", []string{"template.yml", ".aws-sam/build/template.yaml"}, "template.yml", ""},
		{"JSON", []string{"template.json"}, "template.json", ""},
		{"yaml before json", []string{"template.json", "template.yaml"}, "template.yaml", ""},
		{"SAM build output", []string{".aws-sam/build/template.yaml", "cdk.out/App.template.json"}, ".aws-sam/build/template.yaml", ""},
		{"CDK", []string{"cdk.out/App.template.json"}, "cdk.out/App.template.json", ""},
		{"two CDK stacks", []string{"cdk.out/A.template.json", "cdk.out/B.template.json"}, "", "found 2 templates in cdk.out"},
		{"nothing", nil, "", "looked for template.yaml, template.yml, template.json, .aws-sam/build/template.yaml and cdk.out/*.template.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tt.files {
				p := filepath.Join(dir, f)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := findTemplate(dir)
			if tt.want == "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("findTemplate = %q, %v; want an error containing %q", got, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(dir, tt.want); got != want {
				t.Errorf("findTemplate = %q, want %q", got, want)
			}
		})
	}
}

// TestServeWarnsOnceAndServesWithoutFunctions: a SAM template with no functions serves its
// table, and what devcloud leaves out is printed once each before the banner ends.
func TestServeWarnsOnceAndServesWithoutFunctions(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &lineWriter{want: "Ctrl-C stops", seen: make(chan struct{})}
	seen := out.seen
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve",
			"--template", filepath.Join("testdata", "nofunctions", "template.yaml"),
			"--api-addr", "127.0.0.1:0", "--edge-addr", "127.0.0.1:0", "--site-addr", "", "--watch=false",
		}, out, out)
	}()
	select {
	case <-seen:
	case err := <-done:
		t.Fatalf("serve ended before serving: %v\n%s", err, out.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("no banner after 2 minutes:\n%s", out.String())
	}
	text := out.String()
	for _, w := range []string{
		"devcloud: warning: resource Flow: AWS::Serverless::StateMachine is not expanded by the local SAM transform; it does not exist locally\n",
		"devcloud: warning: AWS::SNS::Topic is not emulated locally: Alerts\n",
	} {
		if n := strings.Count(text, w); n != 1 {
			t.Errorf("warning %q printed %d times, want once:\n%s", w, n, text)
		}
	}
	if !strings.Contains(text, "serving 0 functions, 1 tables") {
		t.Errorf("banner does not say 0 functions, 1 table:\n%s", text)
	}
	m := regexp.MustCompile(`AWS endpoint\s+(http://127\.0\.0\.1:\d+)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no AWS endpoint in the banner:\n%s", text)
	}
	db := dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(m[1]),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("things")})
	if err != nil {
		t.Fatalf("DescribeTable things: %v", err)
	}
	if got := aws.ToString(desc.Table.KeySchema[0].AttributeName); got != "id" {
		t.Errorf("the SimpleTable's key = %q, want id", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}
