// Command items is the function of the sam-httpapi-table fixture: PUT /items/{id} stores the
// request body under the id in the table TABLE_NAME, GET /items/{id} returns it.
package main

import (
	"context"
	"errors"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

type handler struct {
	db    *dynamodb.Client
	table string
}

func (h handler) handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	id := req.PathParameters["id"]
	key := map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: id}}
	switch req.RequestContext.HTTP.Method {
	case http.MethodPut:
		item := map[string]types.AttributeValue{"id": key["id"], "body": &types.AttributeValueMemberS{Value: req.Body}}
		if _, err := h.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(h.table), Item: item}); err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusNoContent}, nil
	case http.MethodGet:
		out, err := h.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(h.table), Key: key})
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		body, ok := out.Item["body"].(*types.AttributeValueMemberS)
		if !ok {
			return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusNotFound, Body: `{"message":"not found"}`}, nil
		}
		return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusOK, Body: body.Value}, nil
	}
	return events.APIGatewayV2HTTPResponse{}, errors.New("unexpected method " + req.RequestContext.HTTP.Method)
}

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		panic(err)
	}
	lambda.Start(handler{db: dynamodb.NewFromConfig(cfg), table: os.Getenv("TABLE_NAME")}.handle)
}
