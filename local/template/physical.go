package template

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strings"
)

// This file gives resources their local physical identity: the name a resource gets, what
// Ref returns for it and the Fn::GetAtt attributes the local runtime can provide.

// StreamLabel is the fixed stream label of every local DynamoDB table stream, so a table's
// StreamArn is "<table ARN>/stream/" + StreamLabel. A local DynamoDB engine that reports
// stream ARNs must use the same label for event source mappings to match.
const StreamLabel = "1970-01-01T00:00:00.000"

// kind describes one resource type.
type kind struct {
	// nameProp is the property that sets the physical name. When it is unset (or nameProp is
	// empty) the name is defaultName's result, or the logical ID.
	nameProp    string
	defaultName func(r *resolver, id string) (string, error)
	// ref is what Ref returns; nil means the physical name.
	ref func(r *resolver, id, name string) string
	// attrs are the supported Fn::GetAtt attributes.
	attrs map[string]attrFunc
}

type attrFunc func(r *resolver, id, name string, at loc) (string, error)

// constAttr is an attribute computed from the resource's name alone.
func constAttr(f func(r *resolver, id, name string) string) attrFunc {
	return func(r *resolver, id, name string, _ loc) (string, error) { return f(r, id, name), nil }
}

// kinds is filled in init: its functions call the resolver, which reads kinds.
var kinds map[string]kind

func init() {
	kinds = map[string]kind{
		"AWS::Lambda::Function": {
			nameProp: "FunctionName",
			attrs: map[string]attrFunc{
				"Arn": constAttr(func(r *resolver, _, name string) string { return r.functionARN(name) }),
			},
		},
		"AWS::DynamoDB::Table":       tableKind,
		"AWS::DynamoDB::GlobalTable": tableKind,
		"AWS::ApiGatewayV2::Api": {
			ref: func(_ *resolver, id, _ string) string { return apiID(id) },
			attrs: map[string]attrFunc{
				"ApiId":       constAttr(func(_ *resolver, id, _ string) string { return apiID(id) }),
				"ApiEndpoint": constAttr(func(r *resolver, id, _ string) string { return r.apiEndpoint(apiID(id)) }),
			},
		},
		// Ref of a stage is its name (SAM's generated stages among them).
		"AWS::ApiGatewayV2::Stage": {ref: stageRef},
		"AWS::ApiGateway::Stage":   {ref: stageRef},
		"AWS::SQS::Queue": {
			nameProp:    "QueueName",
			defaultName: fifoName("FifoQueue"),
			ref:         func(r *resolver, _, name string) string { return r.queueURL(name) },
			attrs: map[string]attrFunc{
				"Arn":       constAttr(func(r *resolver, _, name string) string { return r.arn("sqs", name) }),
				"QueueName": constAttr(func(_ *resolver, _, name string) string { return name }),
				"QueueUrl":  constAttr(func(r *resolver, _, name string) string { return r.queueURL(name) }),
			},
		},
		"AWS::Events::EventBus": {
			nameProp: "Name",
			attrs: map[string]attrFunc{
				"Arn":  constAttr(func(r *resolver, _, name string) string { return r.arn("events", "event-bus/"+name) }),
				"Name": constAttr(func(_ *resolver, _, name string) string { return name }),
			},
		},
		"AWS::Events::Rule": {
			nameProp: "Name",
			attrs: map[string]attrFunc{
				"Arn": func(r *resolver, id, name string, _ loc) (string, error) {
					bus, err := r.propString(id, "EventBusName")
					if err != nil {
						return "", err
					}
					// EventBusName may be a name or an ARN; rules on a custom bus have ARNs
					// rule/<bus>/<name>.
					if i := strings.LastIndex(bus, "event-bus/"); i >= 0 {
						bus = bus[i+len("event-bus/"):]
					}
					if bus == "" || bus == "default" {
						return r.arn("events", "rule/"+name), nil
					}
					return r.arn("events", "rule/"+bus+"/"+name), nil
				},
			},
		},
		"AWS::Scheduler::Schedule": {
			nameProp: "Name",
			attrs: map[string]attrFunc{
				"Arn": func(r *resolver, id, name string, _ loc) (string, error) {
					group, err := r.propString(id, "GroupName")
					return r.schedulerARN(group, name), err
				},
			},
		},
		"AWS::IAM::Role": {
			nameProp: "RoleName",
			attrs: map[string]attrFunc{
				"Arn": func(r *resolver, id, name string, _ loc) (string, error) {
					path, err := r.propString(id, "Path")
					if err != nil {
						return "", err
					}
					if path == "" {
						path = "/"
					}
					return "arn:" + r.partition + ":iam::" + r.account + ":role" + path + name, nil
				},
			},
		},
		"AWS::Logs::LogGroup": {
			nameProp: "LogGroupName",
			attrs: map[string]attrFunc{
				"Arn": constAttr(func(r *resolver, _, name string) string { return r.arn("logs", "log-group:"+name+":*") }),
			},
		},
		"AWS::SNS::Topic": {
			nameProp:    "TopicName",
			defaultName: fifoName("FifoTopic"),
			ref:         func(r *resolver, _, name string) string { return r.arn("sns", name) },
			attrs: map[string]attrFunc{
				"TopicArn":  constAttr(func(r *resolver, _, name string) string { return r.arn("sns", name) }),
				"TopicName": constAttr(func(_ *resolver, _, name string) string { return name }),
			},
		},
		"AWS::S3::Bucket": {
			nameProp: "BucketName",
			// Bucket names are lower case.
			defaultName: func(_ *resolver, id string) (string, error) { return strings.ToLower(id), nil },
			attrs: map[string]attrFunc{
				"Arn":        constAttr(func(r *resolver, _, name string) string { return "arn:" + r.partition + ":s3:::" + name }),
				"DomainName": constAttr(func(r *resolver, _, name string) string { return name + ".s3." + r.urlSuffix }),
			},
		},
		"AWS::CloudFront::Distribution": distributionKind, // see site.go
		"AWS::Cognito::UserPool":        userPoolKind,     // see cognito.go
		"AWS::Cognito::UserPoolClient":  userPoolClientKind,
		"AWS::Cognito::UserPoolGroup":   userPoolGroupKind,
		"AWS::StepFunctions::StateMachine": {
			nameProp: "StateMachineName",
			ref:      func(r *resolver, _, name string) string { return r.arn("states", "stateMachine:"+name) },
			attrs: map[string]attrFunc{
				"Arn":  constAttr(func(r *resolver, _, name string) string { return r.arn("states", "stateMachine:"+name) }),
				"Name": constAttr(func(_ *resolver, _, name string) string { return name }),
			},
		},
	}
}

// stageRef is what Ref returns for an API Gateway stage: its StageName, else the logical ID.
func stageRef(r *resolver, id, name string) string {
	if s, err := r.propString(id, "StageName"); err == nil && s != "" {
		return s
	}
	return name
}

var tableKind = kind{
	nameProp: "TableName",
	attrs: map[string]attrFunc{
		"Arn": constAttr(func(r *resolver, _, name string) string { return r.tableARN(name) }),
		"StreamArn": func(r *resolver, id, name string, at loc) (string, error) {
			view, err := r.propString(id, "StreamSpecification", "StreamViewType")
			if err != nil {
				return "", err
			}
			if view == "" {
				return "", at.fail(ErrUnknownAttribute, "Fn::GetAtt %s.StreamArn: the table has no stream (no StreamSpecification)", id)
			}
			return r.tableARN(name) + "/stream/" + StreamLabel, nil
		},
	},
}

// fifoName is the default name of a queue or topic: the logical ID, with the ".fifo" suffix
// AWS requires when the boolean property prop (FifoQueue, FifoTopic) is true.
func fifoName(prop string) func(r *resolver, id string) (string, error) {
	return func(r *resolver, id string) (string, error) {
		fifo, err := r.propString(id, prop)
		if fifo == "true" {
			return id + ".fifo", err
		}
		return id, err
	}
}

// name is the resource's physical name (see kind), computed once.
func (r *resolver) name(id string) (string, error) {
	if n, ok := r.names[id]; ok {
		return n, nil
	}
	res := r.resources[id]
	k := kinds[res.Type]
	if r.nameBusy[id] {
		return "", loc{id, "Properties." + k.nameProp}.fail(ErrInvalid, "the name of %s depends on itself", id)
	}
	r.nameBusy[id] = true
	defer delete(r.nameBusy, id)

	var n string
	var err error
	if k.nameProp != "" {
		if n, err = r.propString(id, k.nameProp); err != nil {
			return "", err
		}
	}
	if n == "" && k.defaultName != nil {
		if n, err = k.defaultName(r, id); err != nil {
			return "", err
		}
	}
	if n == "" {
		n = id
	}
	r.names[id] = n
	return n, nil
}

// checkResource reports whether id names a resource that exists, with its condition true.
func (r *resolver) checkResource(id, what string, at loc) error {
	res, ok := r.resources[id]
	if !ok {
		return at.fail(ErrUnknownReference, "%s: no such resource", what)
	}
	if res.Condition == "" {
		return nil
	}
	on, err := r.condition(res.Condition, loc{id, "Condition"})
	if err != nil {
		return err
	}
	if !on {
		return at.fail(ErrUnknownReference, "%s: resource %s is not created (condition %s is false)", what, id, res.Condition)
	}
	return nil
}

// physicalRef is what Ref returns for resource id.
func (r *resolver) physicalRef(id string, at loc) (any, error) {
	if err := r.checkResource(id, "Ref "+id, at); err != nil {
		return nil, err
	}
	n, err := r.name(id)
	if err != nil {
		return nil, err
	}
	if k := kinds[r.resources[id].Type]; k.ref != nil {
		return k.ref(r, id, n), nil
	}
	return n, nil
}

// getAtt is Fn::GetAtt id.attr.
func (r *resolver) getAtt(id, attr string, at loc) (string, error) {
	what := "Fn::GetAtt " + id + "." + attr
	if err := r.checkResource(id, what, at); err != nil {
		return "", err
	}
	typ := r.resources[id].Type
	k := kinds[typ]
	f, ok := k.attrs[attr]
	if !ok {
		supported := "none"
		if len(k.attrs) > 0 {
			supported = strings.Join(slices.Sorted(maps.Keys(k.attrs)), ", ")
		}
		return "", at.fail(ErrUnknownAttribute, "%s: %s has no local attribute %s (supported: %s)", what, typ, attr, supported)
	}
	n, err := r.name(id)
	if err != nil {
		return "", err
	}
	return f(r, id, n, at)
}

// arn is a regional ARN in the model's account.
func (r *resolver) arn(service, resource string) string {
	return "arn:" + r.partition + ":" + service + ":" + r.region + ":" + r.account + ":" + resource
}

func (r *resolver) functionARN(name string) string { return r.arn("lambda", "function:"+name) }

func (r *resolver) tableARN(name string) string { return r.arn("dynamodb", "table/"+name) }

func (r *resolver) queueURL(name string) string {
	return r.queueBaseURL + "/" + r.account + "/" + name
}

func (r *resolver) cognitoProvider(poolID string) string {
	return "cognito-idp." + r.region + "." + r.urlSuffix + "/" + poolID
}

// apiID is an HTTP API's local ID: 10 lower-case alphanumerics derived from its logical ID,
// shaped like API Gateway's and stable across runs.
func apiID(logicalID string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	sum := sha256.Sum256([]byte(logicalID))
	id := make([]byte, 10)
	for i := range id {
		id[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	return string(id)
}

// stackID is the local AWS::StackId, with a UUID derived from the stack name.
func stackID(partition, region, account, stack string) string {
	sum := sha256.Sum256([]byte(stack))
	h := hex.EncodeToString(sum[:16])
	uuid := h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
	return "arn:" + partition + ":cloudformation:" + region + ":" + account + ":stack/" + stack + "/" + uuid
}
