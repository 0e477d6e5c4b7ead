package eventbus_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/eventbus"
	"github.com/microshop/microshop/local/internal/fakeclock"
	"github.com/microshop/microshop/local/sdk"
)

// putAt puts one event on the shop bus with the given detail-type and time, and returns its ID.
func putAt(t *testing.T, eb *eventbridge.Client, detailType, detail string, at time.Time) string {
	t.Helper()
	out, err := eb.PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{{
		EventBusName: awssdk.String("shop"), Source: awssdk.String("microshop.orders"), DetailType: awssdk.String(detailType),
		Detail: awssdk.String(detail), Time: awssdk.Time(at),
	}}})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("PutEvents: %v %+v", err, out)
	}
	return awssdk.ToString(out.Entries[0].EventId)
}

// delivered is the part of a delivered event the replay tests check.
type delivered struct {
	ID         string `json:"id"`
	DetailType string `json:"detail-type"`
	Time       string `json:"time"`
	ReplayName string `json:"replay-name"`
}

func decodeDelivered(t *testing.T, raw []byte) delivered {
	t.Helper()
	var d delivered
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("delivered %s: %v", raw, err)
	}
	return d
}

// The user story: a saga failed (PaymentFailed) while its handler was broken; the developer
// archived the bus, fixes the handler, and replays the failed events of that hour to the
// payments rule only. The replayed events reach the rule's target again with "replay-name";
// the other rule and events outside the window do not, and nothing is archived twice.
func TestReplayAFailedSaga(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t, eventbus.Options{})
	if err := s.AddBus("shop"); err != nil {
		t.Fatal(err)
	}
	payments, orders := newRecorder(), newRecorder()
	addRule(t, s, eventbus.Rule{Name: "payment-failed", Bus: "shop", Pattern: json.RawMessage(`{"detail-type":["PaymentFailed"]}`),
		Targets: []eventbus.Target{{ID: "compensate", Deliver: payments.deliver}}})
	addRule(t, s, eventbus.Rule{Name: "order-placed", Bus: "shop", Pattern: json.RawMessage(`{"detail-type":["OrderPlaced"]}`),
		Targets: []eventbus.Target{{ID: "inventory", Deliver: orders.deliver}}})
	eb := sdk.EventBridge(serve(t, s).URL)

	created, err := eb.CreateArchive(ctx, &eventbridge.CreateArchiveInput{
		ArchiveName: awssdk.String("shop-archive"), EventSourceArn: awssdk.String(s.BusARN("shop")),
		EventPattern: awssdk.String(`{"source":["microshop.orders"]}`), RetentionDays: awssdk.Int32(7),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := awssdk.ToString(created.ArchiveArn), "arn:aws:events:us-east-1:123456789012:archive/shop-archive"; got != want || created.State != types.ArchiveStateEnabled {
		t.Errorf("CreateArchive = %s %s, want %s ENABLED", got, created.State, want)
	}

	hour := fixedTime.Add(-3 * time.Hour)
	placed := putAt(t, eb, "OrderPlaced", `{"orderId":"o-1"}`, hour.Add(5*time.Minute))
	failed := putAt(t, eb, "PaymentFailed", `{"orderId":"o-1"}`, hour.Add(10*time.Minute))
	putAt(t, eb, "PaymentFailed", `{"orderId":"o-2"}`, hour.Add(90*time.Minute)) // after the window
	// The originals were delivered: the replay's deliveries below are new ones.
	for _, rec := range []*recorder{orders, payments, payments} {
		if d := decodeDelivered(t, rec.next(t)); d.ReplayName != "" {
			t.Errorf("original event %+v carries a replay-name", d)
		}
	}
	archived, err := eb.DescribeArchive(ctx, &eventbridge.DescribeArchiveInput{ArchiveName: awssdk.String("shop-archive")})
	if err != nil {
		t.Fatal(err)
	}
	if archived.EventCount != 3 || archived.SizeBytes <= 0 {
		t.Fatalf("archive holds %d events (%d bytes), want 3", archived.EventCount, archived.SizeBytes)
	}

	started, err := eb.StartReplay(ctx, &eventbridge.StartReplayInput{
		ReplayName: awssdk.String("saga-o-1"), EventSourceArn: created.ArchiveArn,
		EventStartTime: awssdk.Time(hour), EventEndTime: awssdk.Time(hour.Add(time.Hour)),
		Destination: &types.ReplayDestination{Arn: awssdk.String(s.BusARN("shop")), FilterArns: []string{s.RuleARN("shop", "payment-failed")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if started.State != types.ReplayStateStarting || awssdk.ToString(started.ReplayArn) != "arn:aws:events:us-east-1:123456789012:replay/saga-o-1" {
		t.Errorf("StartReplay = %s %s, want STARTING", awssdk.ToString(started.ReplayArn), started.State)
	}
	got := decodeDelivered(t, payments.next(t))
	want := delivered{ID: failed, DetailType: "PaymentFailed", Time: hour.Add(10 * time.Minute).Format(time.RFC3339), ReplayName: "saga-o-1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("replayed event (-want +got):\n%s", diff)
	}
	// FilterArns left the order rule out, though the window holds its event (which that
	// rule did receive when it was put, above: it would have been seen).
	orders.none(t, s)
	payments.none(t, s)

	replay, err := eb.DescribeReplay(ctx, &eventbridge.DescribeReplayInput{ReplayName: awssdk.String("saga-o-1")})
	if err != nil {
		t.Fatal(err)
	}
	if replay.State != types.ReplayStateCompleted || !awssdk.ToTime(replay.EventLastReplayedTime).Equal(hour.Add(10*time.Minute)) ||
		replay.ReplayEndTime == nil || awssdk.ToString(replay.EventSourceArn) != awssdk.ToString(created.ArchiveArn) {
		t.Errorf("DescribeReplay = state %s, last replayed %v, end %v", replay.State, replay.EventLastReplayedTime, replay.ReplayEndTime)
	}
	archived, err = eb.DescribeArchive(ctx, &eventbridge.DescribeArchiveInput{ArchiveName: awssdk.String("shop-archive")})
	if err != nil || archived.EventCount != 3 {
		t.Errorf("after the replay the archive holds %d events (%v), want still 3: replayed events are not archived", archived.EventCount, err)
	}

	// Without FilterArns every matching rule gets the replayed events.
	if _, err := eb.StartReplay(ctx, &eventbridge.StartReplayInput{
		ReplayName: awssdk.String("all"), EventSourceArn: created.ArchiveArn,
		EventStartTime: awssdk.Time(hour), EventEndTime: awssdk.Time(hour.Add(time.Hour)),
		Destination: &types.ReplayDestination{Arn: awssdk.String(s.BusARN("shop"))},
	}); err != nil {
		t.Fatal(err)
	}
	if d := decodeDelivered(t, orders.next(t)); d.ID != placed || d.ReplayName != "all" {
		t.Errorf("order rule got %+v, want the replayed OrderPlaced %s", d, placed)
	}
	if d := decodeDelivered(t, payments.next(t)); d.ID != failed || d.ReplayName != "all" {
		t.Errorf("payment rule got %+v, want the replayed PaymentFailed %s", d, failed)
	}
	list, err := eb.ListReplays(ctx, &eventbridge.ListReplaysInput{EventSourceArn: created.ArchiveArn})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range list.Replays {
		names = append(names, awssdk.ToString(r.ReplayName))
	}
	if diff := cmp.Diff([]string{"all", "saga-o-1"}, names); diff != "" {
		t.Errorf("ListReplays (-want +got):\n%s", diff)
	}
}

func TestArchiveAndReplayErrors(t *testing.T) {
	ctx := context.Background()
	s, eb, _ := tapped(t)
	archiveARN := "arn:aws:events:us-east-1:000000000000:archive/a"
	if _, err := eb.CreateArchive(ctx, &eventbridge.CreateArchiveInput{ArchiveName: awssdk.String("a"), EventSourceArn: awssdk.String(s.BusARN("shop"))}); err != nil {
		t.Fatal(err)
	}
	now := fixedTime
	replay := func(name, bus string, start, end time.Time) func() error {
		return func() error {
			_, err := eb.StartReplay(ctx, &eventbridge.StartReplayInput{ReplayName: awssdk.String(name), EventSourceArn: awssdk.String(archiveARN),
				EventStartTime: awssdk.Time(start), EventEndTime: awssdk.Time(end), Destination: &types.ReplayDestination{Arn: awssdk.String(s.BusARN(bus))}})
			return err
		}
	}
	if err := replay("done", "shop", now.Add(-time.Hour), now.Add(-time.Minute))(); err != nil {
		t.Fatal(err)
	}
	flush(t, s)
	// An archive whose bus was deleted afterwards.
	if _, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: awssdk.String("gone")}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.CreateArchive(ctx, &eventbridge.CreateArchiveInput{ArchiveName: awssdk.String("orphan"), EventSourceArn: awssdk.String(s.BusARN("gone"))}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.DeleteEventBus(ctx, &eventbridge.DeleteEventBusInput{Name: awssdk.String("gone")}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"CreateArchive with a taken name", func() error {
			_, err := eb.CreateArchive(ctx, &eventbridge.CreateArchiveInput{ArchiveName: awssdk.String("a"), EventSourceArn: awssdk.String(s.BusARN("shop"))})
			return err
		}, "ResourceAlreadyExistsException"},
		{"CreateArchive on an unknown bus", func() error {
			_, err := eb.CreateArchive(ctx, &eventbridge.CreateArchiveInput{ArchiveName: awssdk.String("b"), EventSourceArn: awssdk.String(s.BusARN("nope"))})
			return err
		}, "ResourceNotFoundException"},
		{"CreateArchive with an invalid pattern", func() error {
			_, err := eb.CreateArchive(ctx, &eventbridge.CreateArchiveInput{ArchiveName: awssdk.String("b"), EventSourceArn: awssdk.String(s.BusARN("shop")), EventPattern: awssdk.String(`{"source":"x"}`)})
			return err
		}, "InvalidEventPatternException"},
		{"DescribeArchive of an unknown archive", func() error {
			_, err := eb.DescribeArchive(ctx, &eventbridge.DescribeArchiveInput{ArchiveName: awssdk.String("nope")})
			return err
		}, "ResourceNotFoundException"},
		{"StartReplay to another bus", replay("r1", "default", now.Add(-time.Hour), now.Add(-time.Minute)), "ValidationException"},
		{"StartReplay with start after end", replay("r2", "shop", now.Add(-time.Minute), now.Add(-time.Hour)), "ValidationException"},
		{"StartReplay ending in the future", replay("r3", "shop", now.Add(-time.Minute), now.Add(time.Hour)), "ValidationException"},
		{"StartReplay with a taken name", replay("done", "shop", now.Add(-time.Hour), now.Add(-time.Minute)), "ResourceAlreadyExistsException"},
		{"StartReplay from an unknown archive", func() error {
			_, err := eb.StartReplay(ctx, &eventbridge.StartReplayInput{ReplayName: awssdk.String("r4"), EventSourceArn: awssdk.String(archiveARN + "x"),
				EventStartTime: awssdk.Time(now.Add(-time.Hour)), EventEndTime: awssdk.Time(now.Add(-time.Minute)), Destination: &types.ReplayDestination{Arn: awssdk.String(s.BusARN("shop"))}})
			return err
		}, "ResourceNotFoundException"},
		{"StartReplay of an archive whose bus is gone", func() error {
			_, err := eb.StartReplay(ctx, &eventbridge.StartReplayInput{ReplayName: awssdk.String("r5"), EventSourceArn: awssdk.String("arn:aws:events:us-east-1:000000000000:archive/orphan"),
				EventStartTime: awssdk.Time(now.Add(-time.Hour)), EventEndTime: awssdk.Time(now.Add(-time.Minute)), Destination: &types.ReplayDestination{Arn: awssdk.String(s.BusARN("gone"))}})
			return err
		}, "ResourceNotFoundException"},
		{"DescribeReplay of an unknown replay", func() error {
			_, err := eb.DescribeReplay(ctx, &eventbridge.DescribeReplayInput{ReplayName: awssdk.String("nope")})
			return err
		}, "ResourceNotFoundException"},
		{"CancelReplay of a completed replay", func() error {
			_, err := eb.CancelReplay(ctx, &eventbridge.CancelReplayInput{ReplayName: awssdk.String("done")})
			return err
		}, "IllegalStatusException"},
		{"DeleteArchive of an unknown archive", func() error {
			_, err := eb.DeleteArchive(ctx, &eventbridge.DeleteArchiveInput{ArchiveName: awssdk.String("nope")})
			return err
		}, "ResourceNotFoundException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errorCode(tt.call()); got != tt.want {
				t.Errorf("error code %q, want %q", got, tt.want)
			}
		})
	}
}

// An archive keeps events for RetentionDays, counted by the service clock; UpdateArchive
// changes what it keeps from then on; ListArchives and DeleteArchive see it.
func TestArchiveRetentionUpdateAndList(t *testing.T) {
	ctx := context.Background()
	clock := fakeclock.New(fixedTime)
	s, _ := newService(t, eventbus.Options{Clock: clock.Now})
	if err := s.AddBus("shop"); err != nil {
		t.Fatal(err)
	}
	eb := sdk.EventBridge(serve(t, s).URL)
	if _, err := eb.CreateArchive(ctx, &eventbridge.CreateArchiveInput{ArchiveName: awssdk.String("week"),
		EventSourceArn: awssdk.String(s.BusARN("shop")), RetentionDays: awssdk.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	count := func() int64 {
		t.Helper()
		out, err := eb.DescribeArchive(ctx, &eventbridge.DescribeArchiveInput{ArchiveName: awssdk.String("week")})
		if err != nil {
			t.Fatal(err)
		}
		return out.EventCount
	}
	putAt(t, eb, "OrderPlaced", `{}`, clock.Now())
	clock.Advance(23 * time.Hour)
	putAt(t, eb, "PaymentFailed", `{}`, clock.Now())
	if got := count(); got != 2 {
		t.Fatalf("EventCount = %d, want 2", got)
	}
	clock.Advance(2 * time.Hour) // the first event is 25 hours old
	if got := count(); got != 1 {
		t.Errorf("EventCount after 25h = %d, want 1 (retention 1 day)", got)
	}

	if _, err := eb.UpdateArchive(ctx, &eventbridge.UpdateArchiveInput{ArchiveName: awssdk.String("week"),
		EventPattern: awssdk.String(`{"detail-type":["OrderPlaced"]}`), Description: awssdk.String("orders"), RetentionDays: awssdk.Int32(0)}); err != nil {
		t.Fatal(err)
	}
	putAt(t, eb, "PaymentFailed", `{}`, clock.Now())
	putAt(t, eb, "OrderPlaced", `{}`, clock.Now())
	if got := count(); got != 2 {
		t.Errorf("EventCount after UpdateArchive = %d, want 2 (only the OrderPlaced added)", got)
	}
	d, err := eb.DescribeArchive(ctx, &eventbridge.DescribeArchiveInput{ArchiveName: awssdk.String("week")})
	if err != nil || awssdk.ToString(d.Description) != "orders" || awssdk.ToString(d.EventPattern) != `{"detail-type":["OrderPlaced"]}` || awssdk.ToInt32(d.RetentionDays) != 0 {
		t.Errorf("DescribeArchive after UpdateArchive = %+v, %v", d, err)
	}

	list, err := eb.ListArchives(ctx, &eventbridge.ListArchivesInput{EventSourceArn: awssdk.String(s.BusARN("shop"))})
	if err != nil || len(list.Archives) != 1 || awssdk.ToString(list.Archives[0].ArchiveName) != "week" || list.Archives[0].EventCount != 2 {
		t.Fatalf("ListArchives = %+v, %v", list, err)
	}
	if _, err := eb.DeleteArchive(ctx, &eventbridge.DeleteArchiveInput{ArchiveName: awssdk.String("week")}); err != nil {
		t.Fatal(err)
	}
	if list, err = eb.ListArchives(ctx, &eventbridge.ListArchivesInput{}); err != nil || len(list.Archives) != 0 {
		t.Errorf("ListArchives after DeleteArchive = %+v, %v", list, err)
	}
}
