// Package sdk builds AWS SDK clients pointed at local endpoints with dummy credentials, the
// way the local runtime, its tests and its tools talk to the local stack.
package sdk

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Region is the region the local stack reports.
const Region = "us-east-1"

// Credentials are the dummy credentials local endpoints accept.
var Credentials = credentials.NewStaticCredentialsProvider("local", "local", "")

// DynamoDB returns a DynamoDB client for the endpoint (e.g. http://127.0.0.1:4566).
func DynamoDB(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  Credentials,
	})
}
