package runtime_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/microshop/microshop/local/ddbtest"
	"github.com/microshop/microshop/local/runtime"
	"github.com/microshop/microshop/local/sdk"
	"github.com/microshop/microshop/local/template"
)

// A table whose template enables point-in-time recovery has it on locally, as
// DescribeContinuousBackups reports; one without has it off.
func TestCreateTablesEnablesPointInTimeRecovery(t *testing.T) {
	endpoint := ddbtest.Endpoint(t)
	table := func(name string, pitr bool) *template.Table {
		return &template.Table{Name: name, KeySchema: []template.KeyElement{{AttributeName: "id", KeyType: "HASH"}},
			AttributeDefinitions: []template.AttributeDefinition{{AttributeName: "id", AttributeType: "S"}}, PointInTimeRecovery: pitr}
	}
	if err := runtime.CreateTables(context.Background(), endpoint, []*template.Table{table("with", true), table("without", false)}, io.Discard); err != nil {
		t.Fatal(err)
	}
	c := sdk.DynamoDB(endpoint)
	for name, want := range map[string]types.PointInTimeRecoveryStatus{"with": types.PointInTimeRecoveryStatusEnabled, "without": types.PointInTimeRecoveryStatusDisabled} {
		out, err := c.DescribeContinuousBackups(context.Background(), &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if got := out.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus; got != want {
			t.Errorf("%s: point-in-time recovery %s, want %s", name, got, want)
		}
	}
}

// With a state delay the template's tables are ACTIVE from the start, as a deployment leaves
// them, while a table the code creates is CREATING for the delay.
func TestStateDelaySparesTemplateTables(t *testing.T) {
	rt := start(t, runtime.Config{Functions: []string{"echo"}, DynamoDBStateDelay: time.Minute})
	c := sdk.DynamoDB(rt.EdgeURL())
	ctx := context.Background()
	status := func(name string) types.TableStatus {
		t.Helper()
		d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return d.Table.TableStatus
	}
	for _, tb := range rt.Model().Tables {
		if got := status(tb.Name); got != types.TableStatusActive {
			t.Errorf("template table %s is %s, want ACTIVE", tb.Name, got)
		}
	}
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("made-by-code"), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := status("made-by-code"); got != types.TableStatusCreating {
		t.Errorf("a table created by code is %s, want CREATING", got)
	}
}
