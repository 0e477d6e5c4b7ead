package spec_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/microshop/microshop/shared/spec"
)

func TestCreateTableInput(t *testing.T) {
	table := spec.Table{
		PartitionKey: spec.Key{Name: "pk", Type: spec.String},
		SortKey:      spec.Key{Name: "at", Type: spec.Number},
		Indexes: []spec.Index{
			{Name: "byOwner", PartitionKey: spec.Key{Name: "owner", Type: spec.String}, SortKey: spec.Key{Name: "at", Type: spec.Number},
				Projection: spec.ProjectInclude, NonKeyAttributes: []string{"status"}},
			{Name: "byTag", PartitionKey: spec.Key{Name: "tag", Type: spec.Binary}, Projection: spec.ProjectKeysOnly},
		},
		TTLAttribute: spec.TTLAttribute,
		Stream:       spec.StreamNewImage,
	}
	attr := func(name string, typ types.ScalarAttributeType) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: typ}
	}
	key := func(name string, typ types.KeyType) types.KeySchemaElement {
		return types.KeySchemaElement{AttributeName: aws.String(name), KeyType: typ}
	}
	want := &dynamodb.CreateTableInput{
		TableName:   aws.String("things"),
		BillingMode: types.BillingModePayPerRequest,
		KeySchema:   []types.KeySchemaElement{key("pk", types.KeyTypeHash), key("at", types.KeyTypeRange)},
		// Each attribute once, though "at" keys the table and an index.
		AttributeDefinitions: []types.AttributeDefinition{
			attr("pk", types.ScalarAttributeTypeS), attr("at", types.ScalarAttributeTypeN),
			attr("owner", types.ScalarAttributeTypeS), attr("tag", types.ScalarAttributeTypeB),
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			{IndexName: aws.String("byOwner"), KeySchema: []types.KeySchemaElement{key("owner", types.KeyTypeHash), key("at", types.KeyTypeRange)},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{"status"}}},
			{IndexName: aws.String("byTag"), KeySchema: []types.KeySchemaElement{key("tag", types.KeyTypeHash)},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}},
		},
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage},
	}
	got := table.CreateTableInput("things")
	if diff := cmp.Diff(want, got, cmpopts.IgnoreUnexported(dynamodb.CreateTableInput{}, types.AttributeDefinition{},
		types.KeySchemaElement{}, types.GlobalSecondaryIndex{}, types.Projection{}, types.StreamSpecification{})); diff != "" {
		t.Errorf("CreateTableInput (-want +got):\n%s", diff)
	}
	if got := (spec.Table{PartitionKey: spec.Key{Name: "id", Type: spec.String}}).CreateTableInput("t"); got.StreamSpecification != nil || got.GlobalSecondaryIndexes != nil {
		t.Errorf("a table without stream or indexes got %+v, %+v", got.StreamSpecification, got.GlobalSecondaryIndexes)
	}
}
