package runtime_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/microshop/microshop/local/runtime"
)

// awsV2 is Debian's AWS CLI v2 (apt package awscli, installed by `make awscli`, which `make
// test` runs): the machine's own `aws` may be v1, which has no `logs tail`.
const awsV2 = "/usr/bin/aws"

// awsV2Cmd is the AWS CLI v2 pointed at the runtime's edge with dummy credentials.
func awsV2Cmd(ctx context.Context, t *testing.T, rt *runtime.Runtime, args ...string) *exec.Cmd {
	t.Helper()
	if _, err := os.Stat(awsV2); err != nil {
		t.Fatalf("the AWS CLI v2 is not installed at %s: `make awscli` installs Debian's awscli package", awsV2)
	}
	cmd := exec.CommandContext(ctx, awsV2, append(args, "--endpoint-url", rt.EdgeURL())...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=x",
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
	return cmd
}

// `aws logs tail <group>` (CLI v2: FilterLogEvents from --since, every page) prints a
// function's lines; with --follow it keeps polling and prints the lines of a later
// invocation as they come.
func TestAWSLogsTail(t *testing.T) {
	rt := startLogs(t, runtime.Config{}, "o-1")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Lines travel through a pipe: wait until the first invocation's are all in.
	deadline := time.Now().Add(5 * time.Second)
	for len(rt.Logs().Events("/microshop/mailer")) < len(mailerLines("o-1")) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}

	out, err := awsV2Cmd(ctx, t, rt, "logs", "tail", "/microshop/mailer", "--since", "1h", "--format", "short").CombinedOutput()
	if err != nil {
		t.Fatalf("aws logs tail: %v\n%s", err, out)
	}
	for _, want := range []string{"START RequestId:", "plain line for o-1", `"orderId":"o-1"`, "REPORT RequestId:"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("aws logs tail lacks %q:\n%s", want, out)
		}
	}

	follow := awsV2Cmd(ctx, t, rt, "logs", "tail", "/microshop/mailer", "--follow", "--since", "1h", "--format", "short")
	stdout, err := follow.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	follow.Stderr = follow.Stdout
	if err := follow.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = follow.Process.Kill(); _ = follow.Wait() }()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	await := func(want string) {
		t.Helper()
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("aws logs tail --follow ended before %q", want)
				}
				if strings.Contains(l, want) {
					return
				}
			case <-ctx.Done():
				t.Fatalf("aws logs tail --follow never printed %q", want)
			}
		}
	}
	await("plain line for o-1") // what was there when it started
	res, err := rt.Invoke(ctx, "mailer", []byte(`{"ID":"o-2"}`))
	if err != nil || res.Error != nil {
		t.Fatalf("invoke mailer o-2: %v %v", err, res)
	}
	await("plain line for o-2") // what came later
}

// `aws sesv2 send-email` (CLI v2) lands in the mailbox.
func TestAWSV2SendEmail(t *testing.T) {
	rt := startLogs(t, runtime.Config{})
	out, err := awsV2Cmd(t.Context(), t, rt, "sesv2", "send-email", "--output", "json", "--from-email-address", "shop@example.com",
		"--destination", "ToAddresses=v2@example.com",
		"--content", `{"Simple":{"Subject":{"Data":"From CLI v2"},"Body":{"Text":{"Data":"hello v2"}}}}`).Output()
	if err != nil {
		t.Fatalf("aws sesv2 send-email: %v\n%s", err, out)
	}
	var sent struct{ MessageId string }
	if err := json.Unmarshal(out, &sent); err != nil {
		t.Fatal(err)
	}
	box := mailbox(t, rt, "v2@example.com")
	if len(box) != 1 || box[0].MessageID != sent.MessageId || box[0].Subject != "From CLI v2" || box[0].Text != "hello v2" {
		t.Errorf("mailbox after sesv2 send-email: %+v, want the message %s", box, sent.MessageId)
	}
}
