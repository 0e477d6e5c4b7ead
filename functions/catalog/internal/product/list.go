package product

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/microshop/microshop/shared/fault"
)

// Page sizes for ListQuery.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// ErrInvalidCursor is returned for a cursor that was not issued for the same query: malformed,
// altered, or taken from a list with a different category filter.
var ErrInvalidCursor = fault.New(fault.Invalid, "cursor is malformed or belongs to a different list; start again without it")

// ErrBadLimit is returned by NewListQuery for a limit out of range; transports return it too
// for a limit that is not a number, so clients get one message.
var ErrBadLimit = fault.Errorf(fault.Invalid, "limit must be a whole number from 1 to %d", MaxLimit)

// Position is where a product sits in every list: products are listed newest first, and
// products created at the same instant by descending ID, so the order is total and stable.
type Position struct {
	CreatedAt time.Time
	ID        ID
}

// Position returns p's place in lists.
func (p *Product) Position() Position { return Position{CreatedAt: p.createdAt, ID: p.id} }

// Before reports whether a is listed before b.
func (a Position) Before(b Position) bool {
	if !a.CreatedAt.Equal(b.CreatedAt) {
		return a.CreatedAt.After(b.CreatedAt)
	}
	return a.ID > b.ID
}

// ListQuery asks for one page of products, optionally of one category, resuming after a cursor.
type ListQuery struct {
	category string
	limit    int
	after    *Position
}

// NewListQuery validates a list request. category may be "" for all products; limit must be
// 1 to MaxLimit; cursor is "" for the first page or a Page.NextCursor from the same query. It
// returns a *fault.Error with code Invalid (ErrBadLimit, ErrInvalidCursor, or a category error).
func NewListQuery(category string, limit int, cursor string) (ListQuery, error) {
	if category != "" && !ValidCategory(category) {
		return ListQuery{}, errBadCategory
	}
	if limit < 1 || limit > MaxLimit {
		return ListQuery{}, ErrBadLimit
	}
	q := ListQuery{category: category, limit: limit}
	if cursor != "" {
		c, err := parseCursor(cursor)
		if err != nil || c.Category != category {
			return ListQuery{}, ErrInvalidCursor
		}
		q.after = &Position{CreatedAt: c.CreatedAt, ID: c.ID}
	}
	return q, nil
}

// Category returns the category filter, "" for all products.
func (q ListQuery) Category() string { return q.category }

// Limit returns the page size.
func (q ListQuery) Limit() int { return q.limit }

// After returns the position the page starts after, and false for the first page.
func (q ListQuery) After() (Position, bool) {
	if q.after == nil {
		return Position{}, false
	}
	return *q.after, true
}

// NextCursor returns the opaque cursor that resumes q after last, the last product of a page.
func (q ListQuery) NextCursor(last *Product) string {
	return cursor{Category: q.category, CreatedAt: last.createdAt, ID: last.id}.String()
}

// Page is one page of a list, in list order. NextCursor is "" on the last page.
type Page struct {
	Products   []*Product
	NextCursor string
}

// cursor holds the key attributes of the last product on a page: createdAt and id (together
// the tables' sortKey) and, for category lists, the category. Its text form is base64url (no
// padding) of compact JSON followed by a checksum of it, so an edited or truncated cursor is
// rejected instead of silently resuming somewhere else. The checksum is not a signature: a
// cursor grants no access, it only says where to resume, so forging one gains nothing.
type cursor struct {
	Category  string    `json:"c,omitempty"`
	CreatedAt time.Time `json:"t"`
	ID        ID        `json:"id"`
}

const (
	checksumLen  = 8   // bytes of SHA-256 appended to the JSON
	maxCursorLen = 512 // bounds the work done on client input; real cursors are about 120 bytes
)

func (c cursor) String() string {
	b, err := json.Marshal(c)
	if err != nil { // cannot happen: strings and a time in range
		panic(err)
	}
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(append(b, sum[:checksumLen]...))
}

func parseCursor(s string) (cursor, error) {
	if len(s) > maxCursorLen {
		return cursor{}, ErrInvalidCursor
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(b) <= checksumLen {
		return cursor{}, ErrInvalidCursor
	}
	payload, sum := b[:len(b)-checksumLen], b[len(b)-checksumLen:]
	if want := sha256.Sum256(payload); !bytes.Equal(sum, want[:checksumLen]) {
		return cursor{}, ErrInvalidCursor
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	var c cursor
	if err := dec.Decode(&c); err != nil || !c.ID.valid() || c.CreatedAt.IsZero() || c.String() != s {
		return cursor{}, ErrInvalidCursor
	}
	return c, nil
}
