package ddbengine

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Request validation in DynamoDB's order: first every member's JSON type (SerializationException),
// then required members and table names, then member constraints (up to ten, reported together),
// then the operation's own checks. This mirrors the service's Coral validation layer.

type spec struct {
	typ      string // Boolean Integer Long String Blob List PList PMap Map Struct Field AttrValue AttrField
	sub      string // class name used in collection error messages
	fields   []field
	elem     *spec
	required bool
	table    bool
	cons     []constraint
}

type field struct {
	name string
	spec *spec
}

type constraint struct {
	kind string // notNull regex lenGte lenLte gte lte enum valuesLen
	n    float64
	hi   float64 // upper bound of valuesLen
	s    string
	enum []string
	re   *regexp.Regexp
}

func notNull() constraint         { return constraint{kind: "notNull"} }
func lenGte(n int) constraint     { return constraint{kind: "lenGte", n: float64(n)} }
func lenLte(n int) constraint     { return constraint{kind: "lenLte", n: float64(n)} }
func gte(n float64) constraint    { return constraint{kind: "gte", n: n} }
func lte(n float64) constraint    { return constraint{kind: "lte", n: n} }
func enum(v ...string) constraint { return constraint{kind: "enum", enum: v} }

// tableKeys requires every key of a map to be a table name (the batch operations' RequestItems):
// DynamoDB reports each offending key as one "Map keys must satisfy constraint" error.
func tableKeys() constraint {
	return constraint{kind: "mapKeys", s: tableRegex, re: regexp.MustCompile("^(?:" + tableRegex + ")$")}
}

// valuesLen bounds the length of every value of a map (BatchWriteItem's per-table lists).
func valuesLen(lo, hi int) constraint {
	return constraint{kind: "valuesLen", n: float64(lo), hi: float64(hi)}
}
func regex(pat string) constraint {
	return constraint{kind: "regex", s: pat, re: regexp.MustCompile("^(?:" + pat + ")$")}
}
func str(c ...constraint) *spec     { return &spec{typ: "String", cons: c} }
func boolean() *spec                { return &spec{typ: "Boolean"} }
func integer(c ...constraint) *spec { return &spec{typ: "Integer", cons: c} }
func long(c ...constraint) *spec    { return &spec{typ: "Long", cons: c} }
func list(elem *spec, c ...constraint) *spec {
	return &spec{typ: "List", elem: elem, cons: c}
}
func strct(sub string, fields ...field) *spec { return &spec{typ: "Struct", sub: sub, fields: fields} }
func fstruct(sub string, c []constraint, fields ...field) *spec {
	return &spec{typ: "Field", sub: sub, fields: fields, cons: c}
}
func mapOf(sub string, elem *spec, c ...constraint) *spec {
	return &spec{typ: "Map", sub: sub, elem: elem, cons: c}
}
func f(name string, s *spec) field { return field{name, s} }

var (
	attrValue   = &spec{typ: "AttrValue"}
	attrField   = &spec{typ: "AttrField"}
	attrMap     = func(c ...constraint) *spec { return mapOf("AttributeValue", attrValue, c...) }
	tableRegex  = "[a-zA-Z0-9_.-]+"
	tableNameOp = func() *spec {
		return str(notNull(), regex(tableRegex), lenGte(3), lenLte(255))
	}
	tableNameReq = func() *spec {
		s := str(regex(tableRegex))
		s.required, s.table = true, true
		return s
	}
	returnConsumed = str(enum("INDEXES", "TOTAL", "NONE"))
	returnMetrics  = str(enum("SIZE", "NONE"))
	returnValues   = str(enum("ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"))
	condOps        = []string{"IN", "NULL", "BETWEEN", "LT", "NOT_CONTAINS", "EQ", "GT", "NOT_NULL", "NE", "LE", "BEGINS_WITH", "GE", "CONTAINS"}
	expected       = mapOf("ExpectedAttributeValue", strct("ExpectedAttributeValue",
		f("AttributeValueList", list(attrValue)),
		f("ComparisonOperator", str(enum(condOps...))),
		f("Exists", boolean()),
		f("Value", attrField)))
	conditionMap = func(sub string) *spec {
		return mapOf(sub, strct(sub,
			f("AttributeValueList", list(attrValue)),
			f("ComparisonOperator", str(notNull(), enum(condOps...)))))
	}
	// tagSpec carries DynamoDB's tag limits: keys of 1 to 128 characters, values up to 256.
	tagSpec = strct("Tag",
		f("Key", str(notNull(), lenGte(1), lenLte(128))),
		f("Value", str(notNull(), lenLte(256))))
	exprNames  = mapOf("java.lang.String", str())
	exprValues = attrMap()
)

func typeError(msg string) *apiError {
	return &apiError{typ: "com.amazon.coral.service#SerializationException", msg: msg, upperMessage: true}
}

func jsType(v *jval) string {
	switch v.k {
	case jBool:
		if v.b {
			return "TRUE_VALUE"
		}
		return "FALSE_VALUE"
	case jNum:
		if v.n == math.Trunc(v.n) {
			return "NUMBER_VALUE"
		}
		return "DECIMAL_VALUE"
	}
	return ""
}

var avSpec = func() *spec {
	s := &spec{typ: "Struct", sub: "AttributeValue"}
	lst := func(e *spec) *spec { return &spec{typ: "List", elem: e} }
	s.fields = []field{
		{"S", str()}, {"B", &spec{typ: "Blob"}}, {"N", str()}, {"BOOL", boolean()}, {"NULL", boolean()},
		{"BS", lst(&spec{typ: "Blob"})}, {"NS", lst(str())}, {"SS", lst(str())},
		{"L", lst(attrValue)}, {"M", mapOf("AttributeValue", attrValue)},
	}
	return s
}()

// checkTypes drops unknown and null members and checks JSON types, converting as Coral does.
func checkTypes(v *jval, fields []field) (*jval, *apiError) {
	out := &jval{k: jObj}
	for _, fl := range fields {
		m := v.get(fl.name)
		if m == nil || m.k == jNull {
			continue
		}
		c, err := checkType(m, fl.spec)
		if err != nil {
			return nil, err
		}
		if c != nil {
			out.obj = append(out.obj, jfield{fl.name, c})
		}
	}
	return out, nil
}

func checkType(v *jval, s *spec) (*jval, *apiError) {
	if v == nil || v.k == jNull {
		return nil, nil
	}
	switch s.typ {
	case "AttrValue", "AttrField":
		switch v.k {
		case jBool, jNum, jStr:
			if s.typ == "AttrValue" {
				return nil, typeError("Unexpected value type in payload")
			}
			return nil, typeError("Unexpected field type")
		case jArr:
			return nil, typeError("Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue")
		}
		return checkTypes(v, avSpec.fields)
	case "Boolean":
		switch v.k {
		case jNum:
			return nil, typeError(jsType(v) + " cannot be converted to Boolean")
		case jStr:
			switch strings.ToUpper(v.s) {
			case "TRUE", "1", "YES":
				return &jval{k: jBool, b: true}, nil
			case "FALSE", "0", "NO":
				return &jval{k: jBool}, nil
			}
			return nil, typeError("Unexpected token received from parser")
		case jArr:
			return nil, typeError("Unrecognized collection type class java.lang.Boolean")
		case jObj:
			return nil, typeError("Start of structure or map found where not expected")
		}
		return v, nil
	case "Integer", "Long":
		switch v.k {
		case jBool:
			return nil, typeError(jsType(v) + " cannot be converted to " + s.typ)
		case jStr:
			return nil, typeError("STRING_VALUE cannot be converted to " + s.typ)
		case jArr:
			return nil, typeError("Unrecognized collection type class java.lang." + s.typ)
		case jObj:
			return nil, typeError("Start of structure or map found where not expected")
		}
		n := math.Floor(v.n)
		return &jval{k: jNum, n: n, s: strconv.FormatFloat(n, 'f', -1, 64)}, nil
	case "String":
		switch v.k {
		case jBool, jNum:
			return nil, typeError(jsType(v) + " cannot be converted to String")
		case jArr:
			return nil, typeError("Unrecognized collection type class java.lang.String")
		case jObj:
			return nil, typeError("Start of structure or map found where not expected")
		}
		return v, nil
	case "Blob":
		switch v.k {
		case jBool, jNum:
			return nil, typeError("only base-64-encoded strings are convertible to bytes")
		case jArr:
			return nil, typeError("Unrecognized collection type class java.nio.ByteBuffer")
		case jObj:
			return nil, typeError("Start of structure or map found where not expected")
		}
		if len(v.s)%4 != 0 {
			return nil, typeError("Base64 encoded length is expected a multiple of 4 bytes but found: " + strconv.Itoa(len(v.s)))
		}
		if b64Canonical(v.s) != v.s {
			return nil, typeError("Invalid last non-pad Base64 character dectected")
		}
		return v, nil
	case "List", "PList":
		switch v.k {
		case jBool, jNum, jStr:
			if s.typ == "PList" {
				return nil, typeError("class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast to class java.lang.Class (sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl and java.lang.Class are in module java.base of loader 'bootstrap')")
			}
			return nil, typeError("Unexpected field type")
		case jObj:
			return nil, typeError("Start of structure or map found where not expected")
		}
		out := &jval{k: jArr, arr: make([]*jval, len(v.arr))}
		for i, e := range v.arr {
			c, err := checkType(e, s.elem)
			if err != nil {
				return nil, err
			}
			out.arr[i] = c
		}
		return out, nil
	case "Map", "PMap":
		switch v.k {
		case jBool, jNum, jStr:
			if s.typ == "PMap" {
				return nil, typeError("class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast to class java.lang.Class (sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl and java.lang.Class are in module java.base of loader 'bootstrap')")
			}
			return nil, typeError("Unexpected field type")
		case jArr:
			sub := s.sub
			if !strings.Contains(sub, ".") {
				sub = "com.amazonaws.dynamodb.v20120810." + sub
			}
			return nil, typeError("Unrecognized collection type java.util.Map<java.lang.String, " + sub + ">")
		}
		out := &jval{k: jObj, obj: make([]jfield, 0, len(v.obj))}
		for _, fl := range v.obj {
			c, err := checkType(fl.val, s.elem)
			if err != nil {
				return nil, err
			}
			out.obj = append(out.obj, jfield{fl.key, c})
		}
		return out, nil
	case "Struct", "Field":
		switch v.k {
		case jBool, jNum, jStr:
			if s.typ == "Struct" {
				return nil, typeError("Unexpected value type in payload")
			}
			return nil, typeError("Unexpected field type")
		case jArr:
			return nil, typeError("Unrecognized collection type class com.amazonaws.dynamodb.v20120810." + s.sub)
		}
		return checkTypes(v, s.fields)
	}
	return v, nil
}

func b64Canonical(s string) string {
	b := b64(s)
	return b64enc(b)
}

// checkValidations applies required/table-name checks, then member constraints.
func checkValidations(data *jval, fields []field) *apiError {
	for _, fl := range fields {
		m := data.get(fl.name)
		if fl.spec.required && m.isNull() {
			return validationErr("The parameter '" + fl.name + "' is required but was not present in the request")
		}
		if fl.spec.table && !m.isNull() && (len(m.s) < 3 || len(m.s) > 255) {
			return validationErr(fl.name + " must be at least 3 characters long and at most 255 characters long")
		}
	}
	var errs []string
	for _, fl := range fields {
		checkConstraints(fl.name, data.get(fl.name), fl.spec, "", &errs)
	}
	if len(errs) > 0 {
		s := ""
		if len(errs) > 1 {
			s = "s"
		}
		return validationErr(strconv.Itoa(len(errs)) + " validation error" + s + " detected: " + strings.Join(errs, "; "))
	}
	return nil
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func checkConstraints(attr string, v *jval, s *spec, parent string, errs *[]string) {
	if s == nil {
		return
	}
	prefix := parent
	if prefix != "" {
		prefix += "."
	}
	for _, c := range s.cons {
		if len(*errs) >= 10 {
			return
		}
		if c.kind != "notNull" && v.isNull() {
			continue
		}
		if c.kind == "mapKeys" {
			for _, fl := range v.obj {
				if len(fl.key) >= 3 && len(fl.key) <= 255 && c.re.MatchString(fl.key) {
					continue
				}
				if len(*errs) >= 10 {
					return
				}
				*errs = append(*errs, "Value '"+valueStr(v)+"' at '"+prefix+lowerFirst(attr)+"' failed to satisfy constraint: "+c.message())
			}
			continue
		}
		if c.kind == "valuesLen" {
			// One error per offending entry, each quoting the whole map, as DynamoDB (and
			// dynalite) report it; the bounds are listed upper first.
			for _, fl := range v.obj {
				if n := len(fl.val.arrOrNil()); !fl.val.isNull() && n >= int(c.n) && n <= int(c.hi) {
					continue
				}
				if len(*errs) >= 10 {
					return
				}
				*errs = append(*errs, "Value '"+valueStr(v)+"' at '"+prefix+lowerFirst(attr)+"' failed to satisfy constraint: "+c.message())
			}
			continue
		}
		if !c.holds(v) {
			val := "null"
			if !v.isNull() {
				val = "'" + valueStr(v) + "'"
			}
			*errs = append(*errs, "Value "+val+" at '"+prefix+lowerFirst(attr)+"' failed to satisfy constraint: "+c.message())
		}
	}
	if v.isNull() {
		return
	}
	// Members with nothing to check are skipped before their paths are built: an item's
	// attribute values would otherwise cost a string per attribute on every request.
	switch s.typ {
	case "List", "PList":
		if s.elem.inert() {
			return
		}
		path := prefix + lowerFirst(attr) + "."
		for i, e := range v.arr {
			checkConstraints("member", e, s.elem, path+strconv.Itoa(i+1), errs)
		}
	case "Map", "PMap":
		if s.elem.inert() {
			return
		}
		path := prefix + lowerFirst(attr) + "."
		for _, fl := range v.obj {
			checkConstraints("member", fl.val, s.elem, path+fl.key, errs)
		}
	case "Struct", "Field":
		path := prefix + lowerFirst(attr)
		for _, fl := range s.fields {
			checkConstraints(fl.name, v.get(fl.name), fl.spec, path, errs)
		}
	}
}

// inert reports whether checking a value against s can never report anything.
func (s *spec) inert() bool {
	return s == nil || (len(s.cons) == 0 && s.elem == nil && len(s.fields) == 0)
}

// holds reports whether v (not null, except for notNull) satisfies c; valuesLen is checked
// by checkConstraints itself.
func (c constraint) holds(v *jval) bool {
	switch c.kind {
	case "notNull":
		return !v.isNull()
	case "gte":
		return v.n >= c.n
	case "lte":
		return v.n <= c.n
	case "regex":
		return c.re.MatchString(v.s)
	case "lenGte", "lenLte":
		n := len(v.s)
		switch v.k {
		case jArr:
			n = len(v.arr)
		case jObj:
			n = len(v.obj)
		}
		if c.kind == "lenGte" {
			return float64(n) >= c.n
		}
		return float64(n) <= c.n
	case "enum":
		return slices.Contains(c.enum, v.s)
	}
	return true
}

// message is DynamoDB's wording of c, built only when a value breaks it.
func (c constraint) message() string {
	switch c.kind {
	case "notNull":
		return "Member must not be null"
	case "gte":
		return "Member must have value greater than or equal to " + fmtNum(c.n)
	case "lte":
		return "Member must have value less than or equal to " + fmtNum(c.n)
	case "regex":
		return "Member must satisfy regular expression pattern: " + c.s
	case "lenGte":
		return "Member must have length greater than or equal to " + fmtNum(c.n)
	case "lenLte":
		return "Member must have length less than or equal to " + fmtNum(c.n)
	case "mapKeys":
		return "Map keys must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 3, Member must satisfy regular expression pattern: " + c.s + "]"
	case "valuesLen":
		return "Map value must satisfy constraint: [Member must have length less than or equal to " + fmtNum(c.hi) + ", Member must have length greater than or equal to " + fmtNum(c.n) + "]"
	case "enum":
		return "Member must satisfy enum value set: [" + strings.Join(c.enum, ", ") + "]"
	}
	return ""
}

func fmtNum(n float64) string { return strconv.FormatFloat(n, 'f', -1, 64) }

func valueStr(v *jval) string {
	switch v.k {
	case jNull:
		return "null"
	case jArr:
		parts := make([]string, len(v.arr))
		for i, e := range v.arr {
			parts[i] = valueStr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case jObj:
		return string(v.appendTo(nil))
	case jNum:
		return fmtNum(v.n)
	case jBool:
		return strconv.FormatBool(v.b)
	}
	return v.s
}

// Operation request specs, member order as DynamoDB validates them.
var opSpecs = map[string][]field{
	"GetItem": {
		f("ReturnConsumedCapacity", returnConsumed),
		f("AttributesToGet", list(str(), lenGte(1), lenLte(255))),
		f("TableName", tableNameOp()),
		f("Key", attrMap(notNull())),
		f("ConsistentRead", boolean()),
		f("ProjectionExpression", str()),
		f("ExpressionAttributeNames", exprNames),
	},
	"PutItem": {
		f("ReturnConsumedCapacity", returnConsumed),
		f("TableName", tableNameOp()),
		f("Item", attrMap(notNull())),
		f("ConditionalOperator", str(enum("OR", "AND"))),
		f("Expected", expected),
		f("ReturnValues", returnValues),
		f("ReturnItemCollectionMetrics", returnMetrics),
		f("ConditionExpression", str()),
		f("ExpressionAttributeValues", exprValues),
		f("ExpressionAttributeNames", exprNames),
		f("ReturnValuesOnConditionCheckFailure", str(enum("ALL_OLD", "NONE"))),
	},
	"DeleteItem": {
		f("ReturnConsumedCapacity", returnConsumed),
		f("TableName", tableNameOp()),
		f("ReturnValues", returnValues),
		f("ReturnItemCollectionMetrics", returnMetrics),
		f("Key", attrMap(notNull())),
		f("ConditionalOperator", str(enum("OR", "AND"))),
		f("Expected", expected),
		f("ConditionExpression", str()),
		f("ExpressionAttributeValues", exprValues),
		f("ExpressionAttributeNames", exprNames),
		f("ReturnValuesOnConditionCheckFailure", str(enum("ALL_OLD", "NONE"))),
	},
	"UpdateItem": {
		f("ReturnConsumedCapacity", returnConsumed),
		f("TableName", tableNameOp()),
		f("ReturnItemCollectionMetrics", returnMetrics),
		f("ReturnValues", returnValues),
		f("Key", attrMap(notNull())),
		f("ConditionalOperator", str(enum("OR", "AND"))),
		f("Expected", expected),
		f("AttributeUpdates", mapOf("AttributeValueUpdate", strct("AttributeValueUpdate",
			f("Action", str()), f("Value", attrField)))),
		f("ConditionExpression", str()),
		f("UpdateExpression", str()),
		f("ExpressionAttributeValues", exprValues),
		f("ExpressionAttributeNames", exprNames),
		f("ReturnValuesOnConditionCheckFailure", str(enum("ALL_OLD", "NONE"))),
	},
	"Query": {
		f("Select", str(enum("SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"))),
		f("IndexName", str(regex(tableRegex), lenGte(3), lenLte(255))),
		f("ReturnConsumedCapacity", returnConsumed),
		f("QueryFilter", conditionMap("Condition")),
		f("TableName", tableNameOp()),
		f("ConditionalOperator", str(enum("OR", "AND"))),
		f("KeyConditions", conditionMap("Condition")),
		f("Limit", integer(gte(1))),
		f("AttributesToGet", list(str(), lenGte(1), lenLte(255))),
		f("ExclusiveStartKey", attrMap()),
		f("ConsistentRead", boolean()),
		f("ScanIndexForward", boolean()),
		f("KeyConditionExpression", str()),
		f("FilterExpression", str()),
		f("ProjectionExpression", str()),
		f("ExpressionAttributeValues", exprValues),
		f("ExpressionAttributeNames", exprNames),
	},
	"Scan": {
		f("Select", str(enum("SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"))),
		f("IndexName", str(regex(tableRegex), lenGte(3), lenLte(255))),
		f("TotalSegments", integer(gte(1))),
		f("ReturnConsumedCapacity", returnConsumed),
		f("TableName", tableNameOp()),
		f("ConditionalOperator", str(enum("OR", "AND"))),
		f("ScanFilter", conditionMap("Condition")),
		f("Segment", integer(gte(0))),
		f("Limit", integer(gte(1))),
		f("AttributesToGet", list(str(), lenGte(1), lenLte(255))),
		f("ExclusiveStartKey", attrMap()),
		f("ConsistentRead", boolean()),
		f("FilterExpression", str()),
		f("ProjectionExpression", str()),
		f("ExpressionAttributeValues", exprValues),
		f("ExpressionAttributeNames", exprNames),
	},
	"BatchGetItem": {
		f("ReturnConsumedCapacity", returnConsumed),
		f("RequestItems", mapOf("KeysAndAttributes", strct("KeysAndAttributes",
			f("Keys", list(&spec{typ: "PMap", sub: "AttributeValue", elem: attrValue}, notNull(), lenGte(1), lenLte(100))),
			f("AttributesToGet", list(str(), lenGte(1), lenLte(255))),
			f("ConsistentRead", boolean()),
			f("ProjectionExpression", str()),
			f("ExpressionAttributeNames", exprNames),
		), notNull(), lenGte(1), tableKeys())),
	},
	"BatchWriteItem": {
		f("ReturnConsumedCapacity", returnConsumed),
		f("ReturnItemCollectionMetrics", returnMetrics),
		f("RequestItems", mapOf("java.util.List<com.amazonaws.dynamodb.v20120810.WriteRequest>",
			&spec{typ: "PList", elem: strct("WriteRequest",
				f("DeleteRequest", fstruct("DeleteRequest", nil, f("Key", attrMap(notNull())))),
				f("PutRequest", fstruct("PutRequest", nil, f("Item", attrMap(notNull())))),
			)}, notNull(), lenGte(1), tableKeys(), valuesLen(1, 25))),
	},
	"CreateTable": {
		f("AttributeDefinitions", list(strct("AttributeDefinition",
			f("AttributeName", str(notNull())),
			f("AttributeType", str(notNull(), enum("B", "N", "S")))), notNull())),
		f("TableName", tableNameReq()),
		f("BillingMode", str(enum("PROVISIONED", "PAY_PER_REQUEST"))),
		f("ProvisionedThroughput", provisionedSpec()),
		f("KeySchema", list(keySchemaSpec(true), notNull(), lenGte(1), lenLte(2))),
		f("LocalSecondaryIndexes", list(strct("LocalSecondaryIndex", indexFields(false)...))),
		f("GlobalSecondaryIndexes", list(strct("GlobalSecondaryIndex", indexFields(true)...))),
		f("StreamSpecification", fstruct("StreamSpecification", nil,
			f("StreamEnabled", boolean()),
			f("StreamViewType", str(enum("NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"))))),
		f("Tags", list(tagSpec)),
		f("SSESpecification", fstruct("SSESpecification", nil, f("Enabled", boolean()), f("SSEType", str()), f("KMSMasterKeyId", str()))),
		f("TableClass", str()),
		f("DeletionProtectionEnabled", boolean()),
	},
	"DescribeTable":      {f("TableName", tableNameReq())},
	"DeleteTable":        {f("TableName", tableNameReq())},
	"DescribeTimeToLive": {f("TableName", tableNameReq())},
	"ListTables": {
		f("Limit", integer(gte(1), lte(100))),
		f("ExclusiveStartTableName", str(regex(tableRegex), lenGte(3), lenLte(255))),
	},
	"UpdateTimeToLive": {
		f("TableName", tableNameReq()),
		f("TimeToLiveSpecification", fstruct("TimeToLiveSpecification", []constraint{notNull()},
			f("Enabled", &spec{typ: "Boolean", cons: []constraint{notNull()}}),
			f("AttributeName", str(notNull(), lenGte(1), lenLte(255))))),
	},
	"TagResource":        {f("ResourceArn", str()), f("Tags", list(tagSpec))},
	"UntagResource":      {f("ResourceArn", str()), f("TagKeys", list(str(lenGte(1), lenLte(128))))},
	"ListTagsOfResource": {f("ResourceArn", str()), f("NextToken", str())},
	"UpdateTable": {
		f("AttributeDefinitions", list(strct("AttributeDefinition",
			f("AttributeName", str(notNull())),
			f("AttributeType", str(notNull(), enum("B", "N", "S")))))),
		f("TableName", tableNameReq()),
		f("BillingMode", str(enum("PROVISIONED", "PAY_PER_REQUEST"))),
		f("ProvisionedThroughput", provisionedSpec()),
		f("GlobalSecondaryIndexUpdates", list(strct("GlobalSecondaryIndexUpdate",
			f("Update", fstruct("UpdateGlobalSecondaryIndexAction", nil,
				f("IndexName", str(notNull(), regex(tableRegex), lenGte(3), lenLte(255))),
				f("ProvisionedThroughput", provisionedSpec()))),
			f("Create", fstruct("CreateGlobalSecondaryIndexAction", nil, indexFields(true)...)),
			f("Delete", fstruct("DeleteGlobalSecondaryIndexAction", nil,
				f("IndexName", str(notNull(), regex(tableRegex), lenGte(3), lenLte(255)))))))),
		f("StreamSpecification", fstruct("StreamSpecification", nil,
			f("StreamEnabled", boolean()),
			f("StreamViewType", str(enum("NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"))))),
		f("DeletionProtectionEnabled", boolean()),
	},
	"TransactWriteItems": {
		f("TransactItems", list(strct("TransactWriteItem",
			f("ConditionCheck", fstruct("ConditionCheck", nil, transactFields(true, false)...)),
			f("Put", fstruct("Put", nil, transactFields(false, false)...)),
			f("Delete", fstruct("Delete", nil, transactFields(true, false)...)),
			f("Update", fstruct("Update", nil, transactFields(true, true)...)),
		), notNull(), lenGte(1), lenLte(100))),
		f("ReturnConsumedCapacity", returnConsumed),
		f("ReturnItemCollectionMetrics", returnMetrics),
		f("ClientRequestToken", str(lenGte(1), lenLte(36))),
	},
	"TransactGetItems": {
		f("TransactItems", list(strct("TransactGetItem",
			f("Get", fstruct("Get", []constraint{notNull()},
				f("Key", attrMap(notNull())),
				f("TableName", tableNameOp()),
				f("ProjectionExpression", str()),
				f("ExpressionAttributeNames", exprNames))),
		), notNull(), lenGte(1), lenLte(100))),
		f("ReturnConsumedCapacity", returnConsumed),
	},
}

func provisionedSpec() *spec {
	return fstruct("ProvisionedThroughput", nil,
		f("WriteCapacityUnits", long(notNull(), gte(1))),
		f("ReadCapacityUnits", long(notNull(), gte(1))))
}

func keySchemaSpec(withEnum bool) *spec {
	kt := str(notNull())
	if withEnum {
		kt = str(notNull(), enum("HASH", "RANGE"))
	}
	return strct("KeySchemaElement", f("AttributeName", str(notNull())), f("KeyType", kt))
}

func indexFields(global bool) []field {
	fs := []field{
		f("IndexName", str(notNull(), regex(tableRegex), lenGte(3), lenLte(255))),
		f("KeySchema", list(keySchemaSpec(false), notNull(), lenGte(1), lenLte(2))),
		f("Projection", fstruct("Projection", []constraint{notNull()},
			f("ProjectionType", str(enum("ALL", "INCLUDE", "KEYS_ONLY"))),
			f("NonKeyAttributes", list(str(), lenGte(1))))),
	}
	if global {
		fs = append(fs, f("ProvisionedThroughput", provisionedSpec()))
	}
	return fs
}

func transactFields(key, update bool) []field {
	fs := []field{}
	if key {
		fs = append(fs, f("Key", attrMap(notNull())))
	} else {
		fs = append(fs, f("Item", attrMap(notNull())))
	}
	if update {
		fs = append(fs, f("UpdateExpression", str(notNull())))
	}
	fs = append(fs,
		f("TableName", tableNameOp()),
		f("ConditionExpression", str()),
		f("ExpressionAttributeNames", exprNames),
		f("ExpressionAttributeValues", exprValues),
		f("ReturnValuesOnConditionCheckFailure", str(enum("ALL_OLD", "NONE"))))
	return fs
}
