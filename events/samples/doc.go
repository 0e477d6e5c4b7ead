// Package samples holds sample Lambda inputs, one per trigger kind, that `make invoke`
// (devcloud invoke) can feed to any function:
//
//   - apigw/: an API Gateway HTTP API (payload 2.0) request for every catalog route
//   - eventbridge/: an EventBridge event as a rule delivers it to a target
//   - sqs/: an SQS batch as an event source mapping delivers it
//   - dynamodb/: a DynamoDB stream batch (INSERT, MODIFY, and a TTL REMOVE)
//
// Every sample decodes into its aws-lambda-go type without unknown fields (see the tests), so
// a sample cannot drift from the shape Lambda delivers. The business events' contracts live
// beside this folder: events/envelope and one package per emitting service (events/catalogevents).
package samples
