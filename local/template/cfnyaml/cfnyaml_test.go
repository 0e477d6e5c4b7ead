package cfnyaml

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeShortForms(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want any
	}{
		{"Ref", `v: !Ref Table`, map[string]any{"Ref": "Table"}},
		{"Ref pseudo", `v: !Ref AWS::Region`, map[string]any{"Ref": "AWS::Region"}},
		{"GetAtt dotted", `v: !GetAtt Fn.Arn`, map[string]any{"Fn::GetAtt": []any{"Fn", "Arn"}}},
		{"GetAtt nested attribute", `v: !GetAtt Db.Endpoint.Address`, map[string]any{"Fn::GetAtt": []any{"Db", "Endpoint.Address"}}},
		{"GetAtt list", `v: !GetAtt [Fn, Arn]`, map[string]any{"Fn::GetAtt": []any{"Fn", "Arn"}}},
		{"GetAtt list with Ref", "v: !GetAtt\n  - Fn\n  - !Ref Attr", map[string]any{"Fn::GetAtt": []any{"Fn", map[string]any{"Ref": "Attr"}}}},
		{"Sub string", `v: !Sub "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/"`,
			map[string]any{"Fn::Sub": "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/"}},
		{"Sub list", "v: !Sub\n  - '${A}-${B}'\n  - B: !Ref X", map[string]any{"Fn::Sub": []any{"${A}-${B}", map[string]any{"B": map[string]any{"Ref": "X"}}}}},
		{"Join", `v: !Join [":", [a, !Ref B]]`, map[string]any{"Fn::Join": []any{":", []any{"a", map[string]any{"Ref": "B"}}}}},
		{"If", `v: !If [IsProd, 512, !Ref AWS::NoValue]`, map[string]any{"Fn::If": []any{"IsProd", json.Number("512"), map[string]any{"Ref": "AWS::NoValue"}}}},
		{"Select", `v: !Select [0, !GetAZs ""]`, map[string]any{"Fn::Select": []any{json.Number("0"), map[string]any{"Fn::GetAZs": ""}}}},
		{"Split", `v: !Split [",", !Ref List]`, map[string]any{"Fn::Split": []any{",", map[string]any{"Ref": "List"}}}},
		{"FindInMap", `v: !FindInMap [Map, !Ref AWS::Region, Size]`, map[string]any{"Fn::FindInMap": []any{"Map", map[string]any{"Ref": "AWS::Region"}, "Size"}}},
		{"Equals", `v: !Equals [!Ref Env, prod]`, map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "Env"}, "prod"}}},
		{"And Or Not Condition", `v: !And [!Condition A, !Or [!Not [!Condition B], !Equals [x, y]]]`,
			map[string]any{"Fn::And": []any{
				map[string]any{"Condition": "A"},
				map[string]any{"Fn::Or": []any{
					map[string]any{"Fn::Not": []any{map[string]any{"Condition": "B"}}},
					map[string]any{"Fn::Equals": []any{"x", "y"}},
				}},
			}}},
		{"ImportValue", `v: !ImportValue {"Fn::Sub": "${Net}-VpcId"}`, map[string]any{"Fn::ImportValue": map[string]any{"Fn::Sub": "${Net}-VpcId"}}},
		{"ImportValue name", `v: !ImportValue shared-vpc`, map[string]any{"Fn::ImportValue": "shared-vpc"}},
		{"GetAZs empty", `v: !GetAZs`, map[string]any{"Fn::GetAZs": ""}},
		{"GetAZs Ref", `v: !GetAZs {Ref: AWS::Region}`, map[string]any{"Fn::GetAZs": map[string]any{"Ref": "AWS::Region"}}},
		{"Base64 Sub block", "v: !Base64\n  Fn::Sub: |\n    echo ${X}\n", map[string]any{"Fn::Base64": map[string]any{"Fn::Sub": "echo ${X}\n"}}},
		{"Base64 literal", "v: !Base64 |\n  line\n", map[string]any{"Fn::Base64": "line\n"}},
		{"Cidr", `v: !Cidr [!GetAtt Vpc.CidrBlock, 6, 5]`, map[string]any{"Fn::Cidr": []any{map[string]any{"Fn::GetAtt": []any{"Vpc", "CidrBlock"}}, json.Number("6"), json.Number("5")}}},
		{"quoted number stays a string", `v: !Select ["1", [a, b]]`, map[string]any{"Fn::Select": []any{"1", []any{"a", "b"}}}},
		{"long form untouched", "v:\n  Fn::Join: ['', [a, !Ref B]]", map[string]any{"Fn::Join": []any{"", []any{"a", map[string]any{"Ref": "B"}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode([]byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(map[string]any{"v": tt.want}, got); diff != "" {
				t.Errorf("Decode(%q) mismatch (-want +got):\n%s", tt.yaml, diff)
			}
		})
	}
}

// TestDecodeCoversEveryTag keeps the table above in step with the tags Decode knows.
func TestDecodeCoversEveryTag(t *testing.T) {
	want := []string{"!And", "!Base64", "!Cidr", "!Condition", "!Equals", "!FindInMap", "!GetAZs", "!GetAtt",
		"!If", "!ImportValue", "!Join", "!Not", "!Or", "!Ref", "!Select", "!Split", "!Sub"}
	got := Tags()
	for _, tag := range want {
		if !slices.Contains(got, tag) {
			t.Errorf("Tags() lacks %s", tag)
		}
	}
}

func TestDecodeScalars(t *testing.T) {
	doc := `
AWSTemplateFormatVersion: 2010-09-09
Timeout: 5
Ratio: 0.5
Big: 12345678901234567890123
Quoted: "5"
On: true
Nothing: null
Empty:
Yes: yes
Base: &base {Runtime: go, Memory: 128}
Fn:
  <<: *base
  Memory: 256
`
	got, err := Decode([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"AWSTemplateFormatVersion": "2010-09-09",
		"Timeout":                  json.Number("5"),
		"Ratio":                    json.Number("0.5"),
		"Big":                      json.Number("12345678901234567890123"),
		"Quoted":                   "5",
		"On":                       true,
		"Nothing":                  nil,
		"Empty":                    nil,
		"Yes":                      "yes",
		"Base":                     map[string]any{"Runtime": "go", "Memory": json.Number("128")},
		"Fn":                       map[string]any{"Runtime": "go", "Memory": json.Number("256")},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestDecodeJSON(t *testing.T) {
	got, err := Decode([]byte(` {"Resources": {"T": {"Type": "X", "Properties": {"N": 256}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"Resources": map[string]any{"T": map[string]any{"Type": "X", "Properties": map[string]any{"N": json.Number("256")}}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct{ name, doc string }{
		{"bad JSON", `{"Resources": `},
		{"JSON trailing data", `{"a": 1} {"b": 2}`},
		{"bad YAML", "a: [1, 2"},
		{"unknown tag", "v: !Reff X"},
		{"GetAtt without dot", "v: !GetAtt Fn"},
		{"Ref of a list", "v: !Ref [a]"},
		{"duplicate key", "a: 1\na: 2"},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.doc))
			if !errors.Is(err, ErrSyntax) {
				t.Errorf("Decode(%q) = %v, want ErrSyntax", tt.doc, err)
			}
		})
	}
}

// TestDecodeRefusesAliasBombs: aliases that expand to billions of values are refused.
func TestDecodeRefusesAliasBombs(t *testing.T) {
	doc := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for _, name := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		doc += name + ": &" + name + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
			", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n"
		prev = name
	}
	if _, err := Decode([]byte(doc)); !errors.Is(err, ErrSyntax) {
		t.Fatalf("Decode(alias bomb) = %v, want ErrSyntax", err)
	}
	// A document just as deep with few aliases is fine, so the limit is on the expansion.
	if _, err := Decode([]byte("a: &a [x]\nb: &b [*a, *a]\nc: [*b]\n")); err != nil {
		t.Fatalf("Decode(small aliases) = %v", err)
	}
}
