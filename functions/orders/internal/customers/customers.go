// Package customers finds a customer's email address in the shop's Cognito user pool, for the
// order confirmation of an order placed without one (confirm.Customers).
package customers

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	idp "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/microshop/microshop/functions/orders/internal/confirm"
)

// API is the part of the Cognito user pools client the directory calls.
type API interface {
	AdminGetUser(ctx context.Context, in *idp.AdminGetUserInput, opts ...func(*idp.Options)) (*idp.AdminGetUserOutput, error)
}

var _ API = (*idp.Client)(nil)

// Directory reads customers from one user pool.
type Directory struct {
	api    API
	poolID string
}

var _ confirm.Customers = (*Directory)(nil)

// New returns the directory of the user pool poolID.
func New(api API, poolID string) *Directory { return &Directory{api: api, poolID: poolID} }

// Email implements confirm.Customers. The shop's pool signs users in with their email, so a
// user's username is their sub, the customer ID (AdminGetUser also accepts the email alias).
func (d *Directory) Email(ctx context.Context, customerID string) (string, error) {
	out, err := d.api.AdminGetUser(ctx, &idp.AdminGetUserInput{UserPoolId: aws.String(d.poolID), Username: aws.String(customerID)})
	var notFound *types.UserNotFoundException
	if errors.As(err, &notFound) {
		return "", fmt.Errorf("customer %s: %w", customerID, confirm.ErrUnknownCustomer)
	}
	if err != nil {
		return "", fmt.Errorf("look up customer %s: %w", customerID, err)
	}
	for _, a := range out.UserAttributes {
		if aws.ToString(a.Name) == "email" && aws.ToString(a.Value) != "" {
			return aws.ToString(a.Value), nil
		}
	}
	return "", fmt.Errorf("customer %s has no email: %w", customerID, confirm.ErrUnknownCustomer)
}
