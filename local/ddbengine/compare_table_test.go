package ddbengine

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
)

// ordered is one scalar type's test values in DynamoDB's order: S by UTF-8 bytes, N by
// numeric value, B by unsigned bytes. The orders are written out by hand, so the engine's
// comparisons and key encodings are checked against them, not against themselves.
type ordered struct {
	typ    string   // "S", "N" or "B"
	values []string // S: the string; N: the number; B: hex. "" (S and B) is not a key value.
	// aliases are other spellings of values[i]: a comparison must treat them as equal.
	aliases map[string]int
}

var comparisonTypes = []ordered{
	{typ: "S", values: []string{
		"", "0", "A", "Z", "a", "ab", "abc", "b",
		"é",      // C3 A9: above every ASCII byte
		"\uFFFD", // EF BF BD: in UTF-16 it would sort after the next one
		"😀",      // F0 9F 98 80
	}},
	{typ: "N", values: []string{
		"-9.9999999999999999999999999999999999999E+125",
		"-99999999999999999999999999999999999999",
		"-12345678901234567890123456789012345679", // equal as float64 to the next one
		"-12345678901234567890123456789012345678",
		"-10", "-2", "-1.5", "-1E-130", "0", "1E-130", "0.5", "1", "2", "10",
		"12345678901234567890123456789012345678",
		"12345678901234567890123456789012345679",
		"99999999999999999999999999999999999999",
		"9.9999999999999999999999999999999999999E+125",
	}, aliases: map[string]int{"1.0": 11, "10E-1": 11, "0.50": 10, "1E+1": 13, "-1.50": 6, "-0": 8}},
	{typ: "B", values: []string{
		"", "00", "0000", "0001", "01", "7f",
		"80", // above 7f unsigned, below it as signed bytes
		"8000", "ff", "ffff",
	}},
}

// av is s as an attribute value of type typ.
func (o ordered) av(t *testing.T, s string) types.AttributeValue {
	switch o.typ {
	case "S":
		return &types.AttributeValueMemberS{Value: s}
	case "N":
		return &types.AttributeValueMemberN{Value: s}
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return &types.AttributeValueMemberB{Value: b}
}

// rank is the position of operand s in values.
func (o ordered) rank(t *testing.T, s string) int {
	if i := slices.Index(o.values, s); i >= 0 {
		return i
	}
	if i, ok := o.aliases[s]; ok {
		return i
	}
	t.Fatalf("%s %q is not a test value", o.typ, s)
	return 0
}

// indexes returns the positions of values for which keep holds; keys leaves out the values
// that cannot be keys.
func (o ordered) indexes(keys bool, keep func(i int) bool) []int {
	out := []int{}
	for i, v := range o.values {
		if keep(i) && !(keys && v == "") {
			out = append(out, i)
		}
	}
	return out
}

// comparisonTable holds one item per value of o: pk "p" (or "e" for a value that cannot be a
// key), sk the value (the range key, of type o.typ), v the value, i its position.
type comparisonTable struct {
	c    *dynamodb.Client
	name string
	o    ordered
}

func newComparisonTable(t *testing.T, c *dynamodb.Client, o ordered) comparisonTable {
	t.Helper()
	ctx := context.Background()
	name := "cmp" + o.typ
	if _, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeType(o.typ)},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
	}); err != nil {
		t.Fatal(err)
	}
	for i, v := range o.values {
		pk, sk := "p", v
		if v == "" {
			pk, sk = "e", map[string]string{"S": "empty", "B": "00"}[o.typ]
		}
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: pk}, "sk": o.av(t, sk), "v": o.av(t, v),
			"i": &types.AttributeValueMemberN{Value: strconv.Itoa(i)},
		}}); err != nil {
			t.Fatalf("put %s %q: %v", o.typ, v, err)
		}
	}
	return comparisonTable{c: c, name: name, o: o}
}

// positions reads the i attribute of items.
func positions(t *testing.T, items []map[string]types.AttributeValue) []int {
	t.Helper()
	out := []int{}
	for _, it := range items {
		n, err := strconv.Atoi(it["i"].(*types.AttributeValueMemberN).Value)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// filter scans with a FilterExpression over v and returns the matching positions, sorted.
func (ct comparisonTable) filter(t *testing.T, expr string, operands ...types.AttributeValue) []int {
	t.Helper()
	values := map[string]types.AttributeValue{}
	for i, a := range operands {
		values[fmt.Sprintf(":a%d", i)] = a
	}
	in := &dynamodb.ScanInput{TableName: aws.String(ct.name), FilterExpression: aws.String(expr)}
	if len(values) > 0 {
		in.ExpressionAttributeValues = values
	}
	out, err := ct.c.Scan(context.Background(), in)
	if err != nil {
		t.Fatalf("Scan %s: %v", expr, err)
	}
	got := positions(t, out.Items)
	slices.Sort(got)
	return got
}

// legacy scans with a ScanFilter on v and returns the matching positions, sorted.
func (ct comparisonTable) legacy(t *testing.T, op types.ComparisonOperator, operands ...types.AttributeValue) []int {
	t.Helper()
	out, err := ct.c.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(ct.name),
		ScanFilter: map[string]types.Condition{"v": {ComparisonOperator: op, AttributeValueList: operands}}})
	if err != nil {
		t.Fatalf("Scan with ScanFilter %s: %v", op, err)
	}
	got := positions(t, out.Items)
	slices.Sort(got)
	return got
}

// query queries partition "p" with a condition on the range key sk and returns the positions
// in the order read.
func (ct comparisonTable) query(t *testing.T, cond string, forward bool, operands ...types.AttributeValue) []int {
	t.Helper()
	values := map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: "p"}}
	for i, a := range operands {
		values[fmt.Sprintf(":a%d", i)] = a
	}
	expr := "pk = :p"
	if cond != "" {
		expr += " AND " + cond
	}
	out, err := ct.c.Query(context.Background(), &dynamodb.QueryInput{TableName: aws.String(ct.name),
		KeyConditionExpression: aws.String(expr), ExpressionAttributeValues: values, ScanIndexForward: aws.Bool(forward)})
	if err != nil {
		t.Fatalf("Query %s: %v", expr, err)
	}
	return positions(t, out.Items)
}

// TestComparators checks =, <>, <, <=, >, >= and BETWEEN on S, N and B values, through a
// FilterExpression, a legacy ScanFilter and (except <>) a KeyConditionExpression on the range
// key, whose storage encoding must keep the same order.
func TestComparators(t *testing.T) {
	t.Parallel()
	_, c, _ := newTestEngine(t, Options{})
	comparators := []struct {
		expr   string
		legacy types.ComparisonOperator
		key    bool // allowed in a key condition
		keep   func(i, r int) bool
	}{
		{"=", types.ComparisonOperatorEq, true, func(i, r int) bool { return i == r }},
		{"<>", types.ComparisonOperatorNe, false, func(i, r int) bool { return i != r }},
		{"<", types.ComparisonOperatorLt, true, func(i, r int) bool { return i < r }},
		{"<=", types.ComparisonOperatorLe, true, func(i, r int) bool { return i <= r }},
		{">", types.ComparisonOperatorGt, true, func(i, r int) bool { return i > r }},
		{">=", types.ComparisonOperatorGe, true, func(i, r int) bool { return i >= r }},
	}
	for _, o := range comparisonTypes {
		t.Run(o.typ, func(t *testing.T) {
			ct := newComparisonTable(t, c, o)
			all := o.indexes(true, func(int) bool { return true })
			if diff := cmp.Diff(all, ct.query(t, "", true)); diff != "" {
				t.Errorf("Query forward: order (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(reversedInts(all), ct.query(t, "", false)); diff != "" {
				t.Errorf("Query backward: order (-want +got):\n%s", diff)
			}

			operands := slices.Clone(o.values)
			for a := range o.aliases {
				operands = append(operands, a)
			}
			slices.Sort(operands[len(o.values):])
			for _, x := range operands {
				r := o.rank(t, x)
				for _, cp := range comparators {
					keep := func(i int) bool { return cp.keep(i, r) }
					want := o.indexes(false, keep)
					if diff := cmp.Diff(want, ct.filter(t, "v "+cp.expr+" :a0", o.av(t, x))); diff != "" {
						t.Errorf("filter v %s %q (-want +got):\n%s", cp.expr, x, diff)
					}
					if diff := cmp.Diff(want, ct.legacy(t, cp.legacy, o.av(t, x))); diff != "" {
						t.Errorf("ScanFilter %s %q (-want +got):\n%s", cp.legacy, x, diff)
					}
					if !cp.key || x == "" {
						continue
					}
					want = o.indexes(true, keep)
					if diff := cmp.Diff(want, ct.query(t, "sk "+cp.expr+" :a0", true, o.av(t, x))); diff != "" {
						t.Errorf("key condition sk %s %q (-want +got):\n%s", cp.expr, x, diff)
					}
					if diff := cmp.Diff(reversedInts(want), ct.query(t, "sk "+cp.expr+" :a0", false, o.av(t, x))); diff != "" {
						t.Errorf("key condition sk %s %q, backward (-want +got):\n%s", cp.expr, x, diff)
					}
				}
			}

			for lo, a := range o.values {
				for _, b := range o.values[lo:] {
					hi := o.rank(t, b)
					keep := func(i int) bool { return lo <= i && i <= hi }
					want := o.indexes(false, keep)
					if diff := cmp.Diff(want, ct.filter(t, "v BETWEEN :a0 AND :a1", o.av(t, a), o.av(t, b))); diff != "" {
						t.Errorf("filter v BETWEEN %q AND %q (-want +got):\n%s", a, b, diff)
					}
					if diff := cmp.Diff(want, ct.legacy(t, types.ComparisonOperatorBetween, o.av(t, a), o.av(t, b))); diff != "" {
						t.Errorf("ScanFilter BETWEEN %q AND %q (-want +got):\n%s", a, b, diff)
					}
					if a == "" {
						continue
					}
					if diff := cmp.Diff(o.indexes(true, keep), ct.query(t, "sk BETWEEN :a0 AND :a1", true, o.av(t, a), o.av(t, b))); diff != "" {
						t.Errorf("key condition sk BETWEEN %q AND %q (-want +got):\n%s", a, b, diff)
					}
				}
			}
		})
	}
}

// TestComparisonAcrossTypes: a value never equals or orders against a value of another type,
// so every comparison but <> is false.
func TestComparisonAcrossTypes(t *testing.T) {
	t.Parallel()
	_, c, _ := newTestEngine(t, Options{})
	for _, o := range comparisonTypes {
		t.Run(o.typ, func(t *testing.T) {
			ct := newComparisonTable(t, c, o)
			all := o.indexes(false, func(int) bool { return true })
			others := map[string]types.AttributeValue{
				"S": &types.AttributeValueMemberS{Value: "1"},
				"N": &types.AttributeValueMemberN{Value: "1"},
				"B": &types.AttributeValueMemberB{Value: []byte{0x01}},
			}
			for typ, other := range others {
				if typ == o.typ {
					continue
				}
				tests := []struct {
					expr string
					want []int
				}{
					{"v = :a0", []int{}}, {"v <> :a0", all}, {"v < :a0", []int{}}, {"v <= :a0", []int{}},
					{"v > :a0", []int{}}, {"v >= :a0", []int{}}, {"v IN (:a0)", []int{}},
				}
				for _, tt := range tests {
					if diff := cmp.Diff(tt.want, ct.filter(t, tt.expr, other)); diff != "" {
						t.Errorf("%s with :a0 of type %s (-want +got):\n%s", tt.expr, typ, diff)
					}
				}
			}
		})
	}
}

// TestConditionFunctions checks IN and every function (begins_with, contains, attribute_type,
// attribute_exists, attribute_not_exists, size) on S, N and B values, through a
// FilterExpression, the legacy operator where there is one, and begins_with also as a key
// condition. Wants list values; a value's position is found in the type's list.
func TestConditionFunctions(t *testing.T) {
	t.Parallel()
	_, c, _ := newTestEngine(t, Options{})
	type check struct {
		expr     string
		operands []string // of the table's type unless the expression says otherwise
		legacy   types.ComparisonOperator
		want     []string
	}
	tests := map[string][]check{
		"S": {
			{"v IN (:a0, :a1)", []string{"a", "😀"}, types.ComparisonOperatorIn, []string{"a", "😀"}},
			{"v IN (:a0, :a1)", []string{"", "ab"}, types.ComparisonOperatorIn, []string{"", "ab"}},
			{"begins_with(v, :a0)", []string{"a"}, types.ComparisonOperatorBeginsWith, []string{"a", "ab", "abc"}},
			{"begins_with(v, :a0)", []string{"ab"}, types.ComparisonOperatorBeginsWith, []string{"ab", "abc"}},
			{"begins_with(v, :a0)", []string{"abcd"}, types.ComparisonOperatorBeginsWith, []string{}},
			{"begins_with(v, :a0)", []string{"A"}, types.ComparisonOperatorBeginsWith, []string{"A"}},
			{"begins_with(v, :a0)", []string{"é"}, types.ComparisonOperatorBeginsWith, []string{"é"}},
			{"contains(v, :a0)", []string{"b"}, types.ComparisonOperatorContains, []string{"ab", "abc", "b"}},
			{"contains(v, :a0)", []string{"bc"}, types.ComparisonOperatorContains, []string{"abc"}},
			{"contains(v, :a0)", []string{"z"}, types.ComparisonOperatorContains, []string{}},
		},
		"N": {
			{"v IN (:a0, :a1)", []string{"1.0", "-12345678901234567890123456789012345678"}, types.ComparisonOperatorIn,
				[]string{"-12345678901234567890123456789012345678", "1"}},
			{"v IN (:a0, :a1)", []string{"3", "4"}, types.ComparisonOperatorIn, []string{}},
		},
		"B": {
			{"v IN (:a0, :a1)", []string{"7f", "8000"}, types.ComparisonOperatorIn, []string{"7f", "8000"}},
			{"begins_with(v, :a0)", []string{"00"}, types.ComparisonOperatorBeginsWith, []string{"00", "0000", "0001"}},
			{"begins_with(v, :a0)", []string{"80"}, types.ComparisonOperatorBeginsWith, []string{"80", "8000"}},
			{"begins_with(v, :a0)", []string{"ff"}, types.ComparisonOperatorBeginsWith, []string{"ff", "ffff"}},
			{"begins_with(v, :a0)", []string{"7fff"}, types.ComparisonOperatorBeginsWith, []string{}},
			{"contains(v, :a0)", []string{"00"}, types.ComparisonOperatorContains, []string{"00", "0000", "0001", "8000"}},
			{"contains(v, :a0)", []string{"0080"}, types.ComparisonOperatorContains, []string{}},
		},
	}
	// size counts characters of S and bytes of B. The S cases stay within ASCII (v < "é"), where
	// characters and bytes agree.
	sizes := map[string][]check{
		"S": {
			{"size(v) = :n AND v < :e", []string{"0"}, "", []string{""}},
			{"size(v) = :n AND v < :e", []string{"1"}, "", []string{"0", "A", "Z", "a", "b"}},
			{"size(v) > :n AND v < :e", []string{"1"}, "", []string{"ab", "abc"}},
		},
		"N": {{"size(v) >= :n", []string{"0"}, "", []string{}}}, // numbers have no size
		"B": {
			{"size(v) = :n", []string{"0"}, "", []string{""}},
			{"size(v) = :n", []string{"2"}, "", []string{"0000", "0001", "8000", "ffff"}},
			{"size(v) < :n", []string{"2"}, "", []string{"", "00", "01", "7f", "80", "ff"}},
		},
	}
	for _, o := range comparisonTypes {
		t.Run(o.typ, func(t *testing.T) {
			ct := newComparisonTable(t, c, o)
			wantOf := func(values []string) []int {
				out := []int{}
				for _, v := range values {
					out = append(out, o.rank(t, v))
				}
				slices.Sort(out)
				return out
			}
			all := o.indexes(false, func(int) bool { return true })
			for _, tt := range tests[o.typ] {
				var operands []types.AttributeValue
				for _, s := range tt.operands {
					operands = append(operands, o.av(t, s))
				}
				want := wantOf(tt.want)
				if diff := cmp.Diff(want, ct.filter(t, tt.expr, operands...)); diff != "" {
					t.Errorf("filter %s %q (-want +got):\n%s", tt.expr, tt.operands, diff)
				}
				if diff := cmp.Diff(want, ct.legacy(t, tt.legacy, operands...)); diff != "" {
					t.Errorf("ScanFilter %s %q (-want +got):\n%s", tt.legacy, tt.operands, diff)
				}
				switch tt.legacy {
				case types.ComparisonOperatorContains:
					notWant := o.indexes(false, func(i int) bool { return !slices.Contains(want, i) })
					if diff := cmp.Diff(notWant, ct.legacy(t, types.ComparisonOperatorNotContains, operands...)); diff != "" {
						t.Errorf("ScanFilter NOT_CONTAINS %q (-want +got):\n%s", tt.operands, diff)
					}
				case types.ComparisonOperatorBeginsWith:
					keyWant := o.indexes(true, func(i int) bool { return slices.Contains(want, i) })
					if diff := cmp.Diff(keyWant, ct.query(t, "begins_with(sk, :a0)", true, operands...)); diff != "" {
						t.Errorf("key condition begins_with(sk, %q) (-want +got):\n%s", tt.operands, diff)
					}
				}
			}
			for _, tt := range sizes[o.typ] {
				values := map[string]types.AttributeValue{":n": &types.AttributeValueMemberN{Value: tt.operands[0]}}
				if strings.Contains(tt.expr, ":e") {
					values[":e"] = &types.AttributeValueMemberS{Value: "é"}
				}
				out, err := ct.c.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(ct.name),
					FilterExpression: aws.String(tt.expr), ExpressionAttributeValues: values})
				if err != nil {
					t.Fatalf("Scan %s: %v", tt.expr, err)
				}
				got := positions(t, out.Items)
				slices.Sort(got)
				if diff := cmp.Diff(wantOf(tt.want), got); diff != "" {
					t.Errorf("filter %s with %s (-want +got):\n%s", tt.expr, tt.operands[0], diff)
				}
			}
			for _, typ := range []string{"S", "N", "B"} {
				want := []int{}
				if typ == o.typ {
					want = all
				}
				if diff := cmp.Diff(want, ct.filter(t, "attribute_type(v, :a0)", &types.AttributeValueMemberS{Value: typ})); diff != "" {
					t.Errorf("attribute_type(v, %s) (-want +got):\n%s", typ, diff)
				}
			}
			existence := []struct {
				expr   string
				legacy types.ComparisonOperator
				want   []int
			}{
				{"attribute_exists(v)", types.ComparisonOperatorNotNull, all},
				{"attribute_not_exists(v)", types.ComparisonOperatorNull, []int{}},
			}
			for _, tt := range existence {
				if diff := cmp.Diff(tt.want, ct.filter(t, tt.expr)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", tt.expr, diff)
				}
				if diff := cmp.Diff(tt.want, ct.legacy(t, tt.legacy)); diff != "" {
					t.Errorf("ScanFilter %s (-want +got):\n%s", tt.legacy, diff)
				}
			}
			if diff := cmp.Diff(all, ct.filter(t, "attribute_not_exists(nope)")); diff != "" {
				t.Errorf("attribute_not_exists of an absent attribute (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]int{}, ct.filter(t, "attribute_exists(nope)")); diff != "" {
				t.Errorf("attribute_exists of an absent attribute (-want +got):\n%s", diff)
			}
		})
	}
}

func reversedInts(s []int) []int {
	r := slices.Clone(s)
	slices.Reverse(r)
	return r
}
