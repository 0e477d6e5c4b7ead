// Package streamsource is the local runtime's DynamoDB Streams event source mapping
// (AWS::Lambda::EventSourceMapping with a table's stream as EventSourceArn): it reads a table's
// stream from the embedded engine and invokes a function with batches of records, shaped as
// aws-lambda-go's events.DynamoDBEvent, the way the Lambda service does.
//
// A table has one local shard, so a Mapping has one poller and at most one invocation in
// flight: records reach the function in stream order. A failed batch blocks the shard and is
// retried until it succeeds or a limit discards it; discarded batches are described to the
// on-failure destination (or logged as skipped when there is none).
//
// Decisions where Lambda leaves room or the local runtime differs on purpose:
//   - A failed batch is retried after RetryBackoff (default 100ms), doubling up to 2s, instead
//     of Lambda's longer backoff, so local feedback is fast.
//   - With BisectBatchOnFunctionError a failing batch of two or more records is split in half
//     at once, and each half is delivered as a batch of its own with a fresh retry count:
//     splitting does not count against MaximumRetryAttempts, so a poison record always ends
//     up alone in a batch before retries decide its fate and the records beside it get through.
//   - MaximumRetryAttempts counts failed invocations since the checkpoint last moved. With
//     ReportBatchItemFailures a response that moves the checkpoint (its lowest itemIdentifier
//     is not the batch's first record) starts the count again at one; one that does not move
//     it counts as a failed attempt, so a record that keeps reporting failure is discarded
//     once retries are exhausted, as with a function error.
//   - An invalid partial batch response (not a JSON object, or an itemIdentifier that is
//     missing, null, empty or not in the batch) fails the whole batch, as in Lambda, and
//     bisects like a function error.
//   - An invocation that never ran (Invoker error: unknown function, manager closed) is
//     retried without counting against MaximumRetryAttempts, as Lambda does for throttles and
//     service errors.
//   - MaximumRecordAgeInSeconds is checked before every invocation against the record's
//     ApproximateCreationDateTime; records older than it are discarded with condition
//     RecordAgeExceeded.
//   - MaximumBatchingWindow opens at the first record after the previous invocation (Lambda
//     opens it when the previous invocation ends), so an idle stream does not turn the next
//     write into a batch of one.
//   - A batch is also cut before its payload would exceed Lambda's 6 MB invocation limit.
//   - Filters (FilterCriteria) are matched against each record as the function would get it;
//     a record that matches none is dropped before batching and counts as processed: the
//     checkpoint moves past it when nothing before it is pending.
//   - The checkpoint lives in the Mapping: Stop then Start resumes after the last record that
//     was delivered or discarded, reading what was written meanwhile from the stream.
//   - Records decode losslessly into events.DynamoDBEventRecord (tested); the engine's
//     userIdentity {"PrincipalId","Type"} (the Streams API's spelling) becomes Lambda's
//     {"type","principalId"}.
package streamsource
