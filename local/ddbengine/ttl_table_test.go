package ddbengine

// Table tests for Time to Live: UpdateTimeToLive validation, DescribeTimeToLive states and the
// background sweeper, which deletes only items whose TTL attribute is a Number of epoch seconds
// in the past (and not more than five years in the past), as service deletions on the stream.

import (
	"context"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/google/go-cmp/cmp"
)

type ttlState struct {
	Status types.TimeToLiveStatus
	Attr   string
}

func describeTTL(t *testing.T, c *dynamodb.Client, table string) ttlState {
	t.Helper()
	out, err := c.DescribeTimeToLive(context.Background(), &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	return ttlState{out.TimeToLiveDescription.TimeToLiveStatus, aws.ToString(out.TimeToLiveDescription.AttributeName)}
}

func setTTL(c *dynamodb.Client, table, attr string, enabled bool) (*dynamodb.UpdateTimeToLiveOutput, error) {
	return c.UpdateTimeToLive(context.Background(), &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(table),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{Enabled: aws.Bool(enabled), AttributeName: aws.String(attr)}})
}

// TestUpdateTimeToLive walks a table through enable/disable, in order.
func TestUpdateTimeToLive(t *testing.T) {
	_, c, _ := newTestEngine(t, Options{})
	createIDTable(t, c, "sessions", "")
	if got, want := describeTTL(t, c, "sessions"), (ttlState{Status: types.TimeToLiveStatusDisabled}); got != want {
		t.Fatalf("new table: %+v, want %+v", got, want)
	}
	const otherAttr = "TimeToLive is active on a different AttributeName: current AttributeName is exp"
	steps := []struct {
		name    string
		table   string
		attr    string
		enabled bool
		wantErr apiErr
		want    ttlState // of "sessions" afterwards
	}{
		{"enable", "sessions", "exp", true, apiErr{}, ttlState{types.TimeToLiveStatusEnabled, "exp"}},
		{"enable twice", "sessions", "exp", true, apiErr{"ValidationException", "TimeToLive is already enabled"}, ttlState{types.TimeToLiveStatusEnabled, "exp"}},
		{"enable another attribute", "sessions", "expires", true, apiErr{"ValidationException", otherAttr}, ttlState{types.TimeToLiveStatusEnabled, "exp"}},
		{"disable another attribute", "sessions", "expires", false, apiErr{"ValidationException", otherAttr}, ttlState{types.TimeToLiveStatusEnabled, "exp"}},
		{"disable", "sessions", "exp", false, apiErr{}, ttlState{Status: types.TimeToLiveStatusDisabled}},
		{"disable twice", "sessions", "exp", false, apiErr{"ValidationException", "TimeToLive is already disabled"}, ttlState{Status: types.TimeToLiveStatusDisabled}},
		// DynamoDB refuses a second change within an hour; the engine applies it at once.
		{"enable on a new attribute", "sessions", "expires", true, apiErr{}, ttlState{types.TimeToLiveStatusEnabled, "expires"}},
		{"unknown table", "nope", "exp", true, apiErr{"ResourceNotFoundException", "Requested resource not found"}, ttlState{types.TimeToLiveStatusEnabled, "expires"}},
	}
	for _, st := range steps {
		out, err := setTTL(c, st.table, st.attr, st.enabled)
		if got := toAPIErr(t, err); got != st.wantErr {
			t.Errorf("%s: error %+v, want %+v", st.name, got, st.wantErr)
		}
		if err == nil && (aws.ToBool(out.TimeToLiveSpecification.Enabled) != st.enabled || aws.ToString(out.TimeToLiveSpecification.AttributeName) != st.attr) {
			t.Errorf("%s: response %+v", st.name, out.TimeToLiveSpecification)
		}
		if got := describeTTL(t, c, "sessions"); got != st.want {
			t.Errorf("%s: DescribeTimeToLive = %+v, want %+v", st.name, got, st.want)
		}
	}
	_, err := c.DescribeTimeToLive(context.Background(), &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("nope")})
	if got, want := toAPIErr(t, err), (apiErr{"ResourceNotFoundException", "Requested resource not found: Table: nope not found"}); got != want {
		t.Errorf("DescribeTimeToLive of an unknown table: %+v, want %+v", got, want)
	}
}

// waitFor polls cond until it holds or five seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestTTLSweeper(t *testing.T) {
	clock := newFakeClock()
	now := clock.Now().Unix()
	secs := func(d time.Duration) types.AttributeValue { return n(strconv.FormatInt(now+int64(d/time.Second), 10)) }
	const year = 365 * 24 * time.Hour
	tests := []struct {
		id      string
		exp     types.AttributeValue // nil: no TTL attribute
		deleted bool
	}{
		{"expired", secs(-10 * time.Second), true},
		{"expired four years ago", secs(-4 * year), true},
		{"expired with a fraction", n(strconv.FormatInt(now-1, 10) + ".5"), true},
		{"expiring this second", secs(0), false}, // not less than the current time
		{"in the future", secs(time.Hour), false},
		{"no attribute", nil, false},
		{"a string", s(strconv.FormatInt(now-10, 10)), false},
		{"a number set", &types.AttributeValueMemberNS{Value: []string{strconv.FormatInt(now-10, 10)}}, false},
		{"more than five years ago", secs(-5*year - 48*time.Hour), false},
	}
	e, c, url := newTestEngine(t, Options{Now: clock.Now, TTLInterval: 10 * time.Millisecond})
	createIDTable(t, c, "sessions", types.StreamViewTypeNewAndOldImages)
	createIDTable(t, c, "no-ttl", "")
	sc := streamsClient(url)
	it := latest(t, sc, e, "sessions")
	if _, err := setTTL(c, "sessions", "exp", true); err != nil {
		t.Fatal(err)
	}
	var wantRecords []recordSummary
	for _, tt := range tests {
		item := map[string]types.AttributeValue{"id": s(tt.id)}
		if tt.exp != nil {
			item["exp"] = tt.exp
		}
		putItems(t, c, "sessions", item)
		putItems(t, c, "no-ttl", item)
		if tt.deleted {
			wantRecords = append(wantRecords, recordSummary{Name: "REMOVE", Keys: map[string]any{"id": tt.id},
				Old: streamPlain(map[string]streamtypes.AttributeValue{"id": &streamtypes.AttributeValueMemberS{Value: tt.id},
					"exp": &streamtypes.AttributeValueMemberN{Value: tt.exp.(*types.AttributeValueMemberN).Value}}),
				Identity: "Service/dynamodb.amazonaws.com"})
		}
	}
	present := func(table, id string) bool { return plainItem(t, c, table, id) != nil }
	waitFor(t, "the background sweeper", func() bool { return !present("sessions", "expired") })
	// A sweep run to completion after every write: what it leaves is left for good, not
	// merely not reached yet.
	e.ExpireNow()
	for _, tt := range tests {
		if got := !present("sessions", tt.id); got != tt.deleted {
			t.Errorf("%s: deleted = %v, want %v", tt.id, got, tt.deleted)
		}
		if !present("no-ttl", tt.id) {
			t.Errorf("%s deleted from a table without TTL", tt.id)
		}
	}

	// Only service deletions, one REMOVE per expired item, with the old image.
	recs := summarize(readRecords(t, sc, it, 0))
	var removes []recordSummary
	for _, r := range recs {
		if r.Name == "REMOVE" {
			removes = append(removes, r)
		}
	}
	byID := func(rs []recordSummary) func(i, j int) bool {
		return func(i, j int) bool { return rs[i].Keys["id"].(string) < rs[j].Keys["id"].(string) }
	}
	sort.Slice(removes, byID(removes))
	sort.Slice(wantRecords, byID(wantRecords))
	if diff := cmp.Diff(wantRecords, removes); diff != "" {
		t.Errorf("REMOVE records (-want +got):\n%s", diff)
	}

	// The sweeper reads Options.Now: two hours on, the future item has expired too.
	clock.Advance(2 * time.Hour)
	waitFor(t, "the future item to expire", func() bool { return !present("sessions", "in the future") })

	// With TTL disabled nothing more is deleted, expired or not; enabled again, the same
	// item goes, so the check above would have seen a deletion.
	if _, err := setTTL(c, "sessions", "exp", false); err != nil {
		t.Fatal(err)
	}
	putItems(t, c, "sessions", map[string]types.AttributeValue{"id": s("late"), "exp": secs(-time.Minute)})
	if n := e.ExpireNow(); n != 0 || !present("sessions", "late") {
		t.Errorf("with TTL disabled a sweep deleted %d items (late present: %v)", n, present("sessions", "late"))
	}
	if _, err := setTTL(c, "sessions", "exp", true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the late item to expire once TTL is enabled again", func() bool { return !present("sessions", "late") })
}
