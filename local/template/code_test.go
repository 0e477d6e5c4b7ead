package template_test

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/template"
)

// A template synthesized by the CDK from a standard Go app: each function's Code names its
// asset in the cloud assembly, and its construct path.
func TestFunctionCodeOfACDKApp(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "testdata", "ownstacks", "cdkasset", "cdk.out"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := template.Load(filepath.Join("..", "testdata", "ownstacks", "cdkasset", "cdk.out", "CdkAsset.template.json"), template.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]template.Code{}
	for id, fn := range m.Functions {
		got[id] = fn.Code
	}
	want := map[string]template.Code{
		"HelloFunctionD909AE8C": {
			AssetPath: filepath.Join(dir, "asset.4c6b62df97f1419efd49106ce6e8dbd5057892029fbab3231cd4b5a25a1a97fa"),
			CDKPath:   "CdkAsset/HelloFunction/Resource",
		},
		"ZipFunction549C90F8": {
			AssetPath: filepath.Join(dir, "asset.8e834679e8a479cbef900572ec52ff858e2689c37f16d7acd4feb4109e05f522.zip"),
			CDKPath:   "CdkAsset/ZipFunction/Resource",
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Code (-want +got):\n%s", diff)
	}
}

// The contract with the SAM transform: Metadata.LocalRuntime.CodeUri as written, relative to
// the template's folder, and SAM's own Metadata.BuildMethod.
func TestFunctionCodeOfTheSAMTransform(t *testing.T) {
	m, err := template.Parse([]byte(`{"Resources": {"Fn": {"Type": "AWS::Lambda::Function",
	  "Metadata": {"BuildMethod": "go1.x", "LocalRuntime": {"CodeUri": "hello-world/"}},
	  "Properties": {"Handler": "bootstrap", "Runtime": "provided.al2023"}}}}`), template.Options{AssetDir: "/app"})
	if err != nil {
		t.Fatal(err)
	}
	want := template.Code{CodeURI: "/app/hello-world", BuildMethod: "go1.x"}
	if diff := cmp.Diff(want, m.Functions["Fn"].Code); diff != "" {
		t.Errorf("Code (-want +got):\n%s", diff)
	}
}
