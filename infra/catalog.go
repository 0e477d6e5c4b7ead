package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// CatalogProps configures the catalog service.
type CatalogProps struct {
	// API receives the catalog's routes.
	API *HTTPAPI
	// AssetRoot holds the functions' <name>/bootstrap binaries.
	AssetRoot string
}

// Catalog is the catalog service: the products table and one function per HTTP route.
type Catalog struct {
	constructs.Construct
	Table awsdynamodb.Table
	// Functions by name (docs/contracts.md), e.g. "catalog-get-product".
	Functions map[string]*GoFunction
}

// catalogRoutes lists the catalog's routes; names and packages are fixed by docs/contracts.md.
// Reads are public; writes are for admins once auth lands (see HTTPAPI.AddRoute). grant gives
// each function the narrowest table access its store calls need (functions/catalog/internal/ddb):
// a change there that calls another DynamoDB action must change the grant too.
var catalogRoutes = []struct {
	id     string // construct ID, part of every logical ID of the route's resources
	name   string
	method awsapigatewayv2.HttpMethod
	path   string
	access Access
	grant  func(awsdynamodb.Table, *GoFunction)
}{
	{"ListProducts", "catalog-list-products", awsapigatewayv2.HttpMethod_GET, "/products", Public, readData},
	{"GetProduct", "catalog-get-product", awsapigatewayv2.HttpMethod_GET, "/products/{id}", Public, readData},
	// A conditional put (attribute_not_exists) makes create fail on an existing id.
	{"CreateProduct", "catalog-create-product", awsapigatewayv2.HttpMethod_POST, "/products", Admin,
		itemActions("dynamodb:PutItem")},
	// Replace reads the item (to keep createdAt and check the version), then puts it conditionally.
	{"ReplaceProduct", "catalog-replace-product", awsapigatewayv2.HttpMethod_PUT, "/products/{id}", Admin,
		itemActions("dynamodb:GetItem", "dynamodb:PutItem")},
	// A conditional delete (attribute_exists) tells a missing product apart without a read.
	{"DeleteProduct", "catalog-delete-product", awsapigatewayv2.HttpMethod_DELETE, "/products/{id}", Admin,
		itemActions("dynamodb:DeleteItem")},
}

// NewCatalog defines the catalog service.
func NewCatalog(scope constructs.Construct, id string, props *CatalogProps) *Catalog {
	c := constructs.NewConstruct(scope, jsii.String(id))

	table := awsdynamodb.NewTable(c, jsii.String("Table"), &awsdynamodb.TableProps{
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String("id"), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		// Products are business data: deleting the stack leaves the table behind.
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	// sortKey is createdAt#id, so a descending query lists newest first (docs/contracts.md).
	table.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:      jsii.String("byCategory"),
		PartitionKey:   &awsdynamodb.Attribute{Name: jsii.String("category"), Type: awsdynamodb.AttributeType_STRING},
		SortKey:        &awsdynamodb.Attribute{Name: jsii.String("sortKey"), Type: awsdynamodb.AttributeType_STRING},
		ProjectionType: awsdynamodb.ProjectionType_ALL,
	})
	// listKey is always "PRODUCT": one partition holding every product, newest first.
	table.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:      jsii.String("byNewest"),
		PartitionKey:   &awsdynamodb.Attribute{Name: jsii.String("listKey"), Type: awsdynamodb.AttributeType_STRING},
		SortKey:        &awsdynamodb.Attribute{Name: jsii.String("sortKey"), Type: awsdynamodb.AttributeType_STRING},
		ProjectionType: awsdynamodb.ProjectionType_ALL,
	})
	catalog := &Catalog{Construct: c, Table: table, Functions: make(map[string]*GoFunction)}
	for _, r := range catalogRoutes {
		fn := NewGoFunction(c, r.id, &GoFunctionProps{
			Name:        r.name,
			GoPackage:   "./functions/catalog/cmd/" + r.name,
			AssetRoot:   props.AssetRoot,
			Environment: map[string]string{"TABLE_NAME": *table.TableName()},
		})
		r.grant(table, fn)
		props.API.AddRoute(fn.Construct, "Route", Route{
			Method:  r.method,
			Path:    r.path,
			Handler: fn.Function,
			Access:  r.access,
		})
		catalog.Functions[r.name] = fn
	}
	return catalog
}

// readData lets fn read the table and its indexes. The grant covers every index
// (<table>/index/*), which cdk-nag flags as a wildcard.
func readData(table awsdynamodb.Table, fn *GoFunction) {
	table.Grants().ReadData(fn.Function)
	stack := awscdk.Stack_Of(table)
	logicalID := stack.Resolve(stack.GetLogicalId(table.Node().DefaultChild().(awscdk.CfnElement))).(string)
	cdknag.NagSuppressions_AddResourceSuppressions(fn.Role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Read-only grant on the catalog table's own indexes (byCategory, " +
			"byNewest), written <table>/index/*; the wildcard matches no other table."),
		AppliesTo: &[]any{"Resource::<" + logicalID + ".Arn>/index/*"},
	}}, jsii.Bool(true))
}

// itemActions returns a grant of the given item actions on the table itself, not its indexes.
func itemActions(actions ...string) func(awsdynamodb.Table, *GoFunction) {
	return func(table awsdynamodb.Table, fn *GoFunction) {
		fn.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings(actions...),
			Resources: jsii.Strings(*table.TableArn()),
		}))
	}
}
