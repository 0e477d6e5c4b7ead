package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/microshop/microshop/local/lambdahost"
)

// maxBody caps what the middlewares read to decide (DynamoDB's and EventBridge's own request
// limits are far below it); a larger body passes untouched.
const maxBody = 16 << 20

// readBody reads r's body and puts it back for the next handler.
func readBody(r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(b), r.Body))
	return b, err == nil && len(b) <= maxBody
}

// operation is the action of an AWS JSON protocol request (X-Amz-Target "Prefix.Action").
func operation(r *http.Request) string {
	t := r.Header.Get("X-Amz-Target")
	return t[strings.LastIndexByte(t, '.')+1:]
}

// awsError writes an AWS JSON protocol error as DynamoDB answers it.
func awsError(w http.ResponseWriter, typ string, doc map[string]any) {
	doc["__type"] = "com.amazonaws.dynamodb.v20120810#" + typ
	b, _ := json.Marshal(doc)
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-Errortype", typ)
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write(b)
}

// conflictOps are the operations DynamoDB rejects for a conflict with an ongoing
// transaction: single-item writes (TransactionConflictException) and transactions
// (TransactionCanceledException); reads outside a transaction are served.
var conflictOps = map[string]bool{
	"PutItem": true, "UpdateItem": true, "DeleteItem": true,
	"TransactWriteItems": true, "TransactGetItems": true,
}

// DynamoDB returns next with the injector's DynamoDB faults: a call whose operation and table
// match a rule that fires gets a 400 as DynamoDB sends it, and next never sees it.
func (inj *Injector) DynamoDB(next http.Handler) http.Handler {
	if inj == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !inj.has(ThroughputExceeded, TransactionConflict) {
			next.ServeHTTP(w, r)
			return
		}
		op := operation(r)
		body, ok := readBody(r)
		if !ok || op == "" {
			next.ServeHTTP(w, r)
			return
		}
		var req struct {
			TableName     string
			TransactItems []map[string]struct{ TableName string }
		}
		_ = json.Unmarshal(body, &req)
		tables := []string{req.TableName}
		for _, it := range req.TransactItems {
			for _, v := range it {
				tables = append(tables, v.TableName)
			}
		}
		r2 := inj.first(func(r *rule) bool {
			if r.Fault != ThroughputExceeded && (r.Fault != TransactionConflict || !conflictOps[op]) {
				return false
			}
			if r.Operation != "" && r.Operation != op {
				return false
			}
			if r.Table == "" {
				return true
			}
			for _, t := range tables {
				if t == r.Table {
					return true
				}
			}
			return false
		})
		switch {
		case r2 == nil:
			next.ServeHTTP(w, r)
		case r2.Fault == ThroughputExceeded:
			awsError(w, "ProvisionedThroughputExceededException", map[string]any{
				"message": "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
			})
		case len(req.TransactItems) > 0:
			reasons := make([]map[string]string, len(req.TransactItems))
			codes := make([]string, len(req.TransactItems))
			for i := range reasons {
				reasons[i] = map[string]string{"Code": "None"}
				codes[i] = "None"
			}
			reasons[0] = map[string]string{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
			codes[0] = "TransactionConflict"
			awsError(w, "TransactionCanceledException", map[string]any{
				"message":             "Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]",
				"CancellationReasons": reasons,
			})
		default:
			awsError(w, "TransactionConflictException", map[string]any{"message": "Transaction is ongoing for the item"})
		}
	})
}

// EventBridge returns next with the injector's PutEvents faults: each entry of a PutEvents
// call matching a rule that fires is answered with the rule's ErrorCode and not put on the
// bus; the others go to next, and the answers are merged in entry order with
// FailedEntryCount counting both.
func (inj *Injector) EventBridge(next http.Handler) http.Handler {
	if inj == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if operation(r) != "PutEvents" || !inj.has(PutEventsFail) {
			next.ServeHTTP(w, r)
			return
		}
		body, ok := readBody(r)
		var req map[string]json.RawMessage
		if !ok || json.Unmarshal(body, &req) != nil {
			next.ServeHTTP(w, r)
			return
		}
		var entries []json.RawMessage
		if json.Unmarshal(req["Entries"], &entries) != nil || len(entries) == 0 || len(entries) > 10 {
			next.ServeHTTP(w, r) // let EventBridge refuse it
			return
		}
		failed := make([]*rule, len(entries))
		var kept []json.RawMessage
		for i, e := range entries {
			var ent struct{ EventBusName, DetailType string }
			_ = json.Unmarshal(e, &ent)
			bus := ent.EventBusName
			if i := strings.LastIndexByte(bus, '/'); i >= 0 {
				bus = bus[i+1:]
			}
			if bus == "" {
				bus = "default"
			}
			failed[i] = inj.first(func(r *rule) bool {
				return r.Fault == PutEventsFail && (r.Bus == "" || r.Bus == bus) &&
					(r.DetailType == "" || r.DetailType == ent.DetailType)
			})
			if failed[i] == nil {
				kept = append(kept, e)
			}
		}
		if len(kept) == len(entries) {
			next.ServeHTTP(w, r)
			return
		}
		var out struct {
			FailedEntryCount int
			Entries          []map[string]any
		}
		if len(kept) > 0 {
			req["Entries"], _ = json.Marshal(kept)
			b, _ := json.Marshal(req)
			r2 := r.Clone(r.Context())
			r2.Body = io.NopCloser(bytes.NewReader(b))
			r2.ContentLength = int64(len(b))
			r2.Header.Set("Content-Length", strconv.Itoa(len(b)))
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r2)
			if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &out) != nil || len(out.Entries) != len(kept) {
				// A refusal of the whole call is the answer.
				for k, v := range rec.Header() {
					w.Header()[k] = v
				}
				w.WriteHeader(rec.Code)
				_, _ = w.Write(rec.Body.Bytes())
				return
			}
		}
		merged := make([]map[string]any, len(entries))
		k := 0
		for i, f := range failed {
			if f == nil {
				merged[i] = out.Entries[k]
				k++
				continue
			}
			msg := "Internal failure (injected fault " + f.Name + ")"
			if f.Code == "ThrottlingException" {
				msg = "Rate exceeded (injected fault " + f.Name + ")"
			}
			merged[i] = map[string]any{"ErrorCode": f.Code, "ErrorMessage": msg}
			out.FailedEntryCount++
		}
		b, _ := json.Marshal(map[string]any{"FailedEntryCount": out.FailedEntryCount, "Entries": merged})
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = w.Write(b)
	})
}

// Source wraps the invoker of an event source mapping reading from source (a queue or table
// name) with the injector's delivery faults.
func (inj *Injector) Source(source string, next lambdahost.Invoker) lambdahost.Invoker {
	if inj == nil {
		return next
	}
	return sourceInvoker{inj: inj, source: source, next: next}
}

type sourceInvoker struct {
	inj    *Injector
	source string
	next   lambdahost.Invoker
}

func (s sourceInvoker) Invoke(ctx context.Context, name string, payload []byte) (*lambdahost.Result, error) {
	d := s.inj.Delivery(s.source)
	switch d.Fault {
	case Throttle:
		return nil, lambdahost.ErrThrottled
	case Latency:
		if err := sleep(ctx, d.Latency); err != nil {
			return nil, err
		}
	case Duplicate:
		if _, err := s.next.Invoke(ctx, name, payload); err != nil {
			return nil, err
		}
	case Reorder:
		payload = s.inj.reorder(d.Rule, payload)
		if err := sleep(ctx, d.Latency); err != nil {
			return nil, err
		}
	}
	return s.next.Invoke(ctx, name, payload)
}

// reorder shuffles the Records of an event with the rule's PRNG.
func (inj *Injector) reorder(ruleName string, payload []byte) []byte {
	var ev map[string]json.RawMessage
	var recs []json.RawMessage
	if json.Unmarshal(payload, &ev) != nil || json.Unmarshal(ev["Records"], &recs) != nil || len(recs) < 2 {
		return payload
	}
	inj.shuffle(ruleName, len(recs), func(i, j int) { recs[i], recs[j] = recs[j], recs[i] })
	ev["Records"], _ = json.Marshal(recs)
	b, err := json.Marshal(ev)
	if err != nil {
		return payload
	}
	return b
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
