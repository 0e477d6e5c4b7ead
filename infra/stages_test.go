package infra_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/infra"
	"github.com/microshop/microshop/shared/spec"
)

// retentionDays are the log retentions the stages use, in CloudFormation's days.
var retentionDays = map[awslogs.RetentionDays]float64{
	awslogs.RetentionDays_ONE_WEEK: 7, awslogs.RetentionDays_THREE_MONTHS: 90,
}

// alarmEmail is the prod stack's alarm subscription in these tests.
const alarmEmail = "oncall@example.com"

// prodStack is the shop's stack of the prod stage, Microshop-prod, as `cdk synth -c stage=prod`
// builds it with the currency, redirect URLs and alarm email from the context. It is the one
// prod synthesis of this test binary (each costs seconds).
var prodStack synthesis

func synthProdStack(t *testing.T) (awscdk.Stack, assertions.Template, template) {
	t.Helper()
	return prodStack.get(t, map[string]any{
		infra.ContextStage:        infra.ProdStage,
		infra.ContextCurrency:     "EUR",
		infra.ContextCallbackURLs: "https://shop.example/callback,https://admin.shop.example/callback",
		infra.ContextLogoutURLs:   []any{"https://shop.example/"},
		infra.ContextAlarmEmail:   alarmEmail,
	}, func(app awscdk.App) awscdk.Stack {
		return infra.NewMicroshopStack(app, infra.StackNameFor(infra.ProdStage), &infra.MicroshopStackProps{AssetRoot: assetRoot, SiteDir: siteDir})
	})
}

// stageCase is one stage's synthesized stack and settings.
type stageCase struct {
	name     string
	stack    awscdk.Stack
	tmpl     assertions.Template
	doc      template
	settings infra.StageSettings
}

// stages returns the dev and the prod stacks.
func stages(t *testing.T) []stageCase {
	t.Helper()
	var out []stageCase
	for _, name := range []string{infra.DevStage, infra.ProdStage} {
		c := stageCase{name: name}
		if name == infra.DevStage {
			c.stack, c.tmpl, c.doc = synth(t)
		} else {
			c.stack, c.tmpl, c.doc = synthProdStack(t)
		}
		var err error
		if c.settings, err = infra.StageSettingsFor(name); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

func TestStackNames(t *testing.T) {
	for stage, want := range map[string]string{"": "Microshop", "dev": "Microshop", "prod": "Microshop-prod", "staging": "Microshop-staging"} {
		if got := infra.StackNameFor(stage); got != want {
			t.Errorf("StackNameFor(%q) = %q, want %q", stage, got, want)
		}
	}
	if stack, _, _ := synthProdStack(t); *stack.StackName() != "Microshop-prod" {
		t.Errorf("prod stack name %q", *stack.StackName())
	}
	for _, bad := range []string{"Prod", "1st", "my-stage", "averyveryverylongstage", "prod_2"} {
		if _, err := infra.StageSettingsFor(bad); err == nil {
			t.Errorf("StageSettingsFor(%q) accepted an invalid stage", bad)
		}
	}
	// A stage other than dev is built like prod.
	staging, err := infra.StageSettingsFor("staging")
	if err != nil || !staging.Production || staging.PhysicalName("x") != "x-staging" {
		t.Errorf("staging: %+v, %v", staging, err)
	}
}

// Named resources carry the stage (dev keeps the local runtime's names), so dev and prod can
// share an account and region; the template names no account or region.
func TestPhysicalNamesDifferBetweenStages(t *testing.T) {
	names := map[string][]string{}
	for _, s := range stages(t) {
		for id, r := range s.doc.Resources {
			for _, prop := range []string{"FunctionName", "Name", "AlarmName", "DashboardName", "TableName", "QueueName", "TopicName", "UserPoolName", "RoleName", "LogGroupName"} {
				if v, ok := r.Properties[prop].(string); ok {
					if r.Type == "AWS::Cognito::UserPoolGroup" || r.Type == "AWS::ApiGatewayV2::Authorizer" {
						continue // names inside the stage's own pool or API
					}
					names[s.name] = append(names[s.name], v)
					if s.name == infra.ProdStage && !strings.Contains(v, "prod") {
						t.Errorf("prod %s %s: %s %q does not name the stage", r.Type, id, prop, v)
					}
				}
			}
		}
		raw, err := json.Marshal(s.doc)
		if err != nil {
			t.Fatal(err)
		}
		if m := regexp.MustCompile(`\b\d{12}\b|\b(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d\b`).Find(raw); m != nil {
			t.Errorf("%s template has a hard-coded account or region %q", s.name, m)
		}
	}
	for _, n := range names[infra.DevStage] {
		if slices.Contains(names[infra.ProdStage], n) {
			t.Errorf("dev and prod both name a resource %q", n)
		}
	}
	if len(names[infra.ProdStage]) < 40 {
		t.Errorf("found only %d named resources in prod; the walk is broken", len(names[infra.ProdStage]))
	}
}

// Every table of every stage: on demand, PITR, the spec's TTL and stream; kept and protected
// in prod, removed with a dev stack.
func TestTablesPerStage(t *testing.T) {
	for _, s := range stages(t) {
		wantPolicy, wantProtection := "Delete", false
		if s.name == infra.ProdStage {
			wantPolicy, wantProtection = "Retain", true
		}
		for _, def := range infra.Services() {
			t.Run(s.name+"/"+def.ID, func(t *testing.T) {
				tb := def.Spec.Table
				props := map[string]any{
					"BillingMode":                      "PAY_PER_REQUEST",
					"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
					"DeletionProtectionEnabled":        wantProtection,
					"TimeToLiveSpecification":          assertions.Match_Absent(),
					"StreamSpecification":              assertions.Match_Absent(),
				}
				if tb.TTLAttribute != "" {
					props["TimeToLiveSpecification"] = map[string]any{"AttributeName": tb.TTLAttribute, "Enabled": true}
				}
				if tb.Stream != spec.NoStream {
					props["StreamSpecification"] = map[string]any{"StreamViewType": string(tb.Stream)}
				}
				id := s.doc.table(t, def.ID)
				got := s.doc.Resources[id]
				raw, _ := json.Marshal(s.tmpl.ToJSON())
				var full struct {
					Resources map[string]struct{ DeletionPolicy, UpdateReplacePolicy string }
				}
				if err := json.Unmarshal(raw, &full); err != nil {
					t.Fatal(err)
				}
				if p := full.Resources[id]; p.DeletionPolicy != wantPolicy || p.UpdateReplacePolicy != wantPolicy {
					t.Errorf("%s: DeletionPolicy %q UpdateReplacePolicy %q, want %q", id, p.DeletionPolicy, p.UpdateReplacePolicy, wantPolicy)
				}
				check(t, "properties", func() {
					assertions.Template_FromJSON(&map[string]any{"Resources": map[string]any{id: map[string]any{
						"Type": got.Type, "Properties": got.Properties,
					}}}, nil).HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), props)
				})
			})
		}
	}
}

// Every function of every stage: provided.al2023 on arm64, traced, the stage in STAGE, its
// stage's name, its own role and log group with the stage's retention; consumers' concurrency.
func TestFunctionsPerStage(t *testing.T) {
	for _, s := range stages(t) {
		roles := map[string]string{}
		for _, def := range infra.Services() {
			consumers := map[string]bool{}
			for _, c := range def.Spec.Consumers {
				consumers[c.Function] = true
			}
			for _, name := range def.Spec.Functions() {
				t.Run(s.name+"/"+name, func(t *testing.T) {
					id := s.doc.function(t, s.settings.PhysicalName(name))
					p := s.doc.Resources[id].Properties
					if p["Runtime"] != "provided.al2023" || !cmp.Equal(p["Architectures"], []any{"arm64"}) {
						t.Errorf("runtime %v on %v", p["Runtime"], p["Architectures"])
					}
					if diff := cmp.Diff(map[string]any{"Mode": "Active"}, p["TracingConfig"]); diff != "" {
						t.Errorf("TracingConfig (-want +got):\n%s", diff)
					}
					env := p["Environment"].(map[string]any)["Variables"].(map[string]any)
					if env[infra.StageEnv] != s.name {
						t.Errorf("%s = %v, want %q", infra.StageEnv, env[infra.StageEnv], s.name)
					}
					role := getAtt(t, p["Role"])
					if other, ok := roles[role]; ok {
						t.Errorf("shares role %s with %s", role, other)
					}
					roles[role] = name
					logGroup := s.doc.Resources[ref(p["LoggingConfig"].(map[string]any)["LogGroup"])]
					if want := retentionDays[s.settings.LogRetention]; logGroup.Properties["RetentionInDays"] != want {
						t.Errorf("log retention %v, want %v", logGroup.Properties["RetentionInDays"], want)
					}
					var wantReserved any
					if consumers[name] && s.settings.ConsumerReservedConcurrency > 0 {
						wantReserved = float64(s.settings.ConsumerReservedConcurrency)
					}
					if p["ReservedConcurrentExecutions"] != wantReserved {
						t.Errorf("ReservedConcurrentExecutions %v, want %v", p["ReservedConcurrentExecutions"], wantReserved)
					}
				})
			}
		}
	}
}

// Each SQS mapping caps its concurrency below the function's reservation (AWS's advice); in
// prod the reservation keeps a consumer from swamping its table.
func TestConsumerMappings(t *testing.T) {
	for _, s := range stages(t) {
		n := 0
		for _, id := range s.doc.ofType("AWS::Lambda::EventSourceMapping") {
			p := s.doc.Resources[id].Properties
			if _, stream := p["StartingPosition"]; stream {
				continue
			}
			n++
			want := map[string]any{"MaximumConcurrency": float64(s.settings.ConsumerMaxConcurrency)}
			if diff := cmp.Diff(want, p["ScalingConfig"]); diff != "" {
				t.Errorf("%s %s ScalingConfig (-want +got):\n%s", s.name, id, diff)
			}
			if r := s.settings.ConsumerReservedConcurrency; r > 0 && r <= s.settings.ConsumerMaxConcurrency {
				t.Errorf("%s: reserved concurrency %d is not above the mapping's maximum %d", s.name, r, s.settings.ConsumerMaxConcurrency)
			}
		}
		if consumers, _ := specCounts(); n != consumers {
			t.Errorf("%s: %d SQS mappings, want %d (one per consumer in the specs)", s.name, n, consumers)
		}
	}
}

// Every queue is encrypted, refuses requests without TLS, and has a DLQ unless it is one.
func TestQueuesPerStage(t *testing.T) {
	for _, s := range stages(t) {
		deadLetters := map[string]bool{}
		for _, id := range s.doc.ofType("AWS::SQS::Queue") {
			if rp, ok := s.doc.Resources[id].Properties["RedrivePolicy"].(map[string]any); ok {
				deadLetters[getAtt(t, rp["deadLetterTargetArn"])] = true
			}
		}
		for _, id := range s.doc.ofType("AWS::Lambda::EventSourceMapping") {
			if d, ok := s.doc.Resources[id].Properties["DestinationConfig"].(map[string]any); ok {
				deadLetters[getAtt(t, d["OnFailure"].(map[string]any)["Destination"])] = true
			}
		}
		tlsOnly := map[string]bool{}
		for _, id := range s.doc.ofType("AWS::SQS::QueuePolicy") {
			p := s.doc.Resources[id].Properties
			for _, st := range p["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				st := st.(map[string]any)
				cond, _ := json.Marshal(st["Condition"])
				if st["Effect"] == "Deny" && string(cond) == `{"Bool":{"aws:SecureTransport":"false"}}` {
					for _, q := range p["Queues"].([]any) {
						tlsOnly[ref(q)] = true
					}
				}
			}
		}
		queues := s.doc.ofType("AWS::SQS::Queue")
		if consumers, publishers := specCounts(); len(queues) != 2*consumers+publishers {
			t.Errorf("%s: %d queues, want %d (%d consumers with a DLQ, %d outbox failure queues)",
				s.name, len(queues), 2*consumers+publishers, consumers, publishers)
		}
		for _, id := range queues {
			p := s.doc.Resources[id].Properties
			if p["SqsManagedSseEnabled"] != true {
				t.Errorf("%s %s: not encrypted (SqsManagedSseEnabled %v)", s.name, id, p["SqsManagedSseEnabled"])
			}
			if !tlsOnly[id] {
				t.Errorf("%s %s: no policy denies aws:SecureTransport false", s.name, id)
			}
			if _, ok := p["RedrivePolicy"]; !ok && !deadLetters[id] {
				t.Errorf("%s %s: no DLQ and not a DLQ", s.name, id)
			}
		}
	}
}

// Every route has its own throttling in the stage's route settings: writes lower than reads.
func TestRouteThrottling(t *testing.T) {
	for _, s := range stages(t) {
		stage := s.doc.Resources[s.doc.ofType("AWS::ApiGatewayV2::Stage")[0]].Properties
		got := stage["RouteSettings"].(map[string]any)
		want := map[string]any{}
		for _, def := range infra.Services() {
			for _, r := range def.Spec.Routes {
				rate, burst := s.settings.RateLimit, s.settings.BurstLimit
				if r.Method != "GET" {
					rate, burst = s.settings.WriteRateLimit, s.settings.WriteBurstLimit
				}
				want[r.Key()] = map[string]any{"ThrottlingRateLimit": rate, "ThrottlingBurstLimit": burst, "DetailedMetricsEnabled": true}
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s RouteSettings (-want +got):\n%s", s.name, diff)
		}
		// API Gateway refuses settings of a route that does not exist yet.
		stageID := s.doc.ofType("AWS::ApiGatewayV2::Stage")[0]
		whole := *s.tmpl.ToJSON()
		dependsOn, _ := whole["Resources"].(map[string]any)[stageID].(map[string]any)["DependsOn"].([]any)
		for _, route := range s.doc.ofType("AWS::ApiGatewayV2::Route") {
			if !slices.Contains(dependsOn, any(route)) {
				t.Errorf("%s: the stage does not depend on route %s", s.name, route)
			}
		}
		if s.settings.WriteRateLimit >= s.settings.RateLimit {
			t.Errorf("%s: write rate %v is not below the read rate %v", s.name, s.settings.WriteRateLimit, s.settings.RateLimit)
		}
		logs := s.doc.Resources[getAtt(t, stage["AccessLogSettings"].(map[string]any)["DestinationArn"])]
		if logs.Properties["RetentionInDays"] != retentionDays[s.settings.LogRetention] {
			t.Errorf("%s: access log retention %v", s.name, logs.Properties["RetentionInDays"])
		}
	}
	dev, _ := infra.StageSettingsFor(infra.DevStage)
	prodSettings, _ := infra.StageSettingsFor(infra.ProdStage)
	if dev.RateLimit >= prodSettings.RateLimit {
		t.Errorf("dev's rate %v is not below prod's %v", dev.RateLimit, prodSettings.RateLimit)
	}
}

// specCounts counts the consumers and the outbox publishers the services' specs declare.
func specCounts() (consumers, publishers int) {
	for _, def := range infra.Services() {
		consumers += len(def.Spec.Consumers)
		if def.Spec.Publisher != "" {
			publishers++
		}
	}
	return consumers, publishers
}

// wantAlarmIDs is docs/alarms.md's list for a stage, from the services' specs.
func wantAlarmIDs(settings infra.StageSettings) []string {
	ids := []string{infra.AlarmAPI5xxRate, infra.AlarmAPILatencyP99, infra.AlarmSagaStuckOrders}
	for _, def := range infra.Services() {
		for _, name := range def.Spec.Functions() {
			if settings.FunctionAlarms {
				ids = append(ids, name+infra.AlarmErrors, name+infra.AlarmThrottles)
			}
		}
		for _, c := range def.Spec.Consumers {
			ids = append(ids, c.Function+infra.AlarmDLQDepth, c.Function+infra.AlarmDLQAge, c.Function+infra.AlarmQueueAge)
		}
		if def.Spec.Publisher != "" {
			ids = append(ids, def.Spec.Publisher+infra.AlarmDLQDepth, def.Spec.Publisher+infra.AlarmDLQAge)
		}
	}
	sort.Strings(ids)
	return ids
}

// The alarms are docs/alarms.md's, named <stack>-<id>, and each notifies the topic on ALARM
// and OK.
func TestAlarms(t *testing.T) {
	for _, s := range stages(t) {
		topic := s.doc.ofType("AWS::SNS::Topic")
		if len(topic) != 1 {
			t.Fatalf("%s: topics %v, want one", s.name, topic)
		}
		prefix := *s.stack.StackName() + "-"
		var got []string
		for _, id := range s.doc.ofType("AWS::CloudWatch::Alarm") {
			p := s.doc.Resources[id].Properties
			name := p["AlarmName"].(string)
			if !strings.HasPrefix(name, prefix) {
				t.Errorf("%s: alarm %q does not start with %q", s.name, name, prefix)
			}
			got = append(got, strings.TrimPrefix(name, prefix))
			action := []any{map[string]any{"Ref": topic[0]}}
			if !cmp.Equal(p["AlarmActions"], action) || !cmp.Equal(p["OKActions"], action) {
				t.Errorf("%s: alarm %s actions %v / %v, want the topic", s.name, name, p["AlarmActions"], p["OKActions"])
			}
			if d := p["AlarmDescription"].(string); !strings.Contains(d, "Runbook: docs/operations.md, ") {
				t.Errorf("%s: alarm %s description %q names no runbook", s.name, name, d)
			}
			if p["TreatMissingData"] != "notBreaching" {
				t.Errorf("%s: alarm %s TreatMissingData %v", s.name, name, p["TreatMissingData"])
			}
		}
		sort.Strings(got)
		if diff := cmp.Diff(wantAlarmIDs(s.settings), got); diff != "" {
			t.Errorf("%s alarm ids (-docs +template):\n%s", s.name, diff)
		}
	}
}

// alarm returns the properties of the alarm id of stage s.
func (s stageCase) alarm(t *testing.T, id string) map[string]any {
	t.Helper()
	for _, lid := range s.doc.ofType("AWS::CloudWatch::Alarm") {
		if p := s.doc.Resources[lid].Properties; p["AlarmName"] == *s.stack.StackName()+"-"+id {
			return p
		}
	}
	t.Fatalf("%s: no alarm %s", s.name, id)
	return nil
}

// The alarms' metrics and thresholds, one of each kind, as docs/alarms.md states them.
func TestAlarmProperties(t *testing.T) {
	for _, s := range stages(t) {
		dlq := ""
		for _, id := range s.doc.ofType("AWS::SQS::Queue") {
			if strings.HasPrefix(id, "OrdersOnSagaConsumerDeadLetterQueue") {
				dlq = id
			}
		}
		queueName := map[string]any{"Fn::GetAtt": []any{dlq, "QueueName"}}
		tests := []struct {
			id   string
			want map[string]any
		}{
			{"orders-on-saga-dlq-depth", map[string]any{
				"Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible", "Statistic": "Maximum",
				"Period": 60.0, "Threshold": 1.0, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
				"EvaluationPeriods": 1.0, "Dimensions": []any{map[string]any{"Name": "QueueName", "Value": queueName}},
			}},
			{"orders-on-saga-dlq-age", map[string]any{
				"MetricName": "ApproximateAgeOfOldestMessage", "Threshold": float64(10 * 24 * 3600),
				"Dimensions": []any{map[string]any{"Name": "QueueName", "Value": queueName}},
			}},
			{"orders-on-saga-queue-age", map[string]any{
				"MetricName": "ApproximateAgeOfOldestMessage", "Threshold": s.settings.QueueAgeThreshold.Seconds(),
				"EvaluationPeriods": 5.0, "DatapointsToAlarm": 5.0,
			}},
			{"api-latency-p99", map[string]any{
				"Namespace": "AWS/ApiGateway", "MetricName": "Latency", "ExtendedStatistic": "p99",
				"Threshold": float64(s.settings.APILatencyP99.Milliseconds()), "EvaluationPeriods": 3.0,
			}},
			{"api-5xx-rate", map[string]any{"Threshold": s.settings.API5xxPercent, "DatapointsToAlarm": 2.0}},
			{"saga-stuck-orders", map[string]any{"Threshold": 5.0, "EvaluationPeriods": 3.0, "DatapointsToAlarm": 3.0}},
		}
		for _, tt := range tests {
			p := s.alarm(t, tt.id)
			for k, v := range tt.want {
				if !cmp.Equal(p[k], v) {
					t.Errorf("%s %s: %s = %v, want %v", s.name, tt.id, k, p[k], v)
				}
			}
		}

		// The metric math: the 5xx share of requests, and orders placed but not finished
		// (docs/alarms.md#the-saga-alarm), from the functions' EMF metrics of this stage.
		metrics := map[string]map[string]any{}
		for _, id := range []string{"api-5xx-rate", "saga-stuck-orders"} {
			for _, m := range s.alarm(t, id)["Metrics"].([]any) {
				m := m.(map[string]any)
				metrics[id+"/"+m["Id"].(string)] = m
			}
		}
		if e := metrics["api-5xx-rate/expr_1"]["Expression"]; e != "IF(requests >= 10, 100 * errors / requests, 0)" {
			t.Errorf("%s 5xx expression %v", s.name, e)
		}
		if e := metrics["saga-stuck-orders/expr_1"]["Expression"]; e != "FILL(placed, 0) - FILL(finished, 0)" {
			t.Errorf("%s saga expression %v", s.name, e)
		}
		for id, want := range map[string]string{"placed": "OrdersPlaced/Sum", "finished": "SagaDuration/SampleCount"} {
			stat := metrics["saga-stuck-orders/"+id]["MetricStat"].(map[string]any)
			metric := stat["Metric"].(map[string]any)
			got := metric["MetricName"].(string) + "/" + stat["Stat"].(string)
			dims := []any{map[string]any{"Name": "Service", "Value": "orders"}, map[string]any{"Name": "Stage", "Value": s.name}}
			if got != want || metric["Namespace"] != infra.MetricsNamespace || !cmp.Equal(metric["Dimensions"], dims) {
				t.Errorf("%s saga metric %s: %s %v %v, want %s in %s with %v", s.name, id, got, metric["Namespace"], metric["Dimensions"], want, infra.MetricsNamespace, dims)
			}
		}
	}
}

// docs/alarms.md names every alarm id kind and every function that has queue alarms.
func TestAlarmsAreDocumented(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, "docs", "alarms.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	for _, id := range []string{"<fn>" + infra.AlarmErrors, "<fn>" + infra.AlarmThrottles, "<fn>" + infra.AlarmDLQDepth,
		"<fn>" + infra.AlarmDLQAge, "<fn>" + infra.AlarmQueueAge, infra.AlarmAPI5xxRate, infra.AlarmAPILatencyP99, infra.AlarmSagaStuckOrders} {
		if !strings.Contains(doc, "`"+id+"`") {
			t.Errorf("docs/alarms.md does not document `%s`", id)
		}
	}
	for _, def := range infra.Services() {
		names := []string{def.Spec.Publisher}
		for _, c := range def.Spec.Consumers {
			names = append(names, c.Function)
		}
		for _, n := range names {
			if n != "" && !strings.Contains(doc, "`"+n+"`") {
				t.Errorf("docs/alarms.md does not list `%s`", n)
			}
		}
	}
}

// The topic is encrypted with a rotating key CloudWatch may use, refuses requests without
// TLS, and emails the context's address (prod here; dev has no subscription).
func TestAlarmTopic(t *testing.T) {
	for _, s := range stages(t) {
		topicID := s.doc.ofType("AWS::SNS::Topic")[0]
		key := getAtt(t, s.doc.Resources[topicID].Properties["KmsMasterKeyId"])
		k := s.doc.Resources[key].Properties
		if k["EnableKeyRotation"] != true {
			t.Errorf("%s: key rotation %v", s.name, k["EnableKeyRotation"])
		}
		keyPolicy, _ := json.Marshal(k["KeyPolicy"])
		if !strings.Contains(string(keyPolicy), `"Service":"cloudwatch.amazonaws.com"`) {
			t.Errorf("%s: CloudWatch may not use the topic's key: %s", s.name, keyPolicy)
		}
		check(t, s.name+" TLS only", func() {
			s.tmpl.HasResourceProperties(jsii.String("AWS::SNS::TopicPolicy"), map[string]any{
				"Topics": []any{map[string]any{"Ref": topicID}},
				"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
					"Effect": "Deny", "Action": "sns:Publish", "Principal": "*",
					"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
				})})},
			})
		})
		subs := s.doc.ofType("AWS::SNS::Subscription")
		switch s.name {
		case infra.DevStage:
			if len(subs) != 0 {
				t.Errorf("dev without alarmEmail has subscriptions %v", subs)
			}
		default:
			check(t, s.name+" email", func() {
				s.tmpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), map[string]any{
					"Protocol": "email", "Endpoint": alarmEmail, "TopicArn": map[string]any{"Ref": topicID},
				})
			})
		}
	}
}

// One dashboard named for the stack, with the widgets: requests, latency percentiles,
// errors per route, the saga funnel, DLQ depths, concurrency.
func TestDashboard(t *testing.T) {
	for _, s := range stages(t) {
		ids := s.doc.ofType("AWS::CloudWatch::Dashboard")
		if len(ids) != 1 {
			t.Fatalf("%s: dashboards %v", s.name, ids)
		}
		p := s.doc.Resources[ids[0]].Properties
		if p["DashboardName"] != *s.stack.StackName() {
			t.Errorf("%s: dashboard name %v", s.name, p["DashboardName"])
		}
		raw, _ := json.Marshal(p["DashboardBody"])
		body := string(raw)
		want := []string{
			"API requests", `\"Count\"`, "API latency", `\"p50\"`, `\"p90\"`, `\"p99\"`, "API 5xx per route",
			"Saga funnel", "OrdersPlaced", "StockReserved", "PaymentsSucceeded", "OrdersConfirmed", "OrdersFailed",
			"Dead-letter queue depths", "ApproximateNumberOfMessagesVisible", "ConcurrentExecutions",
		}
		for _, def := range infra.Services() {
			for _, r := range def.Spec.Routes {
				want = append(want, `\"Route\",\"`+r.Key()+`\"`)
			}
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s dashboard lacks %s", s.name, w)
			}
		}
	}
}

// cdk-nag's AwsSolutions and Serverless packs and the project's checks find nothing
// unsuppressed in prod (TestNag covers dev and the probe).
func TestNagProd(t *testing.T) {
	stack, _, _ := synthProdStack(t)
	annotations := assertions.Annotations_FromStack(stack)
	for _, pattern := range []string{"AwsSolutions-.*", "Serverless-.*", `\[Microshop-Policy\].*`} {
		m := assertions.Match_StringLikeRegexp(jsii.String(pattern))
		for _, msg := range *annotations.FindError(jsii.String("*"), m) {
			b, _ := json.Marshal(msg)
			t.Errorf("error: %s", b)
		}
		for _, msg := range *annotations.FindWarning(jsii.String("*"), m) {
			b, _ := json.Marshal(msg)
			t.Errorf("warning: %s", b)
		}
	}
}

// Every suppression sits on one resource (none on the stack), says why at some length, and a
// wildcard-permission suppression applies to the "*" resource finding only.
func TestSuppressionsAreNarrow(t *testing.T) {
	for _, s := range stages(t) {
		whole := *s.tmpl.ToJSON()
		if md, ok := whole["Metadata"].(map[string]any); ok && md["cdk_nag"] != nil {
			t.Errorf("%s: stack-wide suppressions %v", s.name, md["cdk_nag"])
		}
		n := 0
		for id, r := range s.doc.Resources {
			nag, _ := r.Metadata["cdk_nag"].(map[string]any)
			rules, _ := nag["rules_to_suppress"].([]any)
			for _, rule := range rules {
				rule := rule.(map[string]any)
				n++
				if reason, _ := rule["reason"].(string); len(reason) < 40 {
					t.Errorf("%s %s: suppression of %v has a thin reason %q", s.name, id, rule["id"], reason)
				}
				// CDK's bucket deployment handler (infra/site.go) writes its own policy: its
				// suppression lists each of its wildcard findings instead.
				if rule["id"] == "AwsSolutions-IAM5" && strings.HasPrefix(id, "CustomCDKBucketDeployment") {
					if n, _ := rule["applies_to"].([]any); len(n) == 0 || slices.Contains(n, any("*")) {
						t.Errorf("%s %s: IAM5 suppression applies to %v, want the handler's findings listed", s.name, id, rule["applies_to"])
					}
				} else if rule["id"] == "AwsSolutions-IAM5" {
					if diff := cmp.Diff([]any{"Resource::*"}, rule["applies_to"]); diff != "" {
						t.Errorf("%s %s: IAM5 suppression applies to (-want +got):\n%s", s.name, id, diff)
					}
				}
			}
		}
		if n < 36 {
			t.Errorf("%s: only %d suppressions; the walk over metadata is broken", s.name, n)
		}
	}
}
