package edge_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/microshop/microshop/local/sdk"
)

// ddbCLI runs `aws dynamodb` against the endpoint with dummy credentials (CLI v1 reads
// AWS_DEFAULT_REGION) and returns its stdout, stderr and whether it succeeded.
func ddbCLI(t *testing.T, endpoint string, args ...string) (stdout, stderr string, ok bool) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "aws", append([]string{"dynamodb", "--endpoint-url", endpoint, "--output", "json"}, args...)...)
	cmd.Env = append(os.Environ(),
		"AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=x", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent", "AWS_PAGER=")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return out.String(), errOut.String(), err == nil
}

// TestDynamoDBThroughTheCLI: the AWS CLI signs and is served; with --no-sign-request it gets
// DynamoDB's MissingAuthenticationTokenException; DescribeLimits and CreateBackup work as a
// script would use them.
func TestDynamoDBThroughTheCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Fatal("the AWS CLI is not installed: these tests drive the edge as a user would, with `aws`")
	}
	base := ddbEdge(t)
	if _, errOut, ok := ddbCLI(t, base, "list-tables", "--no-sign-request"); ok || !strings.Contains(errOut, "MissingAuthenticationTokenException") {
		t.Errorf("unsigned list-tables: ok=%v, stderr %q; want MissingAuthenticationTokenException", ok, errOut)
	}
	out, errOut, ok := ddbCLI(t, base, "describe-limits")
	var limits struct{ TableMaxReadCapacityUnits int }
	if !ok || json.Unmarshal([]byte(out), &limits) != nil || limits.TableMaxReadCapacityUnits != 40000 {
		t.Fatalf("describe-limits: %q %q", out, errOut)
	}
	if _, err := sdk.DynamoDB(base).CreateTable(t.Context(), &dynamodb.CreateTableInput{
		TableName: aws.String("cli-t"), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
	}); err != nil {
		t.Fatal(err)
	}
	out, errOut, ok = ddbCLI(t, base, "create-backup", "--table-name", "cli-t", "--backup-name", "nightly")
	var created struct {
		BackupDetails struct{ BackupArn, BackupStatus string }
	}
	if !ok || json.Unmarshal([]byte(out), &created) != nil || created.BackupDetails.BackupStatus != "AVAILABLE" {
		t.Fatalf("create-backup: %q %q", out, errOut)
	}
	l, err := sdk.DynamoDB(base).ListBackups(t.Context(), &dynamodb.ListBackupsInput{TableName: aws.String("cli-t")})
	if err != nil || len(l.BackupSummaries) != 1 || aws.ToString(l.BackupSummaries[0].BackupArn) != created.BackupDetails.BackupArn {
		t.Fatalf("ListBackups after the CLI's create-backup = %+v, %v", l, err)
	}
}
