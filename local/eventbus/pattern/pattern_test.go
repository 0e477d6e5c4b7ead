package pattern_test

import (
	"errors"
	"testing"

	"github.com/microshop/microshop/local/eventbus/pattern"
)

// Events from the EventBridge user guide's pattern pages ("Creating event patterns",
// "Content filtering", "Comparison operators", "Arrays", "Null values and empty strings").
const (
	ec2Event = `{
	  "version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
	  "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
	  "account": "111122223333", "time": "2017-12-22T18:43:48Z", "region": "us-west-1",
	  "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
	  "detail": {"instance-id": "i-1234567890abcdef0", "state": "terminated"}}`

	// The content-filtering page's example detail, extended with the fields its
	// patterns use.
	filterEvent = `{
	  "source": "aws.ec2", "time": "2017-10-02T18:43:48Z", "region": "us-east-1",
	  "detail-type": "EC2 Instance State-change Notification",
	  "detail": {
	    "state": "running", "service": "EventBridge", "FileName": "image.PNG",
	    "FilePath": "/usr/bin/app.jar", "c-count": 5, "d-count": 3, "x-limit": 301.8,
	    "sourceIPAddress": "10.0.0.123", "ipv6": "2001:db8::1", "name": "Alice",
	    "location": "New York", "day": "Monday", "eventVersion": "", "responseElements": null,
	    "encrypted": true, "nested": {"a": {"b": "deep"}}, "tags": ["red", "green"],
	    "counts": [1, 20, 300], "empty": [], "obj": {"k": 1}}}`

	// The arrays page's event.
	arrayEvent = `{
	  "version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
	  "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
	  "account": "111122223333", "time": "2017-12-22T18:43:48Z", "region": "us-east-1",
	  "resources": [
	    "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
	    "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f",
	    "arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f"],
	  "detail": {"instance-id": "i-b188560f", "state": "running",
	    "items": [{"name": "a", "qty": 1}, {"name": "b", "qty": 5}]}}`

	nullEvent = `{
	  "version": "0", "id": "3e3c153a-8339-4e30-8c35-687ebef853fe",
	  "detail-type": "EC2 Instance Launch Successful", "source": "aws.autoscaling",
	  "account": "123456789012", "time": "2015-11-11T21:31:47Z", "region": "us-east-1",
	  "resources": [], "detail": {"eventVersion": "", "responseElements": null}}`
)

func TestMatch(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		event   string
		want    bool
	}{
		// Creating event patterns.
		{"ec2 termination", `{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"],"detail":{"state":["terminated"]}}`, ec2Event, true},
		{"ec2 other state", `{"source":["aws.ec2"],"detail":{"state":["running"]}}`, ec2Event, false},
		{"source only", `{"source":["aws.ec2"]}`, ec2Event, true},
		{"source mismatch", `{"source":["aws.s3"]}`, ec2Event, false},
		{"values are ORed", `{"detail":{"state":["pending","terminated"]}}`, ec2Event, true},
		{"fields are ANDed", `{"source":["aws.ec2"],"region":["us-east-1"]}`, ec2Event, false},
		{"exact match is case sensitive", `{"source":["AWS.EC2"]}`, ec2Event, false},
		{"missing field", `{"detail":{"color":["red"]}}`, ec2Event, false},
		{"missing parent", `{"extra":{"x":["a"]}}`, ec2Event, false},
		{"string vs object", `{"detail":["terminated"]}`, ec2Event, false},
		{"account as string", `{"account":["111122223333"]}`, ec2Event, true},
		{"account number vs string", `{"account":[111122223333]}`, ec2Event, false},
		{"resources arn", `{"resources":["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"]}`, ec2Event, true},

		// Prefix.
		{"prefix time", `{"time":[{"prefix":"2017-10-02"}]}`, filterEvent, true},
		{"prefix time other day", `{"time":[{"prefix":"2017-10-03"}]}`, filterEvent, false},
		{"prefix empty matches any string", `{"source":[{"prefix":""}]}`, filterEvent, true},
		{"prefix not on numbers", `{"detail":{"c-count":[{"prefix":"5"}]}}`, filterEvent, false},
		{"prefix case sensitive", `{"detail":{"service":[{"prefix":"eventb"}]}}`, filterEvent, false},
		{"prefix ignore case", `{"detail":{"service":[{"prefix":{"equals-ignore-case":"eventb"}}]}}`, filterEvent, true},
		{"prefix ignore case upper", `{"detail":{"service":[{"prefix":{"equals-ignore-case":"EVENTB"}}]}}`, filterEvent, true},
		{"prefix ignore case mismatch", `{"detail":{"service":[{"prefix":{"equals-ignore-case":"sqs"}}]}}`, filterEvent, false},
		{"prefix region us", `{"region":[{"prefix":"us-"}]}`, filterEvent, true},

		// Suffix.
		{"suffix case sensitive", `{"detail":{"FileName":[{"suffix":".png"}]}}`, filterEvent, false},
		{"suffix exact case", `{"detail":{"FileName":[{"suffix":".PNG"}]}}`, filterEvent, true},
		{"suffix ignore case", `{"detail":{"FileName":[{"suffix":{"equals-ignore-case":".png"}}]}}`, filterEvent, true},
		{"suffix ignore case mismatch", `{"detail":{"FileName":[{"suffix":{"equals-ignore-case":".jpg"}}]}}`, filterEvent, false},

		// Equals ignore case.
		{"equals-ignore-case", `{"detail":{"name":[{"equals-ignore-case":"alice"}]}}`, filterEvent, true},
		{"equals-ignore-case detail-type", `{"detail-type":[{"equals-ignore-case":"ec2 instance state-change notification"}]}`, filterEvent, true},
		{"equals-ignore-case mismatch", `{"detail":{"name":[{"equals-ignore-case":"bob"}]}}`, filterEvent, false},
		{"exactly", `{"detail":{"name":[{"exactly":"Alice"}]}}`, filterEvent, true},
		{"exactly case", `{"detail":{"name":[{"exactly":"alice"}]}}`, filterEvent, false},

		// Anything-but.
		{"anything-but string", `{"detail":{"state":[{"anything-but":"initializing"}]}}`, filterEvent, true},
		{"anything-but string excluded", `{"detail":{"state":[{"anything-but":"running"}]}}`, filterEvent, false},
		{"anything-but number", `{"detail":{"x-limit":[{"anything-but":123}]}}`, filterEvent, true},
		{"anything-but number excluded", `{"detail":{"c-count":[{"anything-but":5}]}}`, filterEvent, false},
		{"anything-but number excluded numerically", `{"detail":{"c-count":[{"anything-but":5.0}]}}`, filterEvent, false},
		{"anything-but list", `{"detail":{"state":[{"anything-but":["stopped","overloaded"]}]}}`, filterEvent, true},
		{"anything-but list excluded", `{"detail":{"state":[{"anything-but":["stopped","running"]}]}}`, filterEvent, false},
		{"anything-but number list", `{"detail":{"x-limit":[{"anything-but":[100,200,300]}]}}`, filterEvent, true},
		{"anything-but number list excluded", `{"detail":{"x-limit":[{"anything-but":[100,301.8]}]}}`, filterEvent, false},
		{"anything-but missing field", `{"detail":{"color":[{"anything-but":"red"}]}}`, filterEvent, false},
		{"anything-but prefix", `{"detail":{"state":[{"anything-but":{"prefix":"init"}}]}}`, filterEvent, true},
		{"anything-but prefix excluded", `{"detail":{"state":[{"anything-but":{"prefix":"run"}}]}}`, filterEvent, false},
		{"anything-but prefix list", `{"detail":{"state":[{"anything-but":{"prefix":["init","stop"]}}]}}`, filterEvent, true},
		{"anything-but suffix", `{"detail":{"FileName":[{"anything-but":{"suffix":".txt"}}]}}`, filterEvent, true},
		{"anything-but suffix excluded", `{"detail":{"FileName":[{"anything-but":{"suffix":".PNG"}}]}}`, filterEvent, false},
		{"anything-but ignore case", `{"detail":{"state":[{"anything-but":{"equals-ignore-case":"initializing"}}]}}`, filterEvent, true},
		{"anything-but ignore case excluded", `{"detail":{"state":[{"anything-but":{"equals-ignore-case":"RUNNING"}}]}}`, filterEvent, false},
		{"anything-but ignore case list", `{"detail":{"state":[{"anything-but":{"equals-ignore-case":["Stopped","RUNNING"]}}]}}`, filterEvent, false},
		{"anything-but wildcard", `{"detail":{"FilePath":[{"anything-but":{"wildcard":"*/lib/*"}}]}}`, filterEvent, true},
		{"anything-but wildcard excluded", `{"detail":{"FilePath":[{"anything-but":{"wildcard":"*/bin/*.jar"}}]}}`, filterEvent, false},
		{"anything-but wildcard list", `{"detail":{"FilePath":[{"anything-but":{"wildcard":["*/lib/*","*/bin/*"]}}]}}`, filterEvent, false},
		{"anything-but array any element", `{"detail":{"tags":[{"anything-but":"red"}]}}`, filterEvent, true},
		{"anything-but array all excluded", `{"detail":{"tags":[{"anything-but":["red","green"]}]}}`, filterEvent, false},
		{"anything-but null value", `{"detail":{"responseElements":[{"anything-but":"x"}]}}`, filterEvent, true},

		// Numeric.
		{"numeric docs example", `{"detail":{"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",10]}],"x-limit":[{"numeric":["=",3.018e2]}]}}`, filterEvent, true},
		{"numeric upper bound inclusive", `{"detail":{"c-count":[{"numeric":["<=",5]}]}}`, filterEvent, true},
		{"numeric upper bound exclusive", `{"detail":{"c-count":[{"numeric":["<",5]}]}}`, filterEvent, false},
		{"numeric lower bound inclusive", `{"detail":{"c-count":[{"numeric":[">=",5]}]}}`, filterEvent, true},
		{"numeric lower bound exclusive", `{"detail":{"c-count":[{"numeric":[">",5]}]}}`, filterEvent, false},
		{"numeric range outside", `{"detail":{"d-count":[{"numeric":[">",3,"<",10]}]}}`, filterEvent, false},
		{"numeric range closed", `{"detail":{"d-count":[{"numeric":[">=",3,"<",10]}]}}`, filterEvent, true},
		{"numeric equals", `{"detail":{"x-limit":[{"numeric":["=",301.8]}]}}`, filterEvent, true},
		{"numeric equals other", `{"detail":{"x-limit":[{"numeric":["=",301.9]}]}}`, filterEvent, false},
		{"numeric negative", `{"detail":{"c-count":[{"numeric":[">",-10,"<",0]}]}}`, filterEvent, false},
		{"numeric on string", `{"detail":{"state":[{"numeric":[">",0]}]}}`, filterEvent, false},
		{"numeric array element", `{"detail":{"counts":[{"numeric":[">",100]}]}}`, filterEvent, true},
		{"numeric array no element", `{"detail":{"counts":[{"numeric":[">",1000]}]}}`, filterEvent, false},
		{"numeric missing", `{"detail":{"nope":[{"numeric":[">",0]}]}}`, filterEvent, false},
		{"exact number numeric equality", `{"detail":{"x-limit":[3.018e2]}}`, filterEvent, true},
		{"exact number", `{"detail":{"c-count":[5]}}`, filterEvent, true},
		{"exact number as float", `{"detail":{"c-count":[5.0]}}`, filterEvent, true},
		{"exact number mismatch", `{"detail":{"c-count":[6]}}`, filterEvent, false},
		{"string does not match number", `{"detail":{"c-count":["5"]}}`, filterEvent, false},
		{"number does not match string", `{"detail":{"state":[5]}}`, `{"detail":{"state":"5"}}`, false},

		// IP address.
		{"cidr v4", `{"detail":{"sourceIPAddress":[{"cidr":"10.0.0.0/24"}]}}`, filterEvent, true},
		{"cidr v4 outside", `{"detail":{"sourceIPAddress":[{"cidr":"10.0.1.0/24"}]}}`, filterEvent, false},
		{"cidr v4 wide", `{"detail":{"sourceIPAddress":[{"cidr":"10.0.0.0/8"}]}}`, filterEvent, true},
		{"cidr v6", `{"detail":{"ipv6":[{"cidr":"2001:db8::/64"}]}}`, filterEvent, true},
		{"cidr v6 outside", `{"detail":{"ipv6":[{"cidr":"2001:db9::/64"}]}}`, filterEvent, false},
		{"cidr family mismatch", `{"detail":{"sourceIPAddress":[{"cidr":"::/0"}]}}`, filterEvent, false},
		{"cidr not an ip", `{"detail":{"state":[{"cidr":"10.0.0.0/8"}]}}`, filterEvent, false},
		{"exact ip other spelling", `{"detail":{"ipv6":["2001:0db8:0000:0000:0000:0000:0000:0001"]}}`, filterEvent, true},

		// Exists.
		{"exists true", `{"detail":{"state":[{"exists":true}]}}`, filterEvent, true},
		{"exists true missing", `{"detail":{"color":[{"exists":true}]}}`, filterEvent, false},
		{"exists false missing", `{"detail":{"color":[{"exists":false}]}}`, filterEvent, true},
		{"exists false present", `{"detail":{"state":[{"exists":false}]}}`, filterEvent, false},
		{"exists false missing parent", `{"other":{"color":[{"exists":false}]}}`, filterEvent, true},
		{"exists true null value", `{"detail":{"responseElements":[{"exists":true}]}}`, filterEvent, true},
		{"exists true empty string", `{"detail":{"eventVersion":[{"exists":true}]}}`, filterEvent, true},
		{"exists true object is not a leaf", `{"detail":{"obj":[{"exists":true}]}}`, filterEvent, false},
		{"exists false object is not a leaf", `{"detail":{"obj":[{"exists":false}]}}`, filterEvent, true},
		{"exists true empty array", `{"detail":{"empty":[{"exists":true}]}}`, filterEvent, false},
		{"exists false empty array", `{"detail":{"empty":[{"exists":false}]}}`, filterEvent, true},
		{"exists true array", `{"detail":{"tags":[{"exists":true}]}}`, filterEvent, true},
		{"exists or value", `{"detail":{"color":[{"exists":false},"red"]}}`, filterEvent, true},
		{"exists nested leaf", `{"detail":{"nested":{"a":{"b":[{"exists":true}]}}}}`, filterEvent, true},

		// Null values and empty strings.
		{"empty string", `{"detail":{"eventVersion":[""]}}`, nullEvent, true},
		{"null", `{"detail":{"responseElements":[null]}}`, nullEvent, true},
		{"empty string is not null", `{"detail":{"responseElements":[""]}}`, nullEvent, false},
		{"null is not empty string", `{"detail":{"eventVersion":[null]}}`, nullEvent, false},
		{"null does not match missing", `{"detail":{"missing":[null]}}`, nullEvent, false},
		{"null string is not null", `{"detail":{"responseElements":["null"]}}`, nullEvent, false},
		{"empty resources", `{"resources":[{"exists":false}]}`, nullEvent, true},
		{"boolean true", `{"detail":{"encrypted":[true]}}`, filterEvent, true},
		{"boolean false", `{"detail":{"encrypted":[false]}}`, filterEvent, false},
		{"boolean string", `{"detail":{"encrypted":["true"]}}`, filterEvent, false},

		// Wildcard.
		{"wildcard suffix", `{"detail":{"FileName":[{"wildcard":"*.PNG"}]}}`, filterEvent, true},
		{"wildcard middle", `{"detail":{"FilePath":[{"wildcard":"/usr/*/app.jar"}]}}`, filterEvent, true},
		{"wildcard two stars", `{"detail":{"FilePath":[{"wildcard":"*bin*"}]}}`, filterEvent, true},
		{"wildcard no match", `{"detail":{"FilePath":[{"wildcard":"*/lib/*"}]}}`, filterEvent, false},
		{"wildcard without star is exact", `{"detail":{"state":[{"wildcard":"running"}]}}`, filterEvent, true},
		{"wildcard arn", `{"source":[{"wildcard":"aws.*"}]}`, filterEvent, true},
		{"wildcard star alone", `{"detail":{"eventVersion":[{"wildcard":"*"}]}}`, filterEvent, true},
		{"wildcard escaped star", `{"detail":{"p":[{"wildcard":"a\\*b"}]}}`, `{"detail":{"p":"a*b"}}`, true},
		{"wildcard escaped star is literal", `{"detail":{"p":[{"wildcard":"a\\*b"}]}}`, `{"detail":{"p":"axb"}}`, false},
		{"wildcard escaped backslash", `{"detail":{"p":[{"wildcard":"a\\\\*"}]}}`, `{"detail":{"p":"a\\xyz"}}`, true},
		{"wildcard overlapping parts", `{"detail":{"p":[{"wildcard":"ab*ba"}]}}`, `{"detail":{"p":"aba"}}`, false},
		{"wildcard ordered parts", `{"detail":{"p":[{"wildcard":"*b*a*"}]}}`, `{"detail":{"p":"ab"}}`, false},
		{"wildcard not on numbers", `{"detail":{"c-count":[{"wildcard":"*"}]}}`, filterEvent, false},

		// $or.
		{"or top level", `{"$or":[{"detail":{"c-count":[{"numeric":[">",10]}]}},{"detail":{"d-count":[{"numeric":["<",10]}]}}]}`, filterEvent, true},
		{"or top level none", `{"$or":[{"detail":{"c-count":[{"numeric":[">",10]}]}},{"detail":{"d-count":[{"numeric":[">",10]}]}}]}`, filterEvent, false},
		{"or nested", `{"detail":{"$or":[{"c-count":[{"numeric":[">",0,"<=",5]}]},{"d-count":[{"numeric":["<",10]}]},{"x-limit":[{"numeric":["=",3.018e2]}]}]}}`, filterEvent, true},
		{"or with and", `{"source":["aws.ec2"],"$or":[{"detail":{"state":["stopped"]}},{"detail":{"name":["Alice"]}}]}`, filterEvent, true},
		{"or with failing and", `{"source":["aws.s3"],"$or":[{"detail":{"state":["stopped"]}},{"detail":{"name":["Alice"]}}]}`, filterEvent, false},
		{"or multi-field branch", `{"$or":[{"detail":{"location":["New York"],"day":["Tuesday"]}},{"detail":{"location":["Boston"]}}]}`, filterEvent, false},
		{"or nested in or", `{"$or":[{"source":["aws.s3"]},{"$or":[{"region":["eu-west-1"]},{"detail":{"day":["Monday"]}}]}]}`, filterEvent, true},
		{"two or groups ANDed", `{"$or":[{"source":["aws.ec2"]},{"region":["x"]}],"detail":{"$or":[{"day":["Sunday"]},{"name":["Bob"]}]}}`, filterEvent, false},

		// Comparison operators table.
		{"table and", `{"detail":{"location":["New York"],"day":["Monday"]}}`, filterEvent, true},
		{"table and fails", `{"detail":{"location":["New York"],"day":["Tuesday"]}}`, filterEvent, false},
		{"table equals", `{"detail":{"name":["Alice"]}}`, filterEvent, true},
		{"table empty", `{"detail":{"eventVersion":[""]}}`, filterEvent, true},
		{"table not", `{"detail":{"day":[{"anything-but":["Sunday"]}]}}`, filterEvent, true},
		{"table or values", `{"detail":{"day":["Sunday","Monday"]}}`, filterEvent, true},
		{"table mixed operators ORed", `{"detail":{"state":[{"prefix":"stop"},{"suffix":"ing"}]}}`, filterEvent, true},

		// Arrays.
		{"arrays intersection", `{"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f","arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f"]}`, arrayEvent, true},
		{"arrays one common", `{"resources":["arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f","arn:aws:ec2:us-east-1:000000000000:instance/i-b188560f"]}`, arrayEvent, true},
		{"arrays no intersection", `{"resources":["arn:aws:ec2:us-east-1:555555555555:instance/i-b188560f"]}`, arrayEvent, false},
		{"arrays prefix on element", `{"resources":[{"prefix":"arn:aws:ec2:us-east-1:4444"}]}`, arrayEvent, true},
		{"arrays of objects", `{"detail":{"items":{"name":["b"]}}}`, arrayEvent, true},
		{"arrays of objects same element", `{"detail":{"items":{"name":["b"],"qty":[{"numeric":[">",4]}]}}}`, arrayEvent, true},
		{"arrays of objects across elements", `{"detail":{"items":{"name":["a"],"qty":[5]}}}`, arrayEvent, false},
		{"array leaf in nested arrays", `{"detail":{"m":[3]}}`, `{"detail":{"m":[[1,2],[3]]}}`, true},
		{"top level array field", `{"detail":{"tags":["green"]}}`, filterEvent, true},
		{"nested object", `{"detail":{"nested":{"a":{"b":["deep"]}}}}`, filterEvent, true},
		{"nested object mismatch", `{"detail":{"nested":{"a":{"b":["shallow"]}}}}`, filterEvent, false},
		{"invalid event json", `{"source":["aws.ec2"]}`, `{"source":`, false},
		{"event not an object", `{"source":["aws.ec2"]}`, `"aws.ec2"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := pattern.Compile([]byte(tt.pattern))
			if err != nil {
				t.Fatalf("Compile(%s): %v", tt.pattern, err)
			}
			if got := p.Match([]byte(tt.event)); got != tt.want {
				t.Errorf("Match(%s) = %v, want %v", tt.pattern, got, tt.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		pattern string
		reason  string
	}{
		{`["aws.ec2"]`, "Filter is not an object"},
		{`{}`, "Empty objects are not allowed"},
		{`{"source": ["aws.health"], "detail": {}}`, "Empty objects are not allowed"},
		{`{"source": []}`, "Empty arrays are not allowed"},
		{`{"source": "aws.ec2"}`, `"source" must be an object or an array`},
		{`{"detail": {"slug": "x"}}`, `"slug" must be an object or an array`},
		{`{"source": [["aws.ec2"]]}`, "Match value must be String, number, true, false, or null"},
		{`{"source": [{}]}`, "Match expression name not found"},
		{`{"source": [{"regex": "a.*"}]}`, "Unrecognized match type regex"},
		{`{"source": [{"prefix": 1}]}`, "prefix match pattern must be a string"},
		{`{"source": [{"prefix": "a", "suffix": "b"}]}`, "Only one key allowed in match expression"},
		{`{"source": [{"prefix": {"exists": true}}]}`, "Unsupported prefix pattern: exists"},
		{`{"source": [{"prefix": {}}]}`, "Prefix expression name not found"},
		{`{"source": [{"prefix": {"equals-ignore-case": 1}}]}`, "equals-ignore-case match pattern must be a string"},
		{`{"source": [{"suffix": true}]}`, "suffix match pattern must be a string"},
		{`{"source": [{"suffix": {"wildcard": "x"}}]}`, "Unsupported suffix pattern: wildcard"},
		{`{"source": [{"equals-ignore-case": ["a"]}]}`, "equals-ignore-case match pattern must be a string"},
		{`{"source": [{"exactly": 5}]}`, "exact match pattern must be a string"},
		{`{"source": [{"exists": "yes"}]}`, "exists match pattern must be either true or false."},
		{`{"source": [{"exists": true, "prefix": "a"}]}`, "Only one key allowed in match expression"},
		{`{"source": [{"wildcard": 5}]}`, "wildcard match pattern must be a string"},
		{`{"source": [{"wildcard": "a**b"}]}`, "Consecutive wildcard characters at pos 2"},
		{`{"source": [{"wildcard": "**"}]}`, "Consecutive wildcard characters at pos 1"},
		{`{"source": [{"wildcard": "a\\b"}]}`, "Invalid escape character at pos 2"},
		{`{"source": [{"wildcard": "ab\\"}]}`, "Invalid escape character at pos 3"},
		{`{"c": [{"numeric": 5}]}`, "Value of numeric must be an array."},
		{`{"c": [{"numeric": []}]}`, "Invalid member in numeric match: ]"},
		{`{"c": [{"numeric": [5, ">"]}]}`, "Invalid member in numeric match: 5"},
		{`{"c": [{"numeric": ["!=", 5]}]}`, "Unrecognized numeric range operator: !="},
		{`{"c": [{"numeric": ["=", "5"]}]}`, "Value of equals must be numeric"},
		{`{"c": [{"numeric": [">", "5"]}]}`, "Value of > must be numeric"},
		{`{"c": [{"numeric": ["<=", null]}]}`, "Value of <= must be numeric"},
		{`{"c": [{"numeric": ["=", 5, "<", 6]}]}`, "Too many elements in numeric expression"},
		{`{"c": [{"numeric": ["<", 5, ">", 1]}]}`, "Too many elements in numeric expression"},
		{`{"c": [{"numeric": [">", 0, ">", 5]}]}`, "Bad numeric range operator: >"},
		{`{"c": [{"numeric": [">", 0, 5]}]}`, "Bad value in numeric range: 5"},
		{`{"c": [{"numeric": [">", 0, "<", "5"]}]}`, "Value of < must be numeric"},
		{`{"c": [{"numeric": [">", 0, "<", 5, 6]}]}`, "Too many terms in numeric range expression"},
		{`{"c": [{"numeric": [">", 10, "<", 5]}]}`, "Bottom must be less than top"},
		{`{"c": [{"numeric": [">=", 5, "<=", 5]}]}`, "Bottom must be less than top"},
		{`{"c": [{"numeric": ["<", 6e9]}]}`, "Value must be between -5.0E9 and 5.0E9, inclusive"},
		{`{"c": [{"numeric": ["=", -6e9]}]}`, "Value must be between -5.0E9 and 5.0E9, inclusive"},
		{`{"c": [{"numeric": [">", 5e9]}]}`, "Bottom must be less than top"},
		{`{"c": [{"numeric": [">", 0]}, {"numeric": [">", 0]}], "d": [{"numeric": [">", 1]}], "e": [{"numeric": [">", 0], "x": 1}]}`, "Too many elements in numeric expression"},
		{`{"s": [{"anything-but": null}]}`, "Value of anything-but must be an array or single string/number value."},
		{`{"s": [{"anything-but": true}]}`, "Value of anything-but must be an array or single string/number value."},
		{`{"s": [{"anything-but": ["a", 1]}]}`, "Inside anything but list, either all values are number or string, mixed type is not supported"},
		{`{"s": [{"anything-but": []}]}`, "Inside anything but list, either all values are number or string, mixed type is not supported"},
		{`{"s": [{"anything-but": ["a", null]}]}`, "Inside anything but list, start|null|boolean is not supported."},
		{`{"s": [{"anything-but": {"exists": true}}]}`, "Unsupported anything-but pattern: exists"},
		{`{"s": [{"anything-but": {}}]}`, "Anything-But expression name not found"},
		{`{"s": [{"anything-but": {"prefix": ""}}]}`, "Null prefix/suffix not allowed"},
		{`{"s": [{"anything-but": {"suffix": ["a", ""]}}]}`, "Null prefix/suffix not allowed"},
		{`{"s": [{"anything-but": {"prefix": 5}}]}`, "prefix/suffix match pattern must be a string"},
		{`{"s": [{"anything-but": {"equals-ignore-case": 5}}]}`, "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."},
		{`{"s": [{"anything-but": {"wildcard": 5}}]}`, "wildcard match pattern must be a string"},
		{`{"s": [{"anything-but": {"wildcard": "a**"}}]}`, "Consecutive wildcard characters at pos 2"},
		{`{"s": [{"anything-but": {"prefix": "a", "suffix": "b"}}]}`, "Too many elements in numeric expression"},
		{`{"s": [{"anything-but": "a", "prefix": "b"}]}`, "Too many elements in numeric expression"},
		{`{"s": [{"anything-but": 6e9}]}`, "Value must be between -5.0E9 and 5.0E9, inclusive"},
		{`{"ip": [{"cidr": 10}]}`, "prefix match pattern must be a string"},
		{`{"ip": [{"cidr": "10.0.0.0"}]}`, "Malformed CIDR, one '/' required"},
		{`{"ip": [{"cidr": "10.0.0.0/x"}]}`, "Malformed CIDR, mask bits must be an integer"},
		{`{"ip": [{"cidr": "10.0.0.0/-1"}]}`, "Malformed CIDR, mask bits must not be negative"},
		{`{"ip": [{"cidr": "10.0.0.0/32"}]}`, "IPv4 mask bits must be < 32"},
		{`{"ip": [{"cidr": "::/128"}]}`, "IPv6 mask bits must be < 128"},
		{`{"ip": [{"cidr": "host.example/8"}]}`, "Nonstandard IP address: host.example"},
		{`{"ip": [{"cidr": "999.0.0.0/8"}]}`, "Invalid IP address: 999.0.0.0"},
		{`{"$or": {"a": [1]}}`, "It must be an Array followed with $or."},
		{`{"$or": [{"a": [1]}]}`, "There must have at least 2 Objects in $or relationship."},
		{`{"$or": [{"a": [1]}, "b"]}`, "Only JSON object is allowed in array of $or relationship."},
		{`{"$or": [{"a": [1]}, {}]}`, "Empty objects are not allowed"},
		{`{"$or": [{"a": [1]}, {"numeric": [1]}]}`, "numeric is Ruler reserved fieldName which cannot be used inside $or."},
		{`{"$or": [{"a": [1]}, {"b": {"prefix": ["x"]}}]}`, "prefix is Ruler reserved fieldName which cannot be used inside $or."},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			_, err := pattern.Compile([]byte(tt.pattern))
			var perr *pattern.Error
			if !errors.As(err, &perr) {
				t.Fatalf("Compile error = %v, want *pattern.Error", err)
			}
			if !errors.Is(err, pattern.ErrInvalid) {
				t.Errorf("errors.Is(err, ErrInvalid) = false")
			}
			if perr.Reason != tt.reason {
				t.Errorf("Reason = %q, want %q", perr.Reason, tt.reason)
			}
		})
	}
}

// The message carries AWS's prefix and Jackson's location, as in this error EventBridge
// returned for a pattern with an empty object (cloud-custodian issue #6507).
func TestErrorMessage(t *testing.T) {
	_, err := pattern.Compile([]byte(`{"source": ["aws.health"], "detail": {}}`))
	want := "Event pattern is not valid. Reason: Empty objects are not allowed\n" +
		` at [Source: (String)"{\"source\": [\"aws.health\"], \"detail\": {}}"; line: 1, column: 40]`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant    %s", err, want)
	}
}

func TestInvalidJSON(t *testing.T) {
	for _, src := range []string{``, `{`, `{"a": [1,]}`, `{"a" 1}`, `nul`} {
		_, err := pattern.Compile([]byte(src))
		if !errors.Is(err, pattern.ErrInvalid) {
			t.Errorf("Compile(%q) error = %v, want ErrInvalid", src, err)
		}
	}
}

func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		`{"source":["aws.ec2"],"detail":{"state":["terminated"]}}`,
		`{"a":[{"numeric":[">",0,"<=",5]}]}`,
		`{"a":[{"anything-but":{"wildcard":["*/lib/*"]}}]}`,
		`{"$or":[{"a":[1]},{"b":[{"cidr":"10.0.0.0/8"}]}]}`,
		`{"a":[{"prefix":{"equals-ignore-case":"x"}},{"wildcard":"a\\*b*"}]}`,
	} {
		f.Add([]byte(s), []byte(filterEvent))
	}
	f.Fuzz(func(t *testing.T, pat, event []byte) {
		p, err := pattern.Compile(pat)
		if err != nil {
			if !errors.Is(err, pattern.ErrInvalid) {
				t.Fatalf("error %v does not match ErrInvalid", err)
			}
			return
		}
		p.Match(event)
	})
}
