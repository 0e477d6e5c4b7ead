package streamsource

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/microshop/microshop/local/ddbengine"
	"github.com/microshop/microshop/local/internal/esmfilter"
)

// record is one stream record ready for an event: its JSON as Lambda sends it, and what
// delivery needs to know about it.
type record struct {
	seq     string
	created time.Time
	raw     json.RawMessage
}

// lambdaRecord is a stream record as Lambda puts it in an event: the fields of
// events.DynamoDBEventRecord, in its order and with its names, but with the keys and images
// kept as the engine's JSON. An attribute value's JSON is the same in the Streams API and in
// a Lambda event, so decoding it into events.DynamoDBAttributeValue maps and encoding it
// again (what this once did) only cost time: a third of the mapping's CPU under load.
type lambdaRecord struct {
	AWSRegion      string                       `json:"awsRegion"`
	Change         lambdaChange                 `json:"dynamodb"`
	EventID        string                       `json:"eventID"`
	EventName      string                       `json:"eventName"`
	EventSource    string                       `json:"eventSource"`
	EventVersion   string                       `json:"eventVersion"`
	EventSourceArn string                       `json:"eventSourceARN"`
	UserIdentity   *events.DynamoDBUserIdentity `json:"userIdentity,omitempty"`
}

// lambdaChange is events.DynamoDBStreamRecord with the items as JSON. The creation time is
// in epoch seconds with a fraction, as events.SecondsEpochTime writes it.
type lambdaChange struct {
	ApproximateCreationDateTime float64         `json:"ApproximateCreationDateTime"`
	Keys                        json.RawMessage `json:"Keys,omitempty"`
	NewImage                    json.RawMessage `json:"NewImage,omitempty"`
	OldImage                    json.RawMessage `json:"OldImage,omitempty"`
	SequenceNumber              string          `json:"SequenceNumber"`
	SizeBytes                   int64           `json:"SizeBytes"`
	StreamViewType              string          `json:"StreamViewType"`
}

// convert turns an engine record into the record of a Lambda event, for the stream arn
// unless the record names its own.
func convert(r ddbengine.Record, arn string) (record, error) {
	item := func(it ddbengine.Item) json.RawMessage {
		if len(it) == 0 {
			return nil
		}
		b, _ := it.MarshalJSON() // never fails
		return b
	}
	d := r.Dynamodb
	ev := lambdaRecord{
		AWSRegion: r.AwsRegion, EventID: r.EventID, EventName: r.EventName, EventSource: r.EventSource,
		EventVersion: r.EventVersion, EventSourceArn: arn,
		Change: lambdaChange{
			ApproximateCreationDateTime: d.ApproximateCreationDateTime, Keys: item(d.Keys), NewImage: item(d.NewImage),
			OldImage: item(d.OldImage), SequenceNumber: d.SequenceNumber, SizeBytes: d.SizeBytes, StreamViewType: d.StreamViewType,
		},
	}
	if r.EventSourceARN != "" {
		ev.EventSourceArn = r.EventSourceARN
	}
	if u := r.UserIdentity; u != nil {
		ev.UserIdentity = &events.DynamoDBUserIdentity{Type: u.Type, PrincipalID: u.PrincipalID}
	}
	return encode(ev)
}

// encode makes the record of ev. Records read through the Streams API decode into
// lambdaRecord directly: its names match the API's case-insensitively (userIdentity's
// PrincipalId and Type included), so both ways give the same bytes.
func encode(ev lambdaRecord) (record, error) {
	raw, err := json.Marshal(ev)
	if err != nil {
		return record{}, err
	}
	return record{seq: ev.Change.SequenceNumber, created: epochTime(ev.Change.ApproximateCreationDateTime), raw: raw}, nil
}

// epochTime is the time of epoch seconds, read as events.SecondsEpochTime reads them.
func epochTime(epoch float64) time.Time {
	sec := int64(epoch)
	return time.Unix(sec, int64((epoch-float64(sec))*float64(time.Second)))
}

// seqLess orders sequence numbers: decimal strings, compared as numbers.
func seqLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// reader turns the subscription (after the backlog read through the Streams API) into
// batches.
type reader struct {
	ch      <-chan ddbengine.Record
	arn     string
	log     *slog.Logger
	pending []record
	last    string // sequence number of the last record read; later duplicates are dropped
	// filters drop the records that match none of them; skip is told the sequence number
	// of a dropped record when nothing before it is pending, so the checkpoint moves past it.
	filters *esmfilter.Filters
	skip    func(seq string)
}

func (r *reader) add(rec ddbengine.Record) {
	if r.last != "" && !seqLess(r.last, rec.Dynamodb.SequenceNumber) {
		return
	}
	c, err := convert(rec, r.arn)
	if err != nil {
		// Cannot happen for records the engine produced; never drop one silently.
		r.log.Error("streamsource: cannot convert stream record; SKIPPED", "sequenceNumber", rec.Dynamodb.SequenceNumber, "err", err)
		return
	}
	r.last = c.seq
	if !r.filters.Match(c.raw) {
		if len(r.pending) == 0 && r.skip != nil {
			r.skip(c.seq)
		}
		return
	}
	r.pending = append(r.pending, c)
}

// next returns the next batch: it waits for a first record, then gathers until size records,
// maxPayload bytes, or the end of the window (0: only what is available now). ok is false
// when ctx is done or the subscription closed.
func (r *reader) next(ctx context.Context, size int, window time.Duration) (batch []record, ok bool) {
	for len(r.pending) == 0 {
		select {
		case rec, open := <-r.ch:
			if !open {
				return nil, false
			}
			r.add(rec)
		case <-ctx.Done():
			return nil, false
		}
	}
	var deadline <-chan time.Time
	if window > 0 {
		t := time.NewTimer(window)
		defer t.Stop()
		deadline = t.C
	}
gather:
	for len(r.pending) < size {
		if deadline == nil {
			select {
			case rec, open := <-r.ch:
				if !open {
					break gather
				}
				r.add(rec)
			default:
				break gather
			}
			continue
		}
		select {
		case rec, open := <-r.ch:
			if !open {
				break gather
			}
			r.add(rec)
		case <-deadline:
			break gather
		case <-ctx.Done():
			return nil, false
		}
	}
	n, bytes := 0, len(`{"Records":[]}`)
	for n < len(r.pending) && n < size {
		bytes += len(r.pending[n].raw) + 1
		if n > 0 && bytes > maxPayload {
			break
		}
		n++
	}
	batch = r.pending[:n:n]
	r.pending = r.pending[n:]
	return batch, true
}

// readBacklog reads the records already in the stream through the Streams API: from the
// trim horizon, or after the sequence number after when resuming.
func (r *reader) readBacklog(src Source, shard, after string) error {
	in := map[string]string{"StreamArn": r.arn, "ShardId": shard, "ShardIteratorType": TrimHorizon}
	if after != "" {
		in["ShardIteratorType"], in["SequenceNumber"] = "AFTER_SEQUENCE_NUMBER", after
	}
	var it struct{ ShardIterator string }
	if err := call(src, "GetShardIterator", in, &it); err != nil {
		return err
	}
	for iter := it.ShardIterator; iter != ""; {
		var out struct {
			Records           []lambdaRecord
			NextShardIterator string
		}
		if err := call(src, "GetRecords", map[string]any{"ShardIterator": iter, "Limit": 1000}, &out); err != nil {
			return err
		}
		if len(out.Records) == 0 {
			break
		}
		for _, ev := range out.Records {
			ev.EventSourceArn = r.arn // not part of the Streams API's record
			c, err := encode(ev)
			if err != nil {
				return err
			}
			r.pending = append(r.pending, c)
			r.last = c.seq
		}
		iter = out.NextShardIterator
	}
	return nil
}

// describeShard returns the ID of the stream's (single) shard.
func describeShard(src Source, arn string) (string, error) {
	var out struct {
		StreamDescription struct {
			Shards []struct{ ShardId string }
		}
	}
	if err := call(src, "DescribeStream", map[string]string{"StreamArn": arn}, &out); err != nil {
		return "", err
	}
	if len(out.StreamDescription.Shards) == 0 {
		return "", fmt.Errorf("stream %s has no shard", arn)
	}
	return out.StreamDescription.Shards[0].ShardId, nil
}

// call runs one DynamoDB Streams API operation on the engine.
func call(src Source, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	status, resp := src.Do("DynamoDBStreams_20120810."+op, body)
	if status != 200 {
		return fmt.Errorf("%s: %s", op, resp)
	}
	if err := json.Unmarshal(resp, out); err != nil {
		return fmt.Errorf("%s: decode response: %w", op, err)
	}
	return nil
}
