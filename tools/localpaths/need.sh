# need.sh TARGET REQUIREMENT... checks what `make TARGET` needs before it starts, and says
# plainly what is missing and how to get it. Requirements: docker (installed and its engine
# running), sam, cdklocal, localstack (the CLI) and localstack-running (its health endpoint at
# $LOCALSTACK_ENDPOINT answers). It exits 1 after listing everything missing, 0 when nothing is.
#
# The Makefile runs it as `$(SHELL) tools/localpaths/need.sh ...`, so it needs no PATH entry of
# its own and uses only bash builtins besides the tools it checks; tools/localpaths's test runs
# the make targets with a PATH that lacks them.

target=${1:?usage: need.sh TARGET REQUIREMENT...}
shift
missing=()

miss() { missing+=("$1"); }

for req in "$@"; do
	case $req in
	docker)
		if ! command -v docker >/dev/null 2>&1; then
			miss "Docker is not installed (no \`docker\` on PATH). Install Docker Desktop (macOS, Windows) or Docker Engine (Linux): https://docs.docker.com/get-docker/"
		elif ! docker info >/dev/null 2>&1; then
			miss "Docker is installed but its engine is not running (\`docker info\` failed). Start Docker Desktop, or on Linux \`sudo systemctl start docker\`."
		fi
		;;
	sam)
		command -v sam >/dev/null 2>&1 ||
			miss "The AWS SAM CLI is not installed (no \`sam\` on PATH). Install it: https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/install-sam-cli.html (or \`brew install aws-sam-cli\`, or \`pipx install aws-sam-cli\`)."
		;;
	cdklocal)
		command -v cdklocal >/dev/null 2>&1 ||
			miss "cdklocal is not installed (no \`cdklocal\` on PATH). Install it with \`npm install -g aws-cdk-local aws-cdk\`: https://github.com/localstack/aws-cdk-local"
		;;
	localstack)
		command -v localstack >/dev/null 2>&1 ||
			miss "The LocalStack CLI is not installed (no \`localstack\` on PATH). Install it (\`brew install localstack/tap/localstack-cli\` or \`pipx install localstack\`), set LOCALSTACK_AUTH_TOKEN, and start it with \`localstack start -d\`: https://docs.localstack.cloud/getting-started/installation/"
		;;
	localstack-running)
		endpoint=${LOCALSTACK_ENDPOINT:-http://localhost.localstack.cloud:4566}
		if ! command -v curl >/dev/null 2>&1; then
			miss "curl is not installed; it is needed to see whether LocalStack runs at $endpoint."
		elif ! curl -fsS -m 5 "$endpoint/_localstack/health" >/dev/null 2>&1; then
			miss "LocalStack is not running at $endpoint (no answer on /_localstack/health). Start it with \`localstack start -d\`, or set LOCALSTACK_ENDPOINT. (devcloud's edge on :4566 is not LocalStack: stop \`make dev\` first.)"
		fi
		;;
	*)
		printf 'need.sh: unknown requirement %q\n' "$req" >&2
		exit 2
		;;
	esac
done

((${#missing[@]} == 0)) && exit 0
printf 'make %s cannot run: it needs what this machine lacks.\n' "$target" >&2
for m in "${missing[@]}"; do
	printf '  - %s\n' "$m" >&2
done
printf 'docs/local.md compares this way of running locally with the others (make dev needs none of these).\n' >&2
exit 1
