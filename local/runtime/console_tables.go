package runtime

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"

	"github.com/microshop/microshop/local/console"
	"github.com/microshop/microshop/local/template"
)

// Tables and Streams go through the DynamoDB and DynamoDB Streams APIs on the edge port, so
// they show what any client sees, whichever engine serves DynamoDB.

const (
	ddbTarget     = "DynamoDB_20120810."
	streamsTarget = "DynamoDBStreams_20120810."
	// maxStreamRecords bounds how many records a stream read returns, newest kept.
	maxStreamRecords = 1000
)

func (rt *Runtime) registerTables(c *console.Console) {
	shell(c, console.Page{Path: "tables", Title: "Tables", Summary: "browse and query the items of every table and index; edit or delete an item"},
		"tables.js", `<form class="inline" id="query">
<label>Table <select name="table" id="table"></select></label>
<a id="stream-link" href="streams" hidden>Stream records</a>
<label>Index <select name="index" id="index"></select></label>
<label><span id="pk-label">Partition key</span> <input name="partition" id="partition" placeholder="empty: scan"></label>
<label>Sort key <span class="row"><select name="sortOp"><option value="">any</option><option>=</option><option>&lt;</option><option>&lt;=</option><option>&gt;</option><option>&gt;=</option><option>begins_with</option><option>between</option></select>
<input name="sort" id="sort" size="12"> <input name="sort2" size="8" placeholder="and (between)"></span></label>
<label>Filter <input name="filter" id="filter" size="28" placeholder="#s = :s AND total &gt; :min"></label>
<label>Names <input name="names" size="16" placeholder='{"#s":"status"}'></label>
<label>Values <input name="values" size="22" placeholder='{":s":"CONFIRMED",":min":100}'></label>
<label>Limit <input name="limit" type="number" min="1" max="1000" value="25" size="4"></label>
<button id="run">Query</button></form>
<p id="result-info" class="muted" role="status"></p>
<div class="scroll"><table id="items"><thead></thead><tbody></tbody></table></div>
<p><button id="more" class="secondary" hidden>Next page</button></p>
<section id="editor" hidden><h2>Item</h2><p class="muted">DynamoDB JSON: saving puts the whole item (PutItem).</p>
<textarea id="item-json" spellcheck="false" aria-label="Item JSON"></textarea>
<p class="actions"><button id="save">Save item…</button> <button id="delete" class="danger">Delete item…</button>
<span id="confirm" hidden>Sure? <button id="confirm-yes" class="danger"></button> <button id="confirm-no" class="secondary">Cancel</button></span>
<span id="item-status" role="status"></span></p></section>`)
	c.HandleAPI("GET tables", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := []any{}
		for _, t := range rt.model.Tables {
			var d struct{ Table json.RawMessage }
			if err := rt.awsCall(r.Context(), ddbTarget+"DescribeTable", map[string]string{"TableName": t.Name}, &d); err != nil {
				writeAPIError(w, err)
				return
			}
			out = append(out, d.Table)
		}
		console.WriteJSON(w, http.StatusOK, map[string]any{"tables": out})
	}))
	c.HandleAPI("POST tables/{name}/query", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := rt.table(r.PathValue("name"))
		if t == nil {
			console.WriteError(w, http.StatusNotFound, "ResourceNotFoundException", "no table "+r.PathValue("name")+" in the template")
			return
		}
		var in tableQuery
		if !decodeBody(w, r, &in) {
			return
		}
		op, req, err := in.request(t)
		if err != nil {
			console.WriteError(w, http.StatusBadRequest, "ValidationException", err.Error())
			return
		}
		var out struct {
			Items            []json.RawMessage
			Count            int
			ScannedCount     int
			LastEvaluatedKey json.RawMessage `json:",omitempty"`
		}
		if err := rt.awsCall(r.Context(), ddbTarget+op, req, &out); err != nil {
			writeAPIError(w, err)
			return
		}
		if out.Items == nil {
			out.Items = []json.RawMessage{}
		}
		console.WriteJSON(w, http.StatusOK, map[string]any{
			"operation": op, "request": req, "items": out.Items, "count": out.Count, "scannedCount": out.ScannedCount,
			"lastEvaluatedKey": out.LastEvaluatedKey,
		})
	}))
	c.HandleAPI("PUT tables/{name}/items", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Item json.RawMessage `json:"item"`
		}
		if !decodeBody(w, r, &in) {
			return
		}
		if err := rt.awsCall(r.Context(), ddbTarget+"PutItem", map[string]any{"TableName": r.PathValue("name"), "Item": in.Item}, nil); err != nil {
			writeAPIError(w, err)
			return
		}
		console.WriteJSON(w, http.StatusOK, map[string]any{"item": in.Item})
	}))
	c.HandleAPI("DELETE tables/{name}/items", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Key     json.RawMessage `json:"key"`
			Confirm bool            `json:"confirm"`
		}
		if !decodeBody(w, r, &in) {
			return
		}
		if !in.Confirm {
			console.WriteError(w, http.StatusBadRequest, "ConfirmationRequired", `deleting an item cannot be undone: send "confirm": true`)
			return
		}
		var out struct{ Attributes json.RawMessage }
		if err := rt.awsCall(r.Context(), ddbTarget+"DeleteItem", map[string]any{"TableName": r.PathValue("name"), "Key": in.Key, "ReturnValues": "ALL_OLD"}, &out); err != nil {
			writeAPIError(w, err)
			return
		}
		console.WriteJSON(w, http.StatusOK, map[string]any{"deleted": out.Attributes})
	}))
}

func (rt *Runtime) table(name string) *template.Table {
	for _, t := range rt.model.Tables {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// tableQuery is the Tables page's query form: a Query when Partition is set, else a Scan.
type tableQuery struct {
	Index     string            `json:"index"`
	Partition string            `json:"partition"`
	SortOp    string            `json:"sortOp"`
	Sort      string            `json:"sort"`
	Sort2     string            `json:"sort2"`
	Filter    string            `json:"filter"`
	Names     map[string]string `json:"names"`
	// Values are the filter's values as plain JSON (strings, numbers, booleans, lists, maps).
	Values   map[string]any  `json:"values"`
	Limit    int             `json:"limit"`
	StartKey json.RawMessage `json:"startKey"`
	Backward bool            `json:"backward"`
}

// request builds the DynamoDB request of q on t.
func (q tableQuery) request(t *template.Table) (op string, req map[string]any, err error) {
	keys := t.KeySchema
	if q.Index != "" {
		i := slices.IndexFunc(slices.Concat(t.GlobalSecondaryIndexes, t.LocalSecondaryIndexes), func(i template.Index) bool { return i.IndexName == q.Index })
		if i < 0 {
			return "", nil, fmt.Errorf("table %s has no index %s", t.Name, q.Index)
		}
		keys = slices.Concat(t.GlobalSecondaryIndexes, t.LocalSecondaryIndexes)[i].KeySchema
	}
	req = map[string]any{"TableName": t.Name}
	if q.Index != "" {
		req["IndexName"] = q.Index
	}
	if q.Limit > 0 {
		req["Limit"] = q.Limit
	}
	if len(q.StartKey) > 0 && string(q.StartKey) != "null" {
		req["ExclusiveStartKey"] = q.StartKey
	}
	names := map[string]string{}
	maps.Copy(names, q.Names)
	values := map[string]any{}
	for k, v := range q.Values {
		values[k] = attributeValue(v)
	}
	op = "Scan"
	if q.Partition != "" {
		op = "Query"
		pk, sk := keyNames(keys)
		names["#pk"] = pk
		values[":pk"] = typed(t, pk, q.Partition)
		cond := "#pk = :pk"
		if q.SortOp != "" {
			if sk == "" {
				return "", nil, fmt.Errorf("the key has no sort key")
			}
			names["#sk"] = sk
			values[":sk"] = typed(t, sk, q.Sort)
			switch q.SortOp {
			case "=", "<", "<=", ">", ">=":
				cond += " AND #sk " + q.SortOp + " :sk"
			case "begins_with":
				cond += " AND begins_with(#sk, :sk)"
			case "between":
				values[":sk2"] = typed(t, sk, q.Sort2)
				cond += " AND #sk BETWEEN :sk AND :sk2"
			default:
				return "", nil, fmt.Errorf("unknown sort key condition %q", q.SortOp)
			}
		}
		req["KeyConditionExpression"] = cond
		if q.Backward {
			req["ScanIndexForward"] = false
		}
	}
	if q.Filter != "" {
		req["FilterExpression"] = q.Filter
	}
	if len(names) > 0 {
		req["ExpressionAttributeNames"] = names
	}
	if len(values) > 0 {
		req["ExpressionAttributeValues"] = values
	}
	return op, req, nil
}

func keyNames(keys []template.KeyElement) (pk, sk string) {
	for _, k := range keys {
		if k.KeyType == "HASH" {
			pk = k.AttributeName
		} else {
			sk = k.AttributeName
		}
	}
	return pk, sk
}

// typed is a key value as its attribute definition types it (S, N or B).
func typed(t *template.Table, attr, v string) map[string]string {
	for _, d := range t.AttributeDefinitions {
		if d.AttributeName == attr {
			return map[string]string{d.AttributeType: v}
		}
	}
	return map[string]string{"S": v}
}

// attributeValue turns plain JSON (decoded with UseNumber) into a DynamoDB attribute value.
func attributeValue(v any) map[string]any {
	switch v := v.(type) {
	case nil:
		return map[string]any{"NULL": true}
	case bool:
		return map[string]any{"BOOL": v}
	case json.Number:
		return map[string]any{"N": v.String()}
	case float64:
		return map[string]any{"N": fmt.Sprint(v)}
	case string:
		return map[string]any{"S": v}
	case []any:
		l := make([]any, 0, len(v))
		for _, e := range v {
			l = append(l, attributeValue(e))
		}
		return map[string]any{"L": l}
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = attributeValue(e)
		}
		return map[string]any{"M": m}
	default:
		return map[string]any{"S": fmt.Sprint(v)}
	}
}

func (rt *Runtime) registerStreams(c *console.Console) {
	shell(c, console.Page{Path: "streams", Title: "Streams", Summary: "the DynamoDB stream records of each table"},
		"streams.js", `<form class="inline" id="pick"><label>Table <select name="table" id="table"></select></label><label>Search <input name="q" type="search" placeholder="key or image text"></label></form>
<p class="muted" id="count" role="status"></p><div class="scroll"><table id="records"><thead><tr><th>time</th><th>event</th><th>keys</th><th>new image</th><th>old image</th></tr></thead><tbody></tbody></table></div>`)
	c.HandleAPI("GET streams", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := []map[string]string{}
		for _, t := range rt.model.Tables {
			if t.StreamARN != "" {
				out = append(out, map[string]string{"table": t.Name, "streamArn": t.StreamARN, "viewType": t.StreamViewType})
			}
		}
		console.WriteJSON(w, http.StatusOK, map[string]any{"streams": out})
	}))
	c.HandleAPI("GET streams/{table}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		recs, err := rt.streamRecords(r, r.PathValue("table"))
		if err != nil {
			writeAPIError(w, err)
			return
		}
		console.WriteJSON(w, http.StatusOK, map[string]any{"records": recs})
	}))
}

// streamRecords reads the table's stream from its oldest record, through the DynamoDB
// Streams API, and returns the last maxStreamRecords records newest first.
func (rt *Runtime) streamRecords(r *http.Request, table string) ([]json.RawMessage, error) {
	ctx := r.Context()
	var streams struct {
		Streams []struct{ StreamArn string }
	}
	if err := rt.awsCall(ctx, streamsTarget+"ListStreams", map[string]string{"TableName": table}, &streams); err != nil {
		return nil, err
	}
	if len(streams.Streams) == 0 {
		return nil, &awsError{Status: http.StatusNotFound, Code: "ResourceNotFoundException", Message: "table " + table + " has no stream"}
	}
	arn := streams.Streams[len(streams.Streams)-1].StreamArn
	var desc struct {
		StreamDescription struct {
			Shards []struct{ ShardId string }
		}
	}
	if err := rt.awsCall(ctx, streamsTarget+"DescribeStream", map[string]string{"StreamArn": arn}, &desc); err != nil {
		return nil, err
	}
	var recs []json.RawMessage
	for _, sh := range desc.StreamDescription.Shards {
		var it struct{ ShardIterator *string }
		if err := rt.awsCall(ctx, streamsTarget+"GetShardIterator", map[string]string{
			"StreamArn": arn, "ShardId": sh.ShardId, "ShardIteratorType": "TRIM_HORIZON",
		}, &it); err != nil {
			return nil, err
		}
		for it.ShardIterator != nil {
			var page struct {
				Records           []json.RawMessage
				NextShardIterator *string
			}
			if err := rt.awsCall(ctx, streamsTarget+"GetRecords", map[string]any{"ShardIterator": *it.ShardIterator, "Limit": 1000}, &page); err != nil {
				return nil, err
			}
			recs = append(recs, page.Records...)
			if len(recs) > maxStreamRecords {
				recs = recs[len(recs)-maxStreamRecords:]
			}
			if len(page.Records) == 0 {
				break // an open shard always has a next iterator: stop at its end
			}
			it.ShardIterator = page.NextShardIterator
		}
	}
	slices.Reverse(recs)
	if recs == nil {
		recs = []json.RawMessage{}
	}
	return recs, nil
}
