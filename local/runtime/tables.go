package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/microshop/microshop/local/sdk"
	"github.com/microshop/microshop/local/template"
)

// CreateTables creates the template's tables on a DynamoDB-compatible endpoint, through the
// public API so any engine works. Tables that already exist (an external endpoint reused
// across runs) are left as they are.
func CreateTables(ctx context.Context, endpoint string, tables []*template.Table, logw io.Writer) error {
	client := sdk.DynamoDB(endpoint)
	for _, t := range tables {
		_, err := client.CreateTable(ctx, CreateTableInput(t))
		var inUse *types.ResourceInUseException
		if errors.As(err, &inUse) {
			continue
		}
		if err != nil {
			return fmt.Errorf("create table %s: %w", t.Name, err)
		}
		if t.TTLAttribute != "" {
			_, err := client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
				TableName: aws.String(t.Name),
				TimeToLiveSpecification: &types.TimeToLiveSpecification{
					AttributeName: aws.String(t.TTLAttribute), Enabled: aws.Bool(true),
				},
			})
			if err != nil {
				// dynalite has no TTL API; the table still works, items just do not expire.
				fmt.Fprintf(logw, "table %s: TTL on %q not enabled: %v\n", t.Name, t.TTLAttribute, err)
			}
		}
		if t.PointInTimeRecovery {
			_, err := client.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{
				TableName:                        aws.String(t.Name),
				PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)},
			})
			if err != nil {
				// dynalite has no backup API; only DescribeContinuousBackups is affected.
				fmt.Fprintf(logw, "table %s: point-in-time recovery not enabled: %v\n", t.Name, err)
			}
		}
	}
	return nil
}

// CreateTableInput maps a template table to the CreateTable request. Locally every table is
// on-demand: throughput settings have no meaning on a laptop.
func CreateTableInput(t *template.Table) *dynamodb.CreateTableInput {
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(t.Name),
		BillingMode: types.BillingModePayPerRequest,
		KeySchema:   keySchema(t.KeySchema),
	}
	for _, a := range t.AttributeDefinitions {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(a.AttributeName),
			AttributeType: types.ScalarAttributeType(a.AttributeType),
		})
	}
	for _, ix := range t.GlobalSecondaryIndexes {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName: aws.String(ix.IndexName), KeySchema: keySchema(ix.KeySchema), Projection: projection(ix),
		})
	}
	for _, ix := range t.LocalSecondaryIndexes {
		in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, types.LocalSecondaryIndex{
			IndexName: aws.String(ix.IndexName), KeySchema: keySchema(ix.KeySchema), Projection: projection(ix),
		})
	}
	if t.StreamViewType != "" {
		in.StreamSpecification = &types.StreamSpecification{
			StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewType(t.StreamViewType),
		}
	}
	return in
}

func keySchema(ks []template.KeyElement) []types.KeySchemaElement {
	out := make([]types.KeySchemaElement, 0, len(ks))
	for _, k := range ks {
		out = append(out, types.KeySchemaElement{AttributeName: aws.String(k.AttributeName), KeyType: types.KeyType(k.KeyType)})
	}
	return out
}

func projection(ix template.Index) *types.Projection {
	p := &types.Projection{ProjectionType: types.ProjectionType(ix.ProjectionType)}
	if p.ProjectionType == "" {
		p.ProjectionType = types.ProjectionTypeAll
	}
	if len(ix.NonKeyAttributes) > 0 {
		p.NonKeyAttributes = ix.NonKeyAttributes
	}
	return p
}
