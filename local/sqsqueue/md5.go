package sqsqueue

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"sort"
	"strings"
)

// MessageAttribute is a message (user) or message system attribute value.
type MessageAttribute struct {
	// DataType is String, Number or Binary, optionally with a custom ".suffix".
	DataType    string
	StringValue string
	BinaryValue []byte
}

// isBinary reports whether the value travels as binary (transport type 2).
func (a MessageAttribute) isBinary() bool { return strings.HasPrefix(a.DataType, "Binary") }

// md5Hex is the MD5OfMessageBody (and md5OfBody) digest.
func md5Hex(body string) string {
	sum := md5.Sum([]byte(body))
	return hex.EncodeToString(sum[:])
}

// md5OfAttributes computes MD5OfMessageAttributes the way SQS does and the SDKs verify it:
// for each attribute in name order, the length-prefixed name and data type, a transport byte
// (1 string, 2 binary) and the length-prefixed value; lengths are 4-byte big-endian. It
// returns "" for no attributes, when SQS omits the digest.
func md5OfAttributes(attrs map[string]MessageAttribute) string {
	if len(attrs) == 0 {
		return ""
	}
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	h := md5.New()
	for _, n := range names {
		a := attrs[n]
		writeLengthPrefixed(h, []byte(n))
		writeLengthPrefixed(h, []byte(a.DataType))
		if a.isBinary() {
			h.Write([]byte{2})
			writeLengthPrefixed(h, a.BinaryValue)
		} else {
			h.Write([]byte{1})
			writeLengthPrefixed(h, []byte(a.StringValue))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func writeLengthPrefixed(h hash.Hash, b []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(b)))
	h.Write(n[:])
	h.Write(b)
}
