package runtime

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync"

	"github.com/microshop/microshop/local/cwlogs"
	"github.com/microshop/microshop/local/ddbengine"
	"github.com/microshop/microshop/local/edge"
	"github.com/microshop/microshop/local/eventbus"
	"github.com/microshop/microshop/local/sqsqueue"
)

// Regions. The template's resources live in its region (Config.Region). A request signed for
// another region reaches that region's own DynamoDB (embedded engine only), SQS, EventBridge
// and CloudWatch Logs, made empty on the region's first request (edge.HandleRegions), with
// the region in every ARN and queue URL. Functions, user pools, SES and STS stay in the
// template's region and serve every region.

// QueueURLPath is the path prefix of the queue URLs of regions other than the template's:
// <edge>/queue/<region>/<account>/<name>, LocalStack's "path" endpoint strategy. The
// template's queues keep <edge>/<account>/<name>, the URLs its functions are given.
const QueueURLPath = "/queue/"

// regionSets holds the services made for other regions, to close them with the runtime.
type regionSets struct {
	mu      sync.Mutex
	closed  bool
	closers []func() error
}

// startRegions serves other regions from their own services.
func (rt *Runtime) startRegions(gw *edge.Edge, cfg Config) {
	rs := &regionSets{}
	rt.closers = append(rt.closers, rs.close)
	gw.HandleRegions(rt.model.Region, func(region string) (map[string]http.Handler, error) {
		return rt.regionServices(rs, cfg, region)
	})
}

// regionServices makes one region's services.
func (rt *Runtime) regionServices(rs *regionSets, cfg Config, region string) (map[string]http.Handler, error) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.closed {
		return nil, errors.New("the runtime is closing")
	}
	account := rt.model.AccountID
	set := map[string]http.Handler{}
	if rt.ddb != nil {
		dir := ""
		if cfg.DataDir != "" {
			dir = filepath.Join(cfg.DataDir, "regions", region)
		}
		e, err := ddbengine.Open(ddbengine.Options{Region: region, AccountID: account, DataDir: dir})
		if err != nil {
			return nil, err
		}
		rs.closers = append(rs.closers, e.Close)
		set[edge.DynamoDB] = rt.faults.DynamoDB(e)
		set[edge.DynamoDBStreams] = e
	}
	queues := sqsqueue.New(sqsqueue.Options{
		Region: region, AccountID: account, BaseURL: rt.edgeURL + QueueURLPath + region, Log: rt.log,
	})
	set[edge.SQS] = queues
	// A rule of this region reaches this region's queues; any other target (the template's
	// functions and queues) as the template's rules do.
	inRegion := func(arn string) (string, bool) {
		parts := strings.Split(arn, ":")
		if len(parts) != 6 || parts[2] != "sqs" || parts[3] != region || parts[4] != account || parts[5] == "" {
			return "", false
		}
		return parts[5], true
	}
	bus := eventbus.New(eventbus.Options{
		Region: region, AccountID: account, Log: rt.log,
		DeadLetter: rt.deadLetterTo(rt.log, func(arn string) (*sqsqueue.Service, string, bool) {
			if name, ok := inRegion(arn); ok {
				return queues, name, true
			}
			name, ok := rt.queueName(arn)
			return rt.sqs, name, ok
		}),
		Connect: func(t eventbus.Target) func(context.Context, []byte) error {
			name, ok := inRegion(t.ARN)
			if !ok {
				return rt.deliverTo(t.ARN, t.MessageGroupID)
			}
			return func(_ context.Context, payload []byte) error {
				in := sqsqueue.SendInput{Body: string(payload), GroupID: t.MessageGroupID}
				if strings.HasSuffix(name, ".fifo") && in.GroupID == "" {
					in.GroupID = "default"
				}
				_, err := queues.Send(name, in)
				return err
			}
		},
	})
	rs.closers = append(rs.closers, bus.Close)
	set[edge.EventBridge] = rt.faults.EventBridge(bus)
	set[edge.Logs] = cwlogs.New(cwlogs.Options{Size: cfg.RecordSize, Region: region, AccountID: account})
	return set, nil
}

// close closes every region's services; regions asked for later fail.
func (rs *regionSets) close() error {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.closed = true
	var errs []error
	for i := len(rs.closers) - 1; i >= 0; i-- {
		errs = append(errs, rs.closers[i]())
	}
	return errors.Join(errs...)
}
