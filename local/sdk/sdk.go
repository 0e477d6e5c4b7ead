// Package sdk builds AWS SDK clients pointed at local endpoints with dummy credentials, the
// way the local runtime, its tests and its tools talk to the local stack.
package sdk

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// Region is the region the local stack reports.
const Region = "us-east-1"

// Credentials are the dummy credentials local endpoints accept.
var Credentials = credentials.NewStaticCredentialsProvider("local", "local", "")

// DynamoDB returns a DynamoDB client for the endpoint (e.g. http://127.0.0.1:4566).
func DynamoDB(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{Region: Region, BaseEndpoint: aws.String(endpoint), Credentials: Credentials})
}

// DynamoDBStreams returns a DynamoDB Streams client for the endpoint.
func DynamoDBStreams(endpoint string) *dynamodbstreams.Client {
	return dynamodbstreams.New(dynamodbstreams.Options{Region: Region, BaseEndpoint: aws.String(endpoint), Credentials: Credentials})
}

// SQS returns an SQS client for the endpoint.
func SQS(endpoint string) *sqs.Client {
	return sqs.New(sqs.Options{Region: Region, BaseEndpoint: aws.String(endpoint), Credentials: Credentials})
}

// EventBridge returns an EventBridge client for the endpoint.
func EventBridge(endpoint string) *eventbridge.Client {
	return eventbridge.New(eventbridge.Options{Region: Region, BaseEndpoint: aws.String(endpoint), Credentials: Credentials})
}

// Lambda returns a Lambda client for the endpoint.
func Lambda(endpoint string) *lambda.Client {
	return lambda.New(lambda.Options{Region: Region, BaseEndpoint: aws.String(endpoint), Credentials: Credentials})
}

// Cognito returns a Cognito Identity Provider (user pools) client for the endpoint.
func Cognito(endpoint string) *cognitoidentityprovider.Client {
	return cognitoidentityprovider.New(cognitoidentityprovider.Options{Region: Region, BaseEndpoint: aws.String(endpoint), Credentials: Credentials})
}

// CloudWatchLogs returns a CloudWatch Logs client for the endpoint.
func CloudWatchLogs(endpoint string) *cloudwatchlogs.Client {
	return cloudwatchlogs.New(cloudwatchlogs.Options{Region: Region, BaseEndpoint: aws.String(endpoint), Credentials: Credentials})
}

// SES returns an SES v2 client for the endpoint.
func SES(endpoint string) *sesv2.Client {
	return sesv2.New(sesv2.Options{Region: Region, BaseEndpoint: aws.String(endpoint), Credentials: Credentials})
}
