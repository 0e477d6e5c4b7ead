package sam

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// functionProps are the AWS::Serverless::Function properties copied as they are onto the
// AWS::Lambda::Function.
var functionProps = []string{
	"Architectures", "Description", "Environment", "EphemeralStorage", "FunctionName", "Handler",
	"KmsKeyArn", "Layers", "LoggingConfig", "MemorySize", "RecursiveLoop", "ReservedConcurrentExecutions",
	"Runtime", "Timeout", "VpcConfig", "FileSystemConfigs", "ImageConfig", "PackageType", "SnapStart",
	"CodeSigningConfigArn", "RuntimeManagementConfig",
}

// acceptedFunctionProps are read (or have no local meaning) but are not copied as they are.
var acceptedFunctionProps = []string{
	"CodeUri", "InlineCode", "ImageUri", "Events", "Policies", "Role", "Tags", "Tracing", "DeadLetterQueue",
	"PermissionsBoundary", "RolePath", "AssumeRolePolicyDocument", "PropagateTags",
}

func (x *expander) function(id string, res map[string]any) error {
	what := "resource " + id
	props, err := x.properties(id, res, "Function", append(slices.Clone(functionProps), acceptedFunctionProps...)...)
	if err != nil {
		return err
	}

	fn := map[string]any{}
	copyProps(fn, props, functionProps...)
	codeURI, hasCode := props["CodeUri"]
	switch {
	case hasCode:
		code, err := x.code(id, codeURI)
		if err != nil {
			return err
		}
		fn["Code"] = code
	case props["InlineCode"] != nil:
		fn["Code"] = map[string]any{"ZipFile": props["InlineCode"]}
	case props["ImageUri"] != nil:
		x.warnf("%s: container image functions (ImageUri) do not run locally", what)
	default:
		return fmt.Errorf("%w: %s: a function needs CodeUri or InlineCode", ErrInvalid, what)
	}
	if t := str(props["Tracing"]); t != "" {
		fn["TracingConfig"] = map[string]any{"Mode": t}
	}
	if dlq, ok := props["DeadLetterQueue"].(map[string]any); ok {
		fn["DeadLetterConfig"] = map[string]any{"TargetArn": dlq["TargetArn"]}
	}
	fn["Tags"] = samTags(props["Tags"])
	if role, ok := props["Role"]; ok {
		fn["Role"] = role
	} else {
		fn["Role"] = getAtt(id+"Role", "Arn")
		if err := x.role(id, props, res); err != nil {
			return err
		}
	}
	if err := x.add(id, "AWS::Lambda::Function", fn, res); err != nil {
		return err
	}
	out := x.out[id].(map[string]any)
	if d, ok := res["DependsOn"]; ok {
		out["DependsOn"] = d
	}
	x.metadata(out, res, props)

	events, err := object(what, props, "Events")
	if err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(events)) {
		ev, ok := events[name].(map[string]any)
		if !ok {
			return fmt.Errorf("%w: %s: event %s must be an object", ErrInvalid, what, name)
		}
		if err := x.event(id, name, ev, res); err != nil {
			return err
		}
	}
	return nil
}

// code is the function's Code: the CodeUri as written, as the key of the LocalBucket.
// An s3:// URI or a {Bucket, Key} object is what `sam package` leaves: there is no local
// source for it.
func (x *expander) code(id string, uri any) (map[string]any, error) {
	switch u := uri.(type) {
	case string:
		if rest, ok := strings.CutPrefix(u, "s3://"); ok {
			bucket, key, _ := strings.Cut(rest, "/")
			x.warnf("resource %s: CodeUri %s is in S3: there is no local source to build", id, u)
			return map[string]any{"S3Bucket": bucket, "S3Key": key}, nil
		}
		return map[string]any{"S3Bucket": LocalBucket, "S3Key": u}, nil
	case map[string]any:
		x.warnf("resource %s: CodeUri in S3 (Bucket/Key): there is no local source to build", id)
		code := map[string]any{"S3Bucket": u["Bucket"], "S3Key": u["Key"]}
		if v, ok := u["Version"]; ok {
			code["S3ObjectVersion"] = v
		}
		return code, nil
	}
	return nil, fmt.Errorf("%w: resource %s: CodeUri must be a path or {Bucket, Key}", ErrInvalid, id)
}

// metadata keeps the SAM function's Metadata (BuildMethod, ...) on the generated function
// and adds LocalRuntime.CodeUri, and LocalRuntime.GoPackage when the code is a package of
// the template's own Go module.
func (x *expander) metadata(out, res, props map[string]any) {
	md := map[string]any{}
	if m, ok := res["Metadata"].(map[string]any); ok {
		maps.Copy(md, m)
	}
	codeURI, ok := props["CodeUri"].(string)
	if !ok || strings.HasPrefix(codeURI, "s3://") {
		if len(md) > 0 {
			out["Metadata"] = md
		}
		return
	}
	lr := map[string]any{}
	if m, ok := md["LocalRuntime"].(map[string]any); ok {
		maps.Copy(lr, m)
	}
	lr["CodeUri"] = codeURI
	if _, set := lr["GoPackage"]; !set && x.opts.Dir != "" {
		if pkg := goPackage(x.opts.Dir, codeURI); pkg != "" {
			lr["GoPackage"] = pkg
		}
	}
	md["LocalRuntime"] = lr
	out["Metadata"] = md
}

// goPackage is the module-relative package path ("./path") of the folder codeURI (relative
// to dir) when it holds Go files and lies inside the Go module around dir without a go.mod
// of its own; "" otherwise.
func goPackage(dir, codeURI string) string {
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	code := filepath.Clean(filepath.Join(absDir, codeURI))
	if goFiles, _ := filepath.Glob(filepath.Join(code, "*.go")); len(goFiles) == 0 {
		return ""
	}
	root := absDir
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			return ""
		}
		root = parent
	}
	rel, err := filepath.Rel(root, code)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return ""
	}
	// A go.mod between the code and the root makes the code its own module.
	for d := code; d != root; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return ""
		}
	}
	return "./" + filepath.ToSlash(rel)
}

// role is the function's implicit execution role, <Function>Role. Its permissions (Policies,
// and those the events add) are not expanded: IAM is not enforced locally.
func (x *expander) role(id string, props, res map[string]any) error {
	assume := props["AssumeRolePolicyDocument"]
	if assume == nil {
		assume = map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{map[string]any{
				"Action":    []any{"sts:AssumeRole"},
				"Effect":    "Allow",
				"Principal": map[string]any{"Service": []any{"lambda.amazonaws.com"}},
			}},
		}
	}
	role := map[string]any{
		"AssumeRolePolicyDocument": assume,
		"Tags":                     samTags(props["Tags"]),
	}
	copyProps(role, props, "PermissionsBoundary")
	if p, ok := props["RolePath"]; ok {
		role["Path"] = p
	}
	return x.add(id+"Role", "AWS::IAM::Role", role, res)
}

// httpEvent is an HttpApi or Api event waiting for its API to be built.
type httpEvent struct {
	function, event string
	path, method    string
	props           map[string]any
	res             map[string]any
}

// Implicit API logical IDs.
const (
	implicitHTTPAPI = "ServerlessHttpApi"
	implicitRestAPI = "ServerlessRestApi"
)

func (x *expander) event(fnID, name string, ev, res map[string]any) error {
	what := fmt.Sprintf("resource %s: event %s", fnID, name)
	typ := str(ev["Type"])
	props, err := object(what, ev, "Properties")
	if err != nil {
		return err
	}
	if props == nil {
		props = map[string]any{}
	}
	id := fnID + name
	required := map[string][]string{
		"SQS": {"Queue"}, "DynamoDB": {"Stream", "StartingPosition"}, "EventBridgeRule": {"Pattern"},
		"CloudWatchEvent": {"Pattern"}, "Schedule": {"Schedule"}, "ScheduleV2": {"ScheduleExpression"},
	}
	for _, k := range required[typ] {
		if props[k] == nil {
			return fmt.Errorf("%w: %s: a %s event needs %s", ErrInvalid, what, typ, k)
		}
	}
	if _, conditional := res["Condition"]; conditional && (typ == "HttpApi" || typ == "Api") {
		x.warnf("%s: the function has a Condition; locally its route on the API is there whatever the condition", what)
	}
	switch typ {
	case "HttpApi":
		return x.httpAPIEvent(fnID, name, what, props, res)
	case "Api":
		return x.restAPIEvent(fnID, name, what, props, res)
	case "SQS":
		x.unknownProps(what, props, "Queue", "BatchSize", "Enabled", "FilterCriteria", "FunctionResponseTypes",
			"MaximumBatchingWindowInSeconds", "ScalingConfig", "KmsKeyArn", "MetricsConfig")
		esm := map[string]any{"EventSourceArn": props["Queue"], "FunctionName": ref(fnID)}
		copyProps(esm, props, "BatchSize", "Enabled", "FilterCriteria", "FunctionResponseTypes",
			"MaximumBatchingWindowInSeconds", "ScalingConfig", "KmsKeyArn", "MetricsConfig")
		return x.add(id, "AWS::Lambda::EventSourceMapping", esm, res)
	case "DynamoDB":
		x.unknownProps(what, props, "Stream", "StartingPosition", "BatchSize", "BisectBatchOnFunctionError",
			"DestinationConfig", "Enabled", "FilterCriteria", "FunctionResponseTypes", "MaximumBatchingWindowInSeconds",
			"MaximumRecordAgeInSeconds", "MaximumRetryAttempts", "ParallelizationFactor", "TumblingWindowInSeconds",
			"StartingPositionTimestamp", "KmsKeyArn", "MetricsConfig")
		esm := map[string]any{"EventSourceArn": props["Stream"], "FunctionName": ref(fnID)}
		copyProps(esm, props, "StartingPosition", "BatchSize", "BisectBatchOnFunctionError", "Enabled",
			"FilterCriteria", "FunctionResponseTypes", "MaximumBatchingWindowInSeconds", "MaximumRecordAgeInSeconds",
			"MaximumRetryAttempts", "ParallelizationFactor", "TumblingWindowInSeconds", "StartingPositionTimestamp",
			"KmsKeyArn", "MetricsConfig")
		if dc, ok := props["DestinationConfig"].(map[string]any); ok {
			if of, ok := dc["OnFailure"].(map[string]any); ok {
				esm["DestinationConfig"] = map[string]any{"OnFailure": map[string]any{"Destination": of["Destination"]}}
			}
		}
		return x.add(id, "AWS::Lambda::EventSourceMapping", esm, res)
	case "EventBridgeRule", "CloudWatchEvent":
		x.unknownProps(what, props, "Pattern", "EventBusName", "Input", "InputPath", "InputTransformer",
			"RuleName", "State", "Target", "RetryPolicy", "DeadLetterConfig")
		rule := map[string]any{"EventPattern": props["Pattern"]}
		copyProps(rule, props, "EventBusName", "State")
		if n, ok := props["RuleName"]; ok {
			rule["Name"] = n
		}
		rule["Targets"] = []any{x.ruleTarget(fnID, id, props)}
		if err := x.add(id, "AWS::Events::Rule", rule, res); err != nil {
			return err
		}
		return x.eventsPermission(fnID, id, res)
	case "Schedule":
		x.unknownProps(what, props, "Schedule", "Name", "Description", "Enabled", "State", "Input",
			"RetryPolicy", "DeadLetterConfig")
		rule := map[string]any{"ScheduleExpression": props["Schedule"]}
		copyProps(rule, props, "Name", "Description", "State")
		if e, ok := props["Enabled"].(bool); ok && props["State"] == nil {
			rule["State"] = map[bool]string{true: "ENABLED", false: "DISABLED"}[e]
		}
		rule["Targets"] = []any{x.ruleTarget(fnID, id, props)}
		if err := x.add(id, "AWS::Events::Rule", rule, res); err != nil {
			return err
		}
		return x.eventsPermission(fnID, id, res)
	case "ScheduleV2":
		return x.scheduleV2(fnID, id, what, props, res)
	default:
		x.warnf("%s: event type %s is not expanded by the local SAM transform; the function will not receive these events", what, typ)
		return nil
	}
}

// ruleTarget is the Lambda target of an EventBridge rule made for a Schedule or
// EventBridgeRule event.
func (x *expander) ruleTarget(fnID, ruleID string, props map[string]any) map[string]any {
	t := map[string]any{"Arn": getAtt(fnID, "Arn"), "Id": ruleID + "LambdaTarget"}
	if tp, ok := props["Target"].(map[string]any); ok {
		if v, ok := tp["Id"]; ok {
			t["Id"] = v
		}
	}
	copyProps(t, props, "Input", "InputPath", "InputTransformer", "RetryPolicy")
	if dl, ok := props["DeadLetterConfig"].(map[string]any); ok {
		if arn, ok := dl["Arn"]; ok {
			t["DeadLetterConfig"] = map[string]any{"Arn": arn}
		} else {
			x.warnf("resource %s: DeadLetterConfig without Arn (a generated queue) is not expanded locally", ruleID)
		}
	}
	return t
}

// eventsPermission lets EventBridge invoke the function: <Function><Event>Permission.
func (x *expander) eventsPermission(fnID, ruleID string, res map[string]any) error {
	return x.add(ruleID+"Permission", "AWS::Lambda::Permission", map[string]any{
		"Action":       "lambda:InvokeFunction",
		"FunctionName": ref(fnID),
		"Principal":    "events.amazonaws.com",
		"SourceArn":    getAtt(ruleID, "Arn"),
	}, res)
}

// scheduleV2 is an EventBridge Scheduler schedule with the role it invokes the function as.
func (x *expander) scheduleV2(fnID, id, what string, props, res map[string]any) error {
	x.unknownProps(what, props, "ScheduleExpression", "ScheduleExpressionTimezone", "Name", "Description",
		"State", "StartDate", "EndDate", "GroupName", "Input", "FlexibleTimeWindow", "KmsKeyArn", "RetryPolicy",
		"DeadLetterConfig", "RoleArn", "OmitName", "PermissionsBoundary")
	s := map[string]any{"ScheduleExpression": props["ScheduleExpression"], "FlexibleTimeWindow": map[string]any{"Mode": "OFF"}}
	copyProps(s, props, "ScheduleExpressionTimezone", "Description", "State", "StartDate", "EndDate",
		"GroupName", "FlexibleTimeWindow", "KmsKeyArn")
	if omit, _ := props["OmitName"].(bool); !omit {
		s["Name"] = id
		copyProps(s, props, "Name")
	}
	target := map[string]any{"Arn": getAtt(fnID, "Arn")}
	copyProps(target, props, "Input", "RetryPolicy")
	if dl, ok := props["DeadLetterConfig"].(map[string]any); ok {
		if arn, ok := dl["Arn"]; ok {
			target["DeadLetterConfig"] = map[string]any{"Arn": arn}
		} else {
			x.warnf("%s: DeadLetterConfig without Arn (a generated queue) is not expanded locally", what)
		}
	}
	if r, ok := props["RoleArn"]; ok {
		target["RoleArn"] = r
	} else {
		target["RoleArn"] = getAtt(id+"Role", "Arn")
		role := map[string]any{
			"AssumeRolePolicyDocument": map[string]any{
				"Version": "2012-10-17",
				"Statement": []any{map[string]any{
					"Action":    []any{"sts:AssumeRole"},
					"Effect":    "Allow",
					"Principal": map[string]any{"Service": []any{"scheduler.amazonaws.com"}},
				}},
			},
			"Policies": []any{map[string]any{
				"PolicyName": id + "LambdaPolicy",
				"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
					"Action":   "lambda:InvokeFunction",
					"Effect":   "Allow",
					"Resource": getAtt(fnID, "Arn"),
				}}},
			}},
		}
		copyProps(role, props, "PermissionsBoundary")
		if err := x.add(id+"Role", "AWS::IAM::Role", role, res); err != nil {
			return err
		}
	}
	s["Target"] = target
	return x.add(id, "AWS::Scheduler::Schedule", s, res)
}
