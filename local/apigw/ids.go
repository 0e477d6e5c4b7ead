package apigw

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"time"
)

// newRequestID returns an ID shaped like API Gateway's: 11 random bytes in URL-safe base64
// with padding, e.g. "LV7fzho-PHcEJPw=".
func newRequestID() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	return base64.URLEncoding.EncodeToString(b[:11])
}

// traceID returns an X-Ray trace header like API Gateway's:
// "Root=1-<8 hex digits of Unix seconds>-<24 hex digits>".
func traceID(now time.Time) string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	secs := strconv.FormatInt(now.Unix(), 16)
	for len(secs) < 8 {
		secs = "0" + secs
	}
	return "Root=1-" + secs + "-" + hex.EncodeToString(b[:12])
}
