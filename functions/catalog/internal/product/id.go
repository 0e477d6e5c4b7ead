package product

import (
	"crypto/rand"
	"encoding/hex"
)

// ID identifies a product: 32 lowercase hex digits encoding 16 random bytes, assigned by the
// server when the product is created. It is URL-safe, so it appears unescaped in paths, and
// carries no meaning (creation time is a separate field), so clients must not parse it.
type ID string

// NewID returns a fresh random ID. 128 random bits make collisions negligible; the store's
// create still refuses to overwrite (ErrAlreadyExists).
func NewID() ID {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never returns an error (Go 1.24+)
	return ID(hex.EncodeToString(b[:]))
}

// ParseID returns s as an ID. A string that is not a well-formed ID cannot name any product, so
// ParseID reports it as ErrNotFound rather than as a malformed request.
func ParseID(s string) (ID, error) {
	id := ID(s)
	if !id.valid() {
		return "", ErrNotFound
	}
	return id, nil
}

// String returns the ID's text.
func (id ID) String() string { return string(id) }

func (id ID) valid() bool {
	if len(id) != 32 {
		return false
	}
	for _, c := range []byte(id) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
