package order

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/microshop/microshop/shared/fault"
)

// List limits.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// Scope says which orders a list holds: one customer's, or (for admins) every order, or every
// order with one status. Exactly one of CustomerID and Status is set, or neither (all orders).
type Scope struct {
	CustomerID string
	Status     Status
}

// String names the scope inside cursors, so a cursor of one list is refused by another.
func (s Scope) String() string {
	switch {
	case s.CustomerID != "":
		return "customer:" + s.CustomerID
	case s.Status != "":
		return "status:" + string(s.Status)
	}
	return "all"
}

// Position is where a list stands: the last order returned. Lists run newest first, with the
// id breaking ties of equal creation times.
type Position struct {
	CreatedAt time.Time
	ID        ID
}

// ListQuery asks for one page of a scope's orders after After (nil: from the newest).
type ListQuery struct {
	Scope Scope
	Limit int
	After *Position
}

// Page is one page of a list; Next is nil on the last page.
type Page struct {
	Orders []*Order
	Next   *Position
}

// ErrBadCursor: the cursor was not issued for this list, or was altered.
var ErrBadCursor = fault.New(fault.Invalid, "cursor: not a cursor of this list")

// ErrBadLimit: limit is not 1..MaxLimit.
var ErrBadLimit = fault.Errorf(fault.Invalid, "limit: want 1..%d", MaxLimit)

type cursorBody struct {
	CreatedAt time.Time `json:"t"`
	ID        ID        `json:"i"`
}

// EncodeCursor returns the opaque cursor of p in scope: base64url of the position and an
// 8-byte SHA-256 checksum over it and the scope. The checksum is not a signature; a forged
// cursor can only move where the caller's own list resumes, since the scope (the customer) is
// the caller's and not the cursor's.
func EncodeCursor(scope Scope, p Position) string {
	body, _ := json.Marshal(cursorBody{CreatedAt: p.CreatedAt.UTC(), ID: p.ID}) // plain struct: cannot fail
	sum := checksum(scope, body)
	return base64.RawURLEncoding.EncodeToString(append(body, sum[:]...))
}

// DecodeCursor returns the position of a cursor EncodeCursor made for scope, or ErrBadCursor.
func DecodeCursor(scope Scope, cursor string) (Position, error) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(raw) <= 8 {
		return Position{}, ErrBadCursor
	}
	body, sum := raw[:len(raw)-8], raw[len(raw)-8:]
	if want := checksum(scope, body); string(want[:]) != string(sum) {
		return Position{}, ErrBadCursor
	}
	var c cursorBody
	if err := json.Unmarshal(body, &c); err != nil {
		return Position{}, ErrBadCursor
	}
	id, err := ParseID(string(c.ID))
	if err != nil || c.CreatedAt.IsZero() {
		return Position{}, ErrBadCursor
	}
	return Position{CreatedAt: c.CreatedAt.UTC(), ID: id}, nil
}

func checksum(scope Scope, body []byte) [8]byte {
	h := sha256.Sum256(append([]byte(scope.String()+"\x00"), body...))
	var out [8]byte
	copy(out[:], h[:8])
	return out
}

// Before reports whether a lists before b: newer first, then the greater id first.
func Before(a, b Position) bool {
	if !a.CreatedAt.Equal(b.CreatedAt) {
		return a.CreatedAt.After(b.CreatedAt)
	}
	return a.ID > b.ID
}

// PositionOf returns o's position in a list.
func PositionOf(o *Order) Position { return Position{CreatedAt: o.createdAt, ID: o.id} }
