package spec

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// CreateTableInput returns the CreateTable request for a table of this schema named name, on
// demand: what a service's tests and tools create, so the tables they use cannot drift from
// the template infra builds from the same Table. TTL is not part of CreateTable (it is
// UpdateTimeToLive); the local runtime enables it from the template.
func (t Table) CreateTableInput(name string) *dynamodb.CreateTableInput {
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		KeySchema:   keySchema(t.PartitionKey, t.SortKey),
	}
	defined := map[string]bool{}
	define := func(keys ...Key) {
		for _, k := range keys {
			if k.Name == "" || defined[k.Name] {
				continue
			}
			defined[k.Name] = true
			in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
				AttributeName: aws.String(k.Name), AttributeType: types.ScalarAttributeType(k.Type),
			})
		}
	}
	define(t.PartitionKey, t.SortKey)
	for _, ix := range t.Indexes {
		define(ix.PartitionKey, ix.SortKey)
		p := &types.Projection{ProjectionType: types.ProjectionType(ix.Projection)}
		if ix.Projection == ProjectInclude {
			p.NonKeyAttributes = ix.NonKeyAttributes
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName: aws.String(ix.Name), KeySchema: keySchema(ix.PartitionKey, ix.SortKey), Projection: p,
		})
	}
	if t.Stream != NoStream {
		in.StreamSpecification = &types.StreamSpecification{
			StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewType(t.Stream),
		}
	}
	return in
}

func keySchema(partition, sort Key) []types.KeySchemaElement {
	ks := []types.KeySchemaElement{{AttributeName: aws.String(partition.Name), KeyType: types.KeyTypeHash}}
	if sort.Name != "" {
		ks = append(ks, types.KeySchemaElement{AttributeName: aws.String(sort.Name), KeyType: types.KeyTypeRange})
	}
	return ks
}
