// Package sqsqueue is the local runtime's Amazon SQS: an in-memory queue engine (standard and FIFO
// queues, visibility, delays, retention, long polling, dead-letter redrive), the SQS JSON
// protocol API over HTTP for SDKs and the AWS CLI (*Service is the http.Handler to register
// with the edge as edge.SQS), and Lambda event source mappings (Mapping) that poll a queue and
// invoke a function the way the Lambda service does.
//
// All state lives behind one mutex per Service: local queues are small, and a single lock makes
// redrive between queues and FIFO group ordering simple to get right. Long polls wait on a
// per-queue channel that is closed on every change that may make a message available, plus a
// timer to the next delay or visibility expiry, so nothing polls in a loop.
//
// Decisions where SQS leaves room or the local runtime differs on purpose:
//   - Errors carry the model's __type (com.amazonaws.sqs#QueueDoesNotExist) and the
//     x-amzn-query-error header (AWS.SimpleQueueService.NonExistentQueue;Sender), which is
//     what SDKs and the CLI report as the error code. Only the JSON protocol is served, not
//     the older query (XML) protocol.
//   - A message moves to the dead-letter queue on the receive that would exceed
//     maxReceiveCount; it keeps its ID, sent time and receive count and gains
//     DeadLetterQueueSourceArn. If the dead-letter queue is missing (or of the other queue
//     type) the message stays and is delivered, with a warning logged: nothing is dropped.
//   - A receipt handle from an earlier receive of a message received again still deletes it,
//     and changes its current visibility timeout, on a standard queue (what SQS does: the
//     handle names the message). On a FIFO queue only the current receive's handle works,
//     until its visibility timeout ends; an older one fails with InvalidParameterValue "The
//     receipt handle has expired.", as on SQS. Deleting a message that is gone succeeds.
//   - A RedrivePolicy's dead-letter queue must exist (same region and account) and be of the
//     queue's type when the policy is set; if it is deleted later, see the redrive bullet.
//   - AddPermission/RemovePermission edit the Policy attribute (statement Sid = label);
//     policies are kept, not enforced.
//   - MD5OfMessageAttributes on receive covers the attributes returned, so SDKs that verify it
//     agree when MessageAttributeNames selects a subset.
//   - The SenderId of a message sent over HTTP is the caller's SigV4 access key ID.
//   - A .fifo name makes a FIFO queue even without FifoQueue=true (CreateQueue from a
//     template); FifoQueue=true without the suffix is rejected as SQS does.
//   - PurgeQueue refuses a second purge within 60 seconds, as SQS does.
//   - A Mapping's Filters (FilterCriteria) see {"body": ...}, the body decoded when it is a
//     JSON object or array; a message that matches no filter is deleted without an
//     invocation, as Lambda does. SetEnabled is UpdateEventSourceMapping's Enabled.
//   - TemplateAttributes turns a template queue (local/template) into CreateQueue attributes.
//   - Lambda records leave md5OfMessageAttributes null for a message without attributes and
//     spell empty list values as [], as Lambda does.
package sqsqueue
