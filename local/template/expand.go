package template

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/microshop/microshop/local/template/cfnyaml"
	"github.com/microshop/microshop/local/template/sam"
)

// This file turns a template as written (JSON or YAML, SAM or plain CloudFormation) into the
// plain JSON CloudFormation the resolver reads, and lists what the local runtime leaves out.

// expand decodes data (JSON or YAML) and applies the SAM transform when the template asks for
// it; it returns the result as JSON with the transform's warnings. dir is the template's
// folder.
func expand(data []byte, dir string) ([]byte, []string, error) {
	tree, err := cfnyaml.Decode(data)
	if err != nil {
		return nil, nil, &Error{Err: fmt.Errorf("%w: %v", ErrInvalid, err)}
	}
	doc, ok := tree.(map[string]any)
	if !ok {
		return nil, nil, &Error{Err: fmt.Errorf("%w: the template is not an object", ErrInvalid)}
	}
	var warnings []string
	if sam.Applies(doc) {
		if warnings, err = sam.Transform(doc, sam.Options{Dir: dir}); err != nil {
			return nil, nil, &Error{Path: "Transform", Err: fmt.Errorf("%w: %v", ErrInvalid, err)}
		}
	}
	for _, t := range transforms(doc["Transform"]) {
		warnings = append(warnings, fmt.Sprintf("Transform %s is not applied locally; the template is read as written", t))
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return nil, nil, &Error{Err: fmt.Errorf("%w: %v", ErrInvalid, err)}
	}
	return out, warnings, nil
}

// transforms lists the names in a Transform section (a string, a list of strings or of
// {"Name": ...} macros).
func transforms(v any) []string {
	var out []string
	switch t := v.(type) {
	case string:
		out = append(out, t)
	case []any:
		for _, e := range t {
			switch e := e.(type) {
			case string:
				out = append(out, e)
			case map[string]any:
				if n, ok := e["Name"].(string); ok {
					out = append(out, n)
				}
			}
		}
	}
	return out
}

// emulated are the resource types the local runtime serves or reads (see build.go and the
// runtime); inert are those with nothing to run locally (permissions, IAM, encryption keys,
// dashboards, ...), accepted without a warning. Every other type gets one warning.
var (
	emulated = []string{
		"AWS::Lambda::Function", "AWS::Lambda::EventSourceMapping", "AWS::Lambda::EventInvokeConfig",
		"AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Integration",
		"AWS::ApiGatewayV2::Authorizer", "AWS::ApiGatewayV2::Stage",
		"AWS::ApiGateway::RestApi", "AWS::ApiGateway::Resource", "AWS::ApiGateway::Method",
		"AWS::ApiGateway::Deployment", "AWS::ApiGateway::Stage", "AWS::ApiGateway::Authorizer",
		"AWS::ApiGateway::ApiKey", "AWS::ApiGateway::UsagePlan", "AWS::ApiGateway::UsagePlanKey",
		"AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable", "AWS::SQS::Queue",
		"AWS::Events::EventBus", "AWS::Events::Rule", "AWS::Scheduler::Schedule", "AWS::Logs::LogGroup",
		"AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolGroup",
		"AWS::S3::Bucket", "AWS::CloudFront::Distribution", "AWS::CloudFront::ResponseHeadersPolicy",
		"AWS::CloudFront::Function", "AWS::CloudFront::OriginAccessControl", "Custom::CDKBucketDeployment",
	}
	inert = []string{
		"AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::Lambda::Permission",
		"AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy", "AWS::S3::BucketPolicy", "AWS::KMS::Key",
		"AWS::KMS::Alias", "AWS::CloudWatch::Dashboard", "AWS::CDK::Metadata",
	}
)

// typeWarnings lists, once per type, the template's resource types the local runtime
// neither emulates nor can safely ignore.
func (m *Model) typeWarnings() []string {
	byType := map[string][]string{}
	for id, res := range m.Resources {
		if slices.Contains(emulated, res.Type) || slices.Contains(inert, res.Type) {
			continue
		}
		byType[res.Type] = append(byType[res.Type], id)
	}
	var out []string
	for _, typ := range slices.Sorted(maps.Keys(byType)) {
		ids := byType[typ]
		slices.Sort(ids)
		if len(ids) > 3 {
			ids = append(ids[:3], fmt.Sprintf("and %d more", len(ids)-3))
		}
		out = append(out, fmt.Sprintf("%s is not emulated locally: %s", typ, strings.Join(ids, ", ")))
	}
	// An HTTP API defined by an OpenAPI document has its routes there, not as Route
	// resources; until they are read from it, say so rather than serve an empty API.
	for _, api := range m.APIs {
		props := m.Resources[api.LogicalID].Properties
		_, body := props["Body"]
		_, s3 := props["BodyS3Location"]
		if len(api.Routes) == 0 && (body || s3) {
			out = append(out, fmt.Sprintf("AWS::ApiGatewayV2::Api %s: the routes of its OpenAPI Body are not served locally", api.LogicalID))
		}
	}
	return out
}
