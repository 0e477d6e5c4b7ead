package tracing_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/shared/tracing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in     string
		want   tracing.Header
		wantOK bool
	}{
		{"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
			tracing.Header{Root: "1-5759e988-bd862e3fe1be46a994272793", Parent: "53995c3f42cd8ad8", Sampled: true}, true},
		{"Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0",
			tracing.Header{Root: "1-5759e988-bd862e3fe1be46a994272793"}, true},
		{"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1|68fd508a:5",
			tracing.Header{Root: "1-5759e988-bd862e3fe1be46a994272793", Parent: "53995c3f42cd8ad8", Sampled: true}, true},
		{"", tracing.Header{}, false},
		{"Root=2-5759e988-bd862e3fe1be46a994272793", tracing.Header{}, false},
		{"Root=1-5759e988-bd862e3fe1be46a99427279Z", tracing.Header{}, false},
		{"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=xyz", tracing.Header{}, false},
	}
	for _, tt := range tests {
		got, ok := tracing.Parse(tt.in)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("Parse(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestHeaderRoundTrip(t *testing.T) {
	for _, s := range []string{
		"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
		"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0",
	} {
		h, ok := tracing.Parse(s)
		if !ok || h.String() != s {
			t.Errorf("Parse(%q).String() = %q, %v", s, h.String(), ok)
		}
	}
}

// daemon is a UDP listener standing in for the X-Ray daemon.
func daemon(t *testing.T) (*net.UDPConn, string) {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn, conn.LocalAddr().String()
}

// endpoint is an HTTP server answering every DynamoDB call with an empty item, recording the
// X-Amzn-Trace-Id header of each request.
func endpoint(t *testing.T) (*httptest.Server, chan string) {
	t.Helper()
	headers := make(chan string, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		headers <- r.Header.Get(tracing.HeaderName)
		w.Header().Set("x-amzn-RequestId", "req-123")
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(srv.Close)
	return srv, headers
}

func client(d *tracing.Daemon, url string) *dynamodb.Client {
	cfg := aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}, BaseEndpoint: aws.String(url)}
	cfg.APIOptions = append(cfg.APIOptions, tracing.SDKMiddleware(d)...)
	return dynamodb.NewFromConfig(cfg)
}

// A sampled trace: the call is a subsegment of the invocation's segment, sent to the daemon,
// and the request names that subsegment as its parent.
func TestSDKCallIsASubsegment(t *testing.T) {
	conn, addr := daemon(t)
	srv, headers := endpoint(t)
	db := client(tracing.NewDaemon(addr), srv.URL)
	parent := tracing.Header{Root: "1-5759e988-bd862e3fe1be46a994272793", Parent: "53995c3f42cd8ad8", Sampled: true}

	before := time.Now()
	if _, err := db.ListTables(tracing.With(context.Background(), parent), &dynamodb.ListTablesInput{}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64<<10)
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("no datagram at the daemon: %v", err)
	}
	head, body, ok := strings.Cut(string(buf[:n]), "\n")
	if !ok || head != `{"format":"json","version":1}` {
		t.Fatalf("datagram header = %q, want the daemon's", head)
	}
	var seg struct {
		Name, ID, Type, Namespace string
		TraceID                   string  `json:"trace_id"`
		ParentID                  string  `json:"parent_id"`
		Start                     float64 `json:"start_time"`
		End                       float64 `json:"end_time"`
		AWS                       map[string]string
		HTTP                      struct{ Response struct{ Status int } }
		Error, Fault              bool
	}
	if err := json.Unmarshal([]byte(body), &seg); err != nil {
		t.Fatalf("subsegment %s: %v", body, err)
	}
	if seg.Start < float64(before.Unix()) || seg.End < seg.Start {
		t.Errorf("start_time %f, end_time %f: want a span after %d", seg.Start, seg.End, before.Unix())
	}
	type doc struct {
		Name, Type, Namespace, TraceID, ParentID string
		AWS                                      map[string]string
		Status                                   int
		Error, Fault                             bool
	}
	want := doc{Name: "DynamoDB", Type: "subsegment", Namespace: "aws", TraceID: parent.Root, ParentID: parent.Parent,
		AWS: map[string]string{"operation": "ListTables", "region": "us-east-1", "request_id": "req-123"}, Status: 200}
	got := doc{Name: seg.Name, Type: seg.Type, Namespace: seg.Namespace, TraceID: seg.TraceID, ParentID: seg.ParentID,
		AWS: seg.AWS, Status: seg.HTTP.Response.Status, Error: seg.Error, Fault: seg.Fault}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("subsegment mismatch (-want +got):\n%s", diff)
	}
	wantHeader := tracing.Header{Root: parent.Root, Parent: seg.ID, Sampled: true}.String()
	if got := <-headers; got != wantHeader {
		t.Errorf("request X-Amzn-Trace-Id = %q, want %q (the subsegment as parent)", got, wantHeader)
	}
}

// An unsampled trace (what the local runtime passes) still propagates its header but sends
// nothing; the same client then sends a sampled call's subsegment, which proves the daemon
// would have seen the first one.
func TestUnsampledSendsNothing(t *testing.T) {
	conn, addr := daemon(t)
	srv, headers := endpoint(t)
	db := client(tracing.NewDaemon(addr), srv.URL)
	unsampled := tracing.Header{Root: "1-5759e988-bd862e3fe1be46a994272793", Parent: "53995c3f42cd8ad8"}
	if _, err := db.ListTables(tracing.With(context.Background(), unsampled), &dynamodb.ListTablesInput{}); err != nil {
		t.Fatal(err)
	}
	if got := <-headers; got != unsampled.String() {
		t.Errorf("request header = %q, want the context's %q", got, unsampled.String())
	}
	sampled := unsampled
	sampled.Sampled = true
	sampled.Root = "1-5759e988-000000000000000000000001"
	if _, err := db.ListTables(tracing.With(context.Background(), sampled), &dynamodb.ListTablesInput{}); err != nil {
		t.Fatal(err)
	}
	<-headers
	buf := make([]byte, 64<<10)
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(buf[:n]), sampled.Root) {
		t.Errorf("first datagram is not the sampled call's: %s", buf[:n])
	}
}

// Without a trace in the context, or without a daemon address, calls run as before.
func TestNoTraceNoDaemon(t *testing.T) {
	srv, headers := endpoint(t)
	db := client(tracing.NewDaemon(""), srv.URL)
	if _, err := db.ListTables(context.Background(), &dynamodb.ListTablesInput{}); err != nil {
		t.Fatal(err)
	}
	if got := <-headers; got != "" {
		t.Errorf("X-Amzn-Trace-Id = %q without a trace, want none", got)
	}
	h := tracing.Header{Root: "1-5759e988-bd862e3fe1be46a994272793", Parent: "53995c3f42cd8ad8", Sampled: true}
	if _, err := db.ListTables(tracing.With(context.Background(), h), &dynamodb.ListTablesInput{}); err != nil {
		t.Fatal(err)
	}
	if got := <-headers; got != h.String() {
		t.Errorf("header = %q without a daemon, want the context's %q", got, h.String())
	}
}
