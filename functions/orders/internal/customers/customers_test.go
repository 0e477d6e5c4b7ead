package customers_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	idp "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/microshop/microshop/functions/orders/internal/confirm"
	"github.com/microshop/microshop/functions/orders/internal/customers"
)

// fakePool answers AdminGetUser from its users (username → attributes) in pool "pool-1".
type fakePool map[string]map[string]string

var errThrottled = errors.New("throttled")

func (f fakePool) AdminGetUser(_ context.Context, in *idp.AdminGetUserInput, _ ...func(*idp.Options)) (*idp.AdminGetUserOutput, error) {
	if aws.ToString(in.UserPoolId) != "pool-1" {
		return nil, &types.ResourceNotFoundException{Message: aws.String("no pool")}
	}
	if aws.ToString(in.Username) == "throttle" {
		return nil, errThrottled
	}
	attrs, ok := f[aws.ToString(in.Username)]
	if !ok {
		return nil, &types.UserNotFoundException{Message: aws.String("User does not exist.")}
	}
	out := &idp.AdminGetUserOutput{Username: in.Username}
	for k, v := range attrs {
		out.UserAttributes = append(out.UserAttributes, types.AttributeType{Name: aws.String(k), Value: aws.String(v)})
	}
	return out, nil
}

func TestEmail(t *testing.T) {
	d := customers.New(fakePool{
		"sub-1": {"sub": "sub-1", "email": "ann@example.com"},
		"sub-2": {"sub": "sub-2"},
	}, "pool-1")
	tests := []struct {
		customer string
		want     string
		wantErr  error
	}{
		{"sub-1", "ann@example.com", nil},
		{"sub-2", "", confirm.ErrUnknownCustomer},
		{"sub-9", "", confirm.ErrUnknownCustomer},
		{"throttle", "", errThrottled},
	}
	for _, tt := range tests {
		t.Run(tt.customer, func(t *testing.T) {
			got, err := d.Email(context.Background(), tt.customer)
			if got != tt.want || !errors.Is(err, tt.wantErr) {
				t.Errorf("Email(%s) = %q, %v; want %q, %v", tt.customer, got, err, tt.want, tt.wantErr)
			}
		})
	}
}
