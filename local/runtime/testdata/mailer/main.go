// Command mailer is a test function that logs a plain line and a JSON line naming its
// event's id, then sends an email to <id>@example.com through SES v2.
package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	ses := sesv2.NewFromConfig(cfg)
	lambda.Start(func(ctx context.Context, event struct{ ID string }) (string, error) {
		fmt.Println("plain line for", event.ID)
		fmt.Fprintf(os.Stdout, "{\"level\":\"INFO\",\"msg\":\"sending\",\"orderId\":%q}\n", event.ID)
		out, err := ses.SendEmail(ctx, &sesv2.SendEmailInput{
			FromEmailAddress: aws.String("shop@example.com"),
			Destination:      &types.Destination{ToAddresses: []string{event.ID + "@example.com"}},
			Content: &types.EmailContent{Simple: &types.Message{
				Subject: &types.Content{Data: aws.String("Order " + event.ID)},
				Body:    &types.Body{Text: &types.Content{Data: aws.String("Thanks for order " + event.ID)}},
			}},
		})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.MessageId), nil
	})
}
