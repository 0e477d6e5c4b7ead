package sqsqueue

import "testing"

// The expected digests are those SQS returns (and SDKs verify) for these attributes, as
// recorded by independent emulators' tests against real SQS.
func TestMD5OfAttributes(t *testing.T) {
	tests := []struct {
		name  string
		attrs map[string]MessageAttribute
		want  string
	}{
		{"none", nil, ""},
		{"one number", map[string]MessageAttribute{"timestamp": {DataType: "Number", StringValue: "1493147359900"}}, "235c5c510d26fb653d073faed50ae77c"},
		{"one string", map[string]MessageAttribute{"SellerName": {DataType: "String", StringValue: "Example Store"}}, "cd28f3b68aeee4b2eac9c66f2f694b58"},
		{"two, sorted by name", map[string]MessageAttribute{
			"ordinal":  {DataType: "Number", StringValue: "1"},
			"category": {DataType: "String", StringValue: "test"},
		}, "d21ae90c49061e927f57df5f5d72be1f"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := md5OfAttributes(tt.attrs); got != tt.want {
				t.Errorf("md5OfAttributes = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReceiptHandleRoundTrip(t *testing.T) {
	h := encodeReceipt("q.fifo", "id-1", 7)
	got, err := decodeReceipt(h)
	if err != nil || got != (receipt{queue: "q.fifo", id: "id-1", seq: 7}) {
		t.Errorf("decodeReceipt = %+v, %v", got, err)
	}
}
