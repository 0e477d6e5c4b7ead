# Microshop developer interface. CI calls the same targets (`.ci/run` runs `make test`).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

STACK    ?= Microshop
TEMPLATE ?= cdk.out/$(STACK).template.json
# The stage deploy, diff, destroy and package act on (infra/stage.go): its stack is Microshop for
# dev (the template the local runtime serves) and Microshop-<stage> otherwise.
STAGE       ?= dev
STAGE_STACK  = $(if $(filter dev,$(STAGE)),Microshop,Microshop-$(STAGE))
STAGE_OUT    = $(if $(filter dev,$(STAGE)),cdk.out,build/cdk.$(STAGE))
# Context for every stage command: the stage, and the alarm topic's email when given.
STAGE_CONTEXT = -c stage=$(STAGE) $(if $(ALARM_EMAIL),-c alarmEmail=$(ALARM_EMAIL))
DEVCLOUD := .local/bin/devcloud
GOFILES   = $(shell git ls-files --cached --others --exclude-standard '*.go')
# Every Lambda is a main package under functions/<service>/cmd/<name>.
LAMBDAS   = $(patsubst %,./%/...,$(wildcard functions/*/cmd))

export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := true

.PHONY: help deps build binsize synth dev test lint bench invoke token diagram deploy devcloud clean \
	synth-stage package diff destroy bootstrap cfn-lint e2e-aws browser awscli fuzz chaos

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# The go.mod inside node_modules keeps the Go files some npm packages ship (the CDK CLI's init
# templates) out of ./... patterns.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	echo 'module ignore/node_modules' > node_modules/go.mod

deps: node_modules/.package-lock.json ## install npm packages (CDK CLI, dynalite) and Go modules
	go mod download

# Build tags of the Lambda binaries: lambda.norpc drops aws-lambda-go's legacy RPC mode;
# nethttpomithttp2 (Go's own tag for small binaries) drops net/http's bundled HTTP/2, about
# 390 KB of each binary: the SDK clients then speak HTTP/1.1 with keep-alive, all DynamoDB
# speaks anyway (docs/decisions.md, "Lambda binary size, again").
LAMBDA_TAGS := lambda.norpc,nethttpomithttp2

build: deps ## compile every Lambda to build/lambda/<name>/bootstrap (linux/arm64)
	rm -rf build/bin build/lambda && mkdir -p build/bin build/lambda
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -trimpath -ldflags "-s -w" -tags $(LAMBDA_TAGS) \
		-o build/bin/ $(LAMBDAS)
	for f in build/bin/*; do n=$$(basename "$$f"); mkdir -p "build/lambda/$$n"; mv "$$f" "build/lambda/$$n/bootstrap"; done
	@ls -1 build/lambda | sed 's/^/  built /'

# Each Lambda binary must stay within LAMBDA_MAX_BYTES (issue 2: 8 MB). The exceptions carry
# their own ceiling: orders-send-confirmation links three SDK clients (DynamoDB, SES v2,
# Cognito), which alone, with lambda.Start, make 8.19 MB (docs/decisions.md).
LAMBDA_MAX_BYTES       := 8000000
LAMBDA_SIZE_EXCEPTIONS := orders-send-confirmation=8800000

binsize: build ## fail when a Lambda binary is over its size limit (8,000,000 bytes; exceptions in the Makefile)
	@over=""; for f in build/lambda/*/bootstrap; do n=$$(basename "$$(dirname "$$f")"); size=$$(stat -c %s "$$f"); \
		max=$(LAMBDA_MAX_BYTES); for e in $(LAMBDA_SIZE_EXCEPTIONS); do [ "$${e%%=*}" != "$$n" ] || max=$${e#*=}; done; \
		if [ "$$size" -gt "$$max" ]; then over="$$over $$n($$size>$$max)"; fi; done; \
	if [ -n "$$over" ]; then echo "Lambda binaries over their size limit (bytes):$$over"; exit 1; fi; \
	echo "every Lambda binary is within its size limit"

synth: build ## cdk synth the dev stack into cdk.out/ (runs the policy checks: cdk-nag AwsSolutions + Serverless, PolicyChecks)
	npx cdk synth --quiet $(STACK)

devcloud: deps
	go build -o $(DEVCLOUD) ./local/cmd/devcloud

dev: synth devcloud ## serve the whole shop locally (FAULTS=file injects faults): web site on :8080, API on :3000, AWS edge on :4566, seeded, users printed (Ctrl-C stops)
	$(DEVCLOUD) serve --template $(TEMPLATE) $(if $(FAULTS),--faults $(FAULTS)) \
		--after-start 'go run ./tools/devseed/cmd/devseed -template $(TEMPLATE) -api "$$API_URL" -edge "$$EDGE_URL"'

invoke: synth devcloud ## invoke one function once: make invoke FN=catalog-get-product EVENT=events/samples/apigw/catalog-get-product.json
	@test -n "$(FN)" -a -n "$(EVENT)" || { echo "usage: make invoke FN=<function> EVENT=<file.json>"; exit 2; }
	$(DEVCLOUD) invoke --template $(TEMPLATE) --event $(EVENT) $(FN)

diagram: synth ## redraw the stack diagram in README.md from the synthesized template
	go run ./local/diagram/cmd/diagram --template $(TEMPLATE) --readme README.md

token: devcloud ## print a token for the local JWT authorizers: make token USER=<sub> [GROUPS=admin] [SCOPES=a,b]
	@$(DEVCLOUD) token --user "$(USER)" $(if $(GROUPS),--groups "$(GROUPS)") $(if $(SCOPES),--scopes "$(SCOPES)")

# The browser tests drive Debian's headless Chromium (/usr/bin/chromium-headless-shell): installed
# here when missing, as root (CI) or with sudo; nothing is downloaded outside apt.
browser: ## install Debian's chromium-headless-shell for the browser tests when missing
	@if command -v chromium-headless-shell >/dev/null || command -v chromium >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=; elif command -v sudo >/dev/null; then sudo=sudo; \
	else echo "chromium-headless-shell is missing: install it as root (apt-get install chromium-headless-shell)"; exit 1; fi; \
	$$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium-headless-shell

.PHONY: screenshots
screenshots: synth browser ## retake the README's screenshots (docs/screenshots) with the browser tests
	SCREENSHOTS=docs go test -count=1 ./web/browsertest/

# Debian's AWS CLI v2 (/usr/bin/aws, apt package awscli) for the tests of `aws logs tail` and
# `aws sesv2 send-email` (CLI v1, often first on PATH, has no `logs tail`): installed here when
# missing, as the browser is.
awscli: ## install Debian's AWS CLI v2 (/usr/bin/aws) for the CLI tests when missing
	@if [ -x /usr/bin/aws ] && /usr/bin/aws --version 2>&1 | grep -q '^aws-cli/2'; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=; elif command -v sudo >/dev/null; then sudo=sudo; \
	else echo "the AWS CLI v2 is missing: install it as root (apt-get install awscli)"; exit 1; fi; \
	$$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends awscli

# E2E_API_URL is cleared so the end-to-end suite runs against the local runtime here
# (make e2e-aws runs it against a deployed stage).
test: synth binsize lint cfn-lint browser awscli ## run every test (unit, integration, end to end, infra, browser)
	E2E_API_URL= go test -count=1 ./...
	go test -count=1 -race ./local/lambdahost/... ./local/edge/... ./local/sqsqueue/... ./local/streamsource/... ./local/eventbus/... ./local/cognito/...
	go test -count=1 -race -skip 'TestDifferential' ./local/ddbengine/...

lint: deps ## gofmt, go vet, staticcheck, go mod tidy
	@out=$$(gofmt -l $(GOFILES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	go tool staticcheck ./...
	go mod tidy -diff

# Every fuzz target as <package>:<name>; go test takes one -fuzz target per package run. Their
# seeds (f.Add and testdata/fuzz/<name>/) run as plain tests in `make test`.
FUZZTIME    ?= 30s
FUZZ_TARGETS = \
	./functions/catalog/internal/api:FuzzAPI \
	./functions/cart/internal/api:FuzzAPI \
	./functions/inventory/internal/api:FuzzAPI \
	./functions/orders/internal/api:FuzzAPI \
	./functions/payments/internal/api:FuzzAPI \
	./functions/shipping/internal/api:FuzzAPI \
	./functions/cart/internal/consume:FuzzConsume \
	./functions/inventory/internal/consume:FuzzConsume \
	./functions/orders/internal/consumer:FuzzConsume \
	./functions/payments/internal/consume:FuzzConsume \
	./functions/shipping/internal/consume:FuzzConsume \
	./events/envelope:FuzzDecode \
	./local/eventbus/pattern:FuzzCompile \
	./local/template:FuzzParse \
	./local/apigw:FuzzRequest \
	./local/ddbengine:FuzzExpressions \
	./local/jwtauth:FuzzAuthorize

fuzz: ## run every fuzz target for FUZZTIME each (default 30s): make fuzz [FUZZTIME=5m]
	@failed=""; for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$name in $$pkg ($(FUZZTIME))"; \
		go test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) "$$pkg" || failed="$$failed $$t"; done; \
	if [ -n "$$failed" ]; then echo "fuzz failures (inputs saved under testdata/fuzz/):$$failed"; exit 1; fi

# The load generator (tools/load): journeys against the local runtime it starts (or -api/-edge
# of a running one, -deployed for a stage), a live line, a table, a report under build/load/,
# and a non-zero exit when an invariant breaks. More flags: make load LOAD_FLAGS="-flash 500".
LOAD_FLAGS ?=
.PHONY: load
load: synth ## 60 s of mixed shopping journeys, invariants checked, report in build/load/: make load [LOAD_FLAGS="-rate 600 | -flash 500"]
	go run ./tools/load/cmd/load -duration 60s $(LOAD_FLAGS)

bench: synth ## print the performance figures the issues ask for
	@echo "== local runtime: request overhead (sequential), throughput (16 connections) =="
	go test -run '^$$' -bench 'RequestOverhead|Throughput16' -benchtime 3000x -count 1 ./functions/catalog/e2e/ | grep -E '^(Benchmark|ok|FAIL)'
	@echo "== catalog write -> ProductChanged in a tapped queue (outbox, stream, publisher, bus, rule, SQS; p50, target <= 10 ms) =="
	go test -run '^$$' -bench 'WriteToTappedEvent' -benchtime 200x -count 1 ./functions/catalog/e2e/ | grep -E '^(Benchmark|ok|FAIL)'
	@echo "== the shop: POST /orders -> CONFIRMED end to end (sequential p50/p99; 16 concurrent buyers: orders/s, errors) =="
	go test -run '^$$' -bench 'OrderToConfirmed' -benchtime 300x -count 1 ./e2e/shoplocal/ | grep -E '^(Benchmark|ok|FAIL|---|\s+bench_test)'
	go test -run '^$$' -bench 'Orders16' -benchtime 1000x -count 1 ./e2e/shoplocal/ | grep -E '^(Benchmark|ok|FAIL|---|\s+bench_test)'
	@echo "== a SAM app (sam init's Go hello world): warm GET /hello through its REST API, sequential p50/p99 (sam local start-api: a container per request) =="
	go test -run '^$$' -bench 'SAMHelloRequest' -benchtime 2000x -count 1 ./local/runtime/ | grep -E '^(Benchmark|ok|FAIL)'
	@echo "== local runtime: cold start =="
	go test -run '^$$' -bench 'ColdStart' -benchtime 5x -count 1 ./functions/catalog/e2e/ | grep -E '^(Benchmark|ok|FAIL)'
	@echo "== hot rebuild: edit -> first response with the new code =="
	go test -run '^$$' -bench 'HotRebuild' -benchtime 3x -count 1 ./local/runtime/ | grep -E '^(Benchmark|ok|FAIL)'
	go test -run '^$$' -bench 'EditToReplace' -benchtime 3x -count 1 ./local/watch/ | grep -E '^(Benchmark|ok|FAIL)'
	@echo "== embedded DynamoDB engine vs dynalite, both behind the edge port (latency p50, sequential ns/op, 16-connection ops/s) =="
	go test -run '^$$' -bench 'Engine|Dynalite|ThroughputRatio' -benchtime 5000x -count 1 ./local/ddbengine/ | grep -E '^(Benchmark|ok|FAIL)'
	@echo "== local Cognito: sign-in (InitiateAuth USER_PASSWORD_AUTH through the edge; p50/p99) =="
	go test -run '^$$' -bench 'InitiateAuth' -benchtime 100x -count 1 ./local/cognito/ | grep -E '^(Benchmark|ok|FAIL)'

	@echo "== embedded DynamoDB engine at scale: 1 M items loaded through the edge port by 8 BatchWriteItem writers (takes a few minutes) =="
	go test -run '^$$' -bench '^BenchmarkScale$$' -benchtime 1x -count 1 -timeout 30m ./local/ddbengine/ | grep -E '^(  |ok|FAIL)'
	@echo "== event sources, whole runtime: SDK call -> target function's code starts (p50/p99) =="
	go test -run '^$$' -bench 'EventToFunctionStart' -benchtime 500x -count 1 ./local/runtime/ | grep -E '^(Benchmark|ok|FAIL)'
	@echo "== event sources, per service: event in -> Lambda invocation handed to the invoker (p50) =="
	go test -run '^$$' -bench 'PutEventsToDelivery' -benchtime 3000x -count 1 ./local/eventbus/ | grep -E '^(Benchmark|ok|FAIL)'
	go test -run '^$$' -bench 'SendToInvoke' -benchtime 3000x -count 1 ./local/sqsqueue/ | grep -E '^(Benchmark|ok|FAIL)'
	go test -run '^$$' -bench 'WriteToInvoke' -benchtime 3000x -count 1 ./local/streamsource/ | grep -E '^(Benchmark|ok|FAIL)'
	@echo "== local console: recording on vs off (HTTP request to a function + PutItem, 16 clients, alternating rounds; target cost < 5 %) =="
	go test -run '^$$' -bench 'Recording' -benchtime 40x -count 1 ./local/runtime/ | grep -E '^(Benchmark|ok|FAIL)'
	go test -run '^$$' -bench 'RecordInvocation' -benchmem -count 1 ./local/record/ | grep -E '^(Benchmark|ok|FAIL)'
	@echo "== Lambda binary sizes (linux/arm64, stripped; target <= 8 MB) =="
	@for f in build/lambda/*/bootstrap; do awk -v n="$$(basename $$(dirname $$f))" -v s="$$(stat -c %s $$f)" 'BEGIN{printf "  %-32s %9d bytes = %5.2f MiB\n", n, s, s/1048576}'; done

# e2e-aws runs the end-to-end scenarios (e2e/shop) against a deployed stage: the stack's
# outputs give the API URL and the user pool, its resources the dead-letter queues; the AWS CLI
# and the test use the credentials and region of your environment (AWS_PROFILE, AWS_REGION).
# The dev stage's stack is Microshop, any other stage's Microshop-<stage>.
e2e-aws: ## run the end-to-end scenarios against a deployed stage: make e2e-aws STAGE=dev
	@command -v aws >/dev/null || { echo "e2e-aws: the AWS CLI (aws) is not installed"; exit 2; }
	@out() { aws cloudformation describe-stacks --stack-name $(STAGE_STACK) \
		--query "Stacks[0].Outputs[?OutputKey=='$$1'].OutputValue" --output text; }; \
	api=$$(out ApiUrl) && pool=$$(out UserPoolId) && client=$$(out UserPoolClientId) && \
	dlqs=$$(aws cloudformation list-stack-resources --stack-name $(STAGE_STACK) \
		--query "StackResourceSummaries[?ResourceType=='AWS::SQS::Queue' && contains(LogicalResourceId,'DeadLetterQueue')].PhysicalResourceId" \
		--output text) && \
	region=$${AWS_REGION:-$$(aws configure get region || true)}; \
	test -n "$$api" -a -n "$$pool" -a -n "$$client" -a -n "$$region" || \
		{ echo "e2e-aws: stack $(STAGE_STACK) has no ApiUrl/UserPoolId/UserPoolClientId output, or no region is set"; exit 2; }; \
	echo "e2e-aws: $(STAGE_STACK) at $$api ($$region)"; \
	E2E_API_URL="$$api" E2E_REGION="$$region" E2E_USER_POOL_ID="$$pool" E2E_CLIENT_ID="$$client" \
	E2E_DLQ_URLS="$$dlqs" go test -count=1 -timeout 20m -v ./e2e/shop/

synth-stage: build ## synthesize STAGE's stack (make synth-stage STAGE=prod): cdk.out for dev, build/cdk.<stage> otherwise
	npx cdk synth --quiet $(STAGE_CONTEXT) -o $(STAGE_OUT) $(STAGE_STACK)

# cfn-lint on the dev template (make synth wrote it) and on prod's; errors fail, warnings print.
# W3005 is ignored: CDK makes each function DependsOn its role, which the GetAtt already implies.
cfn-lint: synth ## cfn-lint the dev and prod templates (no error allowed)
	@command -v cfn-lint >/dev/null || { echo "cfn-lint is not installed: pip install cfn-lint"; exit 1; }
	npx cdk synth --quiet -c stage=prod -o build/cdk.prod Microshop-prod
	cfn-lint --non-zero-exit-code error --ignore-checks W3005 -- cdk.out/Microshop.template.json build/cdk.prod/Microshop-prod.template.json

package: synth-stage ## prove every asset of STAGE's stack exists before deploy (make package STAGE=prod)
	go run ./tools/assetcheck/cmd/assetcheck -dir $(STAGE_OUT) -stack $(STAGE_STACK)

bootstrap: deps ## once per account and region: cdk bootstrap (the CDK's staging bucket, ECR repo and deploy roles)
	@echo "cdk bootstrap prepares the account and region in your AWS environment (AWS_PROFILE / AWS_REGION)"
	@echo "for CDK deployments: an S3 bucket and ECR repository for assets and the deploy roles (stack CDKToolkit)."
	@echo "It needs administrator rights once; later deploys use its roles."
	npx cdk bootstrap

deploy: package ## deploy STAGE's stack (make deploy STAGE=prod ALARM_EMAIL=oncall@example.com)
	npx cdk deploy --app $(STAGE_OUT) $(STAGE_STACK)

diff: synth-stage ## show what deploying STAGE's stack would change
	npx cdk diff --app $(STAGE_OUT) $(STAGE_STACK)

destroy: synth-stage ## delete STAGE's stack (prod keeps its tables, user pool and logs: RETAIN and deletion protection)
	npx cdk destroy --app $(STAGE_OUT) $(STAGE_STACK)

clean: ## remove build outputs
	rm -rf build cdk.out .local

# The other local paths (docs/local.md): SAM CLI and LocalStack on the same template. Both need
# Docker, so each first checks for Docker and its tool (tools/localpaths/need.sh) and says what
# is missing. None of them is a prerequisite of `make test`.
.PHONY: sam-api sam-invoke localstack-deploy
SAM_FLAGS           ?=
LOCALSTACK_ENDPOINT ?= http://localhost.localstack.cloud:4566
NEED                 = $(SHELL) tools/localpaths/need.sh

sam-api: ## serve the HTTP API with the SAM CLI (Docker): sam local start-api on the synthesized template [SAM_FLAGS=...]
	@$(NEED) sam-api docker sam
	@$(MAKE) --no-print-directory synth
	sam local start-api -t $(TEMPLATE) $(SAM_FLAGS)

sam-invoke: ## invoke one function with the SAM CLI (Docker): make sam-invoke FN=<function> [EVENT=<file.json>]
	@$(NEED) sam-invoke docker sam
	@test -n "$(FN)" || { echo "usage: make sam-invoke FN=<function> [EVENT=<file.json>] [SAM_FLAGS=...]" >&2; exit 2; }
	@$(MAKE) --no-print-directory synth
	id=$$(go run ./tools/localpaths/cmd/logicalid -template $(TEMPLATE) $(FN)) && \
		sam local invoke -t $(TEMPLATE) "$$id" $(if $(EVENT),-e $(EVENT)) $(SAM_FLAGS)

localstack-deploy: ## deploy the stack to a running LocalStack with cdklocal (Docker, LocalStack, cdklocal)
	@LOCALSTACK_ENDPOINT=$(LOCALSTACK_ENDPOINT) $(NEED) localstack-deploy docker localstack cdklocal localstack-running
	@$(MAKE) --no-print-directory build
	cdklocal bootstrap
	cdklocal deploy --require-approval never $(STACK)

# The randomized fault run (e2e/shopfaults, build tag chaos): random faults over every saga
# step, CHAOS_ROUNDS × 3 orders; the seed is printed, CHAOS_SEED replays it.
chaos: synth ## random faults over every saga step, many orders, invariants checked: make chaos [CHAOS_SEED=n] [CHAOS_ROUNDS=10]
	CHAOS_SEED=$(CHAOS_SEED) CHAOS_ROUNDS=$(CHAOS_ROUNDS) go test -count=1 -tags chaos -run '^TestChaos$$' -timeout 20m -v ./e2e/shopfaults
