package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/runtime"
	"github.com/microshop/microshop/local/sdk"
	"github.com/microshop/microshop/local/sesmail"
)

// startLogs runs the Logs template: "mailer" (log group /microshop/mailer from its
// LoggingConfig) and "echo" (Lambda's default group), and invokes mailer for each id.
func startLogs(t *testing.T, cfg runtime.Config, ids ...string) *runtime.Runtime {
	t.Helper()
	cfg.Template = filepath.Join("testdata", "Logs.template.json")
	rt := startRuntime(t, cfg)
	for _, id := range ids {
		res, err := rt.Invoke(context.Background(), "mailer", []byte(`{"ID":"`+id+`"}`))
		if err != nil || res.Error != nil {
			t.Fatalf("invoke mailer %s: %v %v", id, err, res)
		}
	}
	return rt
}

// mailerLines is what one invocation of mailer for id logs, START..REPORT, with the
// request ID and REPORT figures left out.
func mailerLines(id string) []string {
	return []string{"START", "plain line for " + id, `{"level":"INFO","msg":"sending","orderId":"` + id + `"}`, "END", "REPORT"}
}

var requestLine = regexp.MustCompile(`^(START|END|REPORT) RequestId: .*`)

// shape keeps a message but drops what varies in Lambda's own lines.
func shape(msg string) string { return requestLine.ReplaceAllString(msg, "$1") }

// waitEvents polls GetLogEvents until stream holds n events (the function's own lines
// travel through a pipe and may land after END), and returns their messages.
func waitEvents(t *testing.T, c *cloudwatchlogs.Client, group, stream string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		out, err := c.GetLogEvents(context.Background(), &cloudwatchlogs.GetLogEventsInput{
			LogGroupName: aws.String(group), LogStreamName: aws.String(stream), StartFromHead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		var msgs []string
		for _, e := range out.Events {
			msgs = append(msgs, aws.ToString(e.Message))
		}
		if len(msgs) >= n || time.Now().After(deadline) {
			return msgs
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A function's output is served by its template log group, one stream per process, with
// Lambda's START, END and REPORT lines, through the real CloudWatch Logs SDK.
func TestLogsThroughTheSDK(t *testing.T) {
	rt := startLogs(t, runtime.Config{}, "o-1", "o-2")
	c := sdk.CloudWatchLogs(rt.EdgeURL())
	ctx := context.Background()

	// Groups, one per page.
	var groups []string
	pages := cloudwatchlogs.NewDescribeLogGroupsPaginator(c, &cloudwatchlogs.DescribeLogGroupsInput{Limit: aws.Int32(1)})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range out.LogGroups {
			groups = append(groups, aws.ToString(g.LogGroupName))
		}
	}
	if diff := cmp.Diff([]string{"/aws/lambda/echo", "/microshop/mailer"}, groups); diff != "" {
		t.Errorf("log groups (-want +got):\n%s", diff)
	}
	prefixed, err := c.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/aws/")})
	if err != nil || len(prefixed.LogGroups) != 1 || aws.ToString(prefixed.LogGroups[0].LogGroupName) != "/aws/lambda/echo" {
		t.Errorf("groups with prefix /aws/: %v %v", prefixed, err)
	}

	// One process ran both invocations: one stream, named as Lambda names them.
	streams, err := c.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("/microshop/mailer")})
	if err != nil {
		t.Fatal(err)
	}
	if len(streams.LogStreams) != 1 {
		t.Fatalf("streams = %d, want 1", len(streams.LogStreams))
	}
	stream := aws.ToString(streams.LogStreams[0].LogStreamName)
	if !regexp.MustCompile(`^\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}$`).MatchString(stream) {
		t.Errorf("stream name %q is not Lambda's form", stream)
	}

	want := append(mailerLines("o-1"), mailerLines("o-2")...)
	all := waitEvents(t, c, "/microshop/mailer", stream, len(want))
	got := make([]string, len(all))
	for i, m := range all {
		got[i] = shape(m)
	}
	// Lines of an invocation can trail its END through the pipe: compare as sets per
	// invocation, and check START opens and REPORT closes the whole.
	if diff := cmp.Diff(sorted(want), sorted(got)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if got[0] != "START" || !strings.HasPrefix(all[len(all)-1], "REPORT RequestId: ") {
		t.Errorf("first %q last %q, want START .. REPORT", got[0], all[len(all)-1])
	}

	// Forward paging, two at a time, ends when the token comes back unchanged; backward
	// paging from the end reads the same events in reverse.
	var fwd []string
	token := (*string)(nil)
	for range 20 {
		out, err := c.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/microshop/mailer"),
			LogStreamName: aws.String(stream), StartFromHead: aws.Bool(true), Limit: aws.Int32(2), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range out.Events {
			fwd = append(fwd, aws.ToString(e.Message))
		}
		if token != nil && aws.ToString(out.NextForwardToken) == *token {
			break
		}
		token = out.NextForwardToken
	}
	if diff := cmp.Diff(all, fwd); diff != "" {
		t.Errorf("forward pages (-whole +paged):\n%s", diff)
	}
	var back []string
	token = nil
	for range 20 {
		out, err := c.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/microshop/mailer"),
			LogStreamName: aws.String(stream), Limit: aws.Int32(2), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		page := make([]string, 0, 2)
		for _, e := range out.Events {
			page = append(page, aws.ToString(e.Message))
		}
		back = append(page, back...)
		if token != nil && aws.ToString(out.NextBackwardToken) == *token {
			break
		}
		token = out.NextBackwardToken
	}
	if diff := cmp.Diff(all, back); diff != "" {
		t.Errorf("backward pages (-whole +paged):\n%s", diff)
	}

	// A time window: nothing before the first event, everything from it on.
	first, err := c.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/microshop/mailer"),
		LogStreamName: aws.String(stream), StartFromHead: aws.Bool(true), Limit: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	t0 := aws.ToInt64(first.Events[0].Timestamp)
	before, err := c.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/microshop/mailer"),
		LogStreamName: aws.String(stream), EndTime: aws.Int64(t0)})
	if err != nil || len(before.Events) != 0 {
		t.Errorf("events before the first: %d %v, want none", len(before.Events), err)
	}
	from, err := c.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/microshop/mailer"),
		LogStreamName: aws.String(stream), StartTime: aws.Int64(t0)})
	if err != nil || len(from.Events) != len(all) {
		t.Errorf("events from the first: %d %v, want %d", len(from.Events), err, len(all))
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// filter runs FilterLogEvents on the mailer's group and returns the messages of every page.
func filter(t *testing.T, c *cloudwatchlogs.Client, in *cloudwatchlogs.FilterLogEventsInput) []string {
	t.Helper()
	in.LogGroupName = aws.String("/microshop/mailer")
	var msgs []string
	pages := cloudwatchlogs.NewFilterLogEventsPaginator(c, in)
	for pages.HasMorePages() {
		out, err := pages.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range out.Events {
			msgs = append(msgs, shape(aws.ToString(e.Message)))
		}
	}
	return msgs
}

func TestFilterLogEvents(t *testing.T) {
	rt := startLogs(t, runtime.Config{}, "o-1", "o-2")
	c := sdk.CloudWatchLogs(rt.EdgeURL())
	streams, err := c.DescribeLogStreams(context.Background(), &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("/microshop/mailer")})
	if err != nil {
		t.Fatal(err)
	}
	stream := aws.ToString(streams.LogStreams[0].LogStreamName)
	waitEvents(t, c, "/microshop/mailer", stream, 10)

	json1 := `{"level":"INFO","msg":"sending","orderId":"o-1"}`
	json2 := `{"level":"INFO","msg":"sending","orderId":"o-2"}`
	tests := []struct {
		name string
		in   cloudwatchlogs.FilterLogEventsInput
		want []string
	}{
		{"all, one per page", cloudwatchlogs.FilterLogEventsInput{Limit: aws.Int32(1)},
			append(mailerLines("o-1"), mailerLines("o-2")...)},
		{"a term", cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String("START")}, []string{"START", "START"}},
		{"terms all present", cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String(`plain o-2`)}, []string{"plain line for o-2"}},
		{"a quoted phrase", cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String(`"line for o-1"`)}, []string{"plain line for o-1"}},
		{"a phrase not present", cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String(`"for o-1 line"`)}, nil},
		{"JSON equality", cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String(`{ $.orderId = "o-1" }`)}, []string{json1}},
		{"JSON wildcard", cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String(`{ $.orderId = "o-*" && $.level = "INFO" }`)}, []string{json1, json2}},
		{"JSON inequality", cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String(`{ $.orderId != "o-1" }`)}, []string{json2}},
		{"the stream by name", cloudwatchlogs.FilterLogEventsInput{LogStreamNames: []string{stream}, FilterPattern: aws.String("END")}, []string{"END", "END"}},
		{"another stream", cloudwatchlogs.FilterLogEventsInput{LogStreamNames: []string{"2020/01/01/[$LATEST]00"}}, nil},
		{"after every event", cloudwatchlogs.FilterLogEventsInput{StartTime: aws.Int64(time.Now().Add(time.Minute).UnixMilli())}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := filter(t, c, &tt.in)
			if diff := cmp.Diff(sorted(tt.want), sorted(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// Client mistakes get CloudWatch Logs' typed errors.
func TestLogsErrors(t *testing.T) {
	rt := startLogs(t, runtime.Config{})
	c := sdk.CloudWatchLogs(rt.EdgeURL())
	ctx := context.Background()
	_, err := c.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/nope"), LogStreamName: aws.String("s")})
	var notFound *cwtypes.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Errorf("unknown group: %v, want ResourceNotFoundException", err)
	}
	_, err = c.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/microshop/mailer"), LogStreamName: aws.String("s")})
	if !errors.As(err, &notFound) {
		t.Errorf("unknown stream: %v, want ResourceNotFoundException", err)
	}
	var bad *cwtypes.InvalidParameterException
	_, err = c.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/microshop/mailer"), FilterPattern: aws.String("[ip, user]")})
	if !errors.As(err, &bad) {
		t.Errorf("space-delimited pattern: %v, want InvalidParameterException", err)
	}
	_, err = c.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{Limit: aws.Int32(51)})
	if !errors.As(err, &bad) {
		t.Errorf("limit 51: %v, want InvalidParameterException", err)
	}
}

// RecordSize bounds each log group's ring: the oldest events go first.
func TestLogsAreBounded(t *testing.T) {
	rt := startLogs(t, runtime.Config{RecordSize: 4}, "o-1", "o-2")
	c := sdk.CloudWatchLogs(rt.EdgeURL())
	deadline := time.Now().Add(5 * time.Second)
	var got []string
	for time.Now().Before(deadline) {
		got = rt.Logs().Events("/microshop/mailer")
		if slices.Contains(got, "plain line for o-2") || slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, `"o-2"`) }) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(got) != 4 {
		t.Errorf("kept %d events, want 4: %q", len(got), got)
	}
	for _, m := range got {
		if strings.Contains(m, "o-1") {
			t.Errorf("kept %q of the first invocation, want only the last events", m)
		}
	}
	out, err := c.FilterLogEvents(context.Background(), &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/microshop/mailer")})
	if err != nil || len(out.Events) != 4 {
		t.Errorf("FilterLogEvents: %d events %v, want 4", len(out.Events), err)
	}
}

// mailbox reads the local mailbox through its JSON API.
func mailbox(t *testing.T, rt *runtime.Runtime, to string) []sesmail.Message {
	t.Helper()
	resp, err := http.Get(rt.EdgeURL() + sesmail.MailboxPath + "?to=" + to)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Messages []sesmail.Message }
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("mailbox: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.Messages
}

// What a function sends through SES v2 lands in the local mailbox, as does what a client
// sends with the SDK, Simple or Raw.
func TestSendEmailLandsInTheMailbox(t *testing.T) {
	rt := startLogs(t, runtime.Config{}, "o-1")
	got := mailbox(t, rt, "o-1@example.com")
	if len(got) != 1 {
		t.Fatalf("mailbox for o-1 has %d messages, want 1", len(got))
	}
	want := sesmail.Message{From: "shop@example.com", To: []string{"o-1@example.com"}, Subject: "Order o-1", Text: "Thanks for order o-1"}
	ignore := func(m sesmail.Message) sesmail.Message { m.MessageID, m.Time = "", time.Time{}; return m }
	if diff := cmp.Diff(want, ignore(got[0])); diff != "" {
		t.Errorf("message (-want +got):\n%s", diff)
	}

	ses := sdk.SES(rt.EdgeURL())
	raw := "From: Shop <shop@example.com>\r\nTo: raw@example.com\r\nSubject: Raw one\r\nContent-Type: text/plain\r\n\r\nraw body\r\n"
	out, err := ses.SendEmail(context.Background(), &sesv2.SendEmailInput{Content: &sestypes.EmailContent{Raw: &sestypes.RawMessage{Data: []byte(raw)}}})
	if err != nil {
		t.Fatal(err)
	}
	rawGot := mailbox(t, rt, "raw@example.com")
	if len(rawGot) != 1 || rawGot[0].MessageID != aws.ToString(out.MessageId) || rawGot[0].Subject != "Raw one" ||
		rawGot[0].Text != "raw body\r\n" || rawGot[0].From != "Shop <shop@example.com>" {
		t.Errorf("raw message: %+v, want subject, body, sender and the MessageId SendEmail returned (%s)", rawGot, aws.ToString(out.MessageId))
	}

	_, err = ses.SendEmail(context.Background(), &sesv2.SendEmailInput{FromEmailAddress: aws.String("shop@example.com"),
		Destination: &sestypes.Destination{ToAddresses: []string{"x@example.com"}}, Content: &sestypes.EmailContent{}})
	var bad *sestypes.BadRequestException
	if !errors.As(err, &bad) {
		t.Errorf("no content: %v, want BadRequestException", err)
	}
	if n := len(mailbox(t, rt, "x@example.com")); n != 0 {
		t.Errorf("a refused message reached the mailbox (%d)", n)
	}
}

// A developer reads the logs and sends mail with the AWS CLI. The CLI installed here is v1,
// which has no `aws logs tail` (a v2 command built on FilterLogEvents, served above):
// filter-log-events and get-log-events are what v1 offers.
func TestLogsAndMailWithTheAWSCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Fatal("the AWS CLI is not installed: this test drives the stack as a developer would, with `aws`")
	}
	rt := startLogs(t, runtime.Config{}, "o-7")
	c := sdk.CloudWatchLogs(rt.EdgeURL())
	streams, err := c.DescribeLogStreams(context.Background(), &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("/microshop/mailer")})
	if err != nil {
		t.Fatal(err)
	}
	stream := aws.ToString(streams.LogStreams[0].LogStreamName)
	waitEvents(t, c, "/microshop/mailer", stream, 5)

	var filtered struct {
		Events []struct{ Message, LogStreamName string }
	}
	if err := json.Unmarshal([]byte(awsCLI(t, rt, "logs", "filter-log-events", "--log-group-name", "/microshop/mailer",
		"--filter-pattern", `{ $.orderId = "o-7" }`)), &filtered); err != nil {
		t.Fatal(err)
	}
	if len(filtered.Events) != 1 || filtered.Events[0].LogStreamName != stream || !strings.Contains(filtered.Events[0].Message, `"o-7"`) {
		t.Errorf("filter-log-events: %+v, want the one JSON line of o-7", filtered.Events)
	}
	var got struct{ Events []struct{ Message string } }
	if err := json.Unmarshal([]byte(awsCLI(t, rt, "logs", "get-log-events", "--log-group-name", "/microshop/mailer",
		"--log-stream-name", stream, "--start-from-head")), &got); err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, e := range got.Events {
		msgs = append(msgs, shape(e.Message))
	}
	if diff := cmp.Diff(sorted(mailerLines("o-7")), sorted(msgs)); diff != "" {
		t.Errorf("get-log-events (-want +got):\n%s", diff)
	}

	var sent struct{ MessageId string }
	if err := json.Unmarshal([]byte(awsCLI(t, rt, "sesv2", "send-email", "--from-email-address", "shop@example.com",
		"--destination", "ToAddresses=cli@example.com",
		"--content", `{"Simple":{"Subject":{"Data":"From the CLI"},"Body":{"Text":{"Data":"hello"}}}}`)), &sent); err != nil {
		t.Fatal(err)
	}
	box := mailbox(t, rt, "cli@example.com")
	if len(box) != 1 || box[0].MessageID != sent.MessageId || box[0].Subject != "From the CLI" || box[0].Text != "hello" {
		t.Errorf("mailbox after sesv2 send-email: %+v, want the message %s", box, sent.MessageId)
	}
}
