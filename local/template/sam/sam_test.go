package sam

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/template/cfnyaml"
)

// goldenCases are the templates testdata/gen_goldens.py expands with aws-sam-translator:
// the user-style apps in local/testdata/ownstacks and testdata/templates.
func goldenCases(t *testing.T) map[string]string {
	t.Helper()
	cases := map[string]string{}
	for _, app := range []string{"sam-hello", "sam-httpapi-table", "sam-scheduled", "sam-events", "sam-httpapi-auth", "sam-httpapi-jwt", "sam-restapi-keys"} {
		cases[app] = filepath.Join("..", "..", "testdata", "ownstacks", app, "template.yaml")
	}
	files, err := filepath.Glob(filepath.Join("testdata", "templates", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		cases[strings.TrimSuffix(filepath.Base(f), ".yaml")] = f
	}
	return cases
}

// expand decodes and transforms the template at path.
func expand(t *testing.T, path string) (map[string]any, []string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := cfnyaml.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	doc := v.(map[string]any)
	if !Applies(doc) {
		t.Fatalf("%s: Applies = false", path)
	}
	warnings, err := Transform(doc, Options{Dir: filepath.Dir(path)})
	if err != nil {
		t.Fatalf("Transform(%s): %v", path, err)
	}
	return doc, warnings
}

var deploymentID = regexp.MustCompile(`Deployment[0-9a-f]{10}\b`)

// normalize removes the differences docs/decisions.md lists as local:
//   - Metadata: the translator drops it (unless asked to copy it onto every generated
//     resource); the local transform keeps it on the functions only, tested separately;
//   - IAM roles' Policies and ManagedPolicyArns: IAM is not enforced locally and policy
//     templates are not expanded;
//   - the order of tags: the translator keeps the order of the YAML mapping (Globals' tags
//     first), the local transform sorts them; tags are a set to every AWS API;
//   - the REST API deployment's hash: the translator hashes Python's repr of the Swagger
//     body, the local transform a SHA-1 of its JSON; both change exactly when the body does.
func normalize(t *testing.T, doc map[string]any) any {
	t.Helper()
	delete(doc, "//")
	res, _ := doc["Resources"].(map[string]any)
	for _, r := range res {
		r := r.(map[string]any)
		delete(r, "Metadata")
		p, _ := r["Properties"].(map[string]any)
		sortTags(p["Tags"], "Key")
		if body, ok := p["Body"].(map[string]any); ok {
			sortTags(body["tags"], "name")
		}
		switch r["Type"] {
		case "AWS::IAM::Role":
			delete(p, "Policies")
			delete(p, "ManagedPolicyArns")
		case "AWS::ApiGateway::Deployment":
			if d, ok := p["Description"].(string); ok && strings.HasPrefix(d, "RestApi deployment id: ") {
				p["Description"] = "RestApi deployment id: HASH"
			}
		}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	b = deploymentID.ReplaceAll(b, []byte("DeploymentHASH"))
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// sortTags sorts a list of tag objects by their key field.
func sortTags(v any, key string) {
	if l, ok := v.([]any); ok {
		slices.SortStableFunc(l, func(a, b any) int {
			ka, _ := a.(map[string]any)[key].(string)
			kb, _ := b.(map[string]any)[key].(string)
			return strings.Compare(ka, kb)
		})
	}
}

func TestTransformMatchesTranslator(t *testing.T) {
	for name, path := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			got, _ := expand(t, path)
			data, err := os.ReadFile(filepath.Join("testdata", "golden", name+".json"))
			if err != nil {
				t.Fatalf("no golden (run testdata/gen_goldens.py): %v", err)
			}
			var want map[string]any
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.UseNumber()
			if err := dec.Decode(&want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(normalize(t, want), normalize(t, got)); diff != "" {
				t.Errorf("expansion differs from aws-sam-translator's (-translator +local):\n%s", diff)
			}
		})
	}
}
