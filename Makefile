# Microshop developer interface. CI calls the same targets (`.ci/run` runs `make test`).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

STACK    ?= Microshop
TEMPLATE ?= cdk.out/$(STACK).template.json
DEVCLOUD := .local/bin/devcloud
GOFILES   = $(shell git ls-files --cached --others --exclude-standard '*.go')
# Every Lambda is a main package under functions/<service>/cmd/<name>.
LAMBDAS   = $(patsubst %,./%/...,$(wildcard functions/*/cmd))

export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := true

.PHONY: help deps build synth dev test lint bench invoke token diagram deploy devcloud clean fuzz

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

# The go.mod inside node_modules keeps the Go files some npm packages ship (the CDK CLI's init
# templates) out of ./... patterns.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	echo 'module ignore/node_modules' > node_modules/go.mod

deps: node_modules/.package-lock.json ## install npm packages (CDK CLI, dynalite) and Go modules
	go mod download

build: deps ## compile every Lambda to build/lambda/<name>/bootstrap (linux/arm64)
	rm -rf build/bin build/lambda && mkdir -p build/bin build/lambda
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -trimpath -ldflags "-s -w" -tags lambda.norpc \
		-o build/bin/ $(LAMBDAS)
	for f in build/bin/*; do n=$$(basename "$$f"); mkdir -p "build/lambda/$$n"; mv "$$f" "build/lambda/$$n/bootstrap"; done
	@ls -1 build/lambda | sed 's/^/  built /'

synth: build ## cdk synth into cdk.out/ (runs cdk-nag's AwsSolutions checks)
	npx cdk synth --quiet $(STACK)

devcloud: deps
	go build -o $(DEVCLOUD) ./local/cmd/devcloud

dev: synth devcloud ## serve the whole shop locally: API on :3000, AWS edge on :4566, seeded, users printed (Ctrl-C stops)
	$(DEVCLOUD) serve --template $(TEMPLATE) \
		--after-start 'go run ./tools/devseed/cmd/devseed -template $(TEMPLATE) -api "$$API_URL" -edge "$$EDGE_URL"'

invoke: synth devcloud ## invoke one function once: make invoke FN=catalog-get-product EVENT=events/samples/apigw/catalog-get-product.json
	@test -n "$(FN)" -a -n "$(EVENT)" || { echo "usage: make invoke FN=<function> EVENT=<file.json>"; exit 2; }
	$(DEVCLOUD) invoke --template $(TEMPLATE) --event $(EVENT) $(FN)

diagram: synth ## redraw the stack diagram in README.md from the synthesized template
	go run ./local/diagram/cmd/diagram --template $(TEMPLATE) --readme README.md

token: devcloud ## print a token for the local JWT authorizers: make token USER=<sub> [GROUPS=admin] [SCOPES=a,b]
	@$(DEVCLOUD) token --user "$(USER)" $(if $(GROUPS),--groups "$(GROUPS)") $(if $(SCOPES),--scopes "$(SCOPES)")

test: synth lint ## run every test (unit, integration, end to end, infra)
	go test -count=1 ./...
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

bench: synth ## print the performance figures the issues ask for
	@echo "== local runtime: request overhead (sequential), throughput (16 connections) =="
	go test -run '^$$' -bench 'RequestOverhead|Throughput16' -benchtime 3000x -count 1 ./functions/catalog/e2e/ | grep -E '^(Benchmark|ok|FAIL)'
	@echo "== catalog write -> ProductChanged in a tapped queue (outbox, stream, publisher, bus, rule, SQS; p50, target <= 10 ms) =="
	go test -run '^$$' -bench 'WriteToTappedEvent' -benchtime 200x -count 1 ./functions/catalog/e2e/ | grep -E '^(Benchmark|ok|FAIL)'
	@echo "== the shop: POST /orders -> CONFIRMED end to end (sequential p50/p99; 16 concurrent buyers: orders/s, errors) =="
	go test -run '^$$' -bench 'OrderToConfirmed' -benchtime 300x -count 1 ./e2e/shop/ | grep -E '^(Benchmark|ok|FAIL|---|\s+bench_test)'
	go test -run '^$$' -bench 'Orders16' -benchtime 1000x -count 1 ./e2e/shop/ | grep -E '^(Benchmark|ok|FAIL|---|\s+bench_test)'
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
	@echo "== Lambda binary sizes (linux/arm64, stripped; target <= 8 MB) =="
	@for f in build/lambda/*/bootstrap; do awk -v n="$$(basename $$(dirname $$f))" -v s="$$(stat -c %s $$f)" 'BEGIN{printf "  %-32s %9d bytes = %5.2f MiB\n", n, s, s/1048576}'; done

deploy: synth ## deploy the stack to the AWS account in your environment
	npx cdk deploy $(STACK)

clean: ## remove build outputs
	rm -rf build cdk.out .local
