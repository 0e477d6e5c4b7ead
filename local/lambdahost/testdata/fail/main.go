// Command fail is a test function that returns an error of its own type.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

// ValidationError is the error the function returns; its type name is the errorType.
type ValidationError struct{ Field string }

func (e *ValidationError) Error() string { return "invalid " + e.Field }

func main() {
	lambda.Start(func(context.Context) (string, error) {
		return "", &ValidationError{Field: "sku"}
	})
}
