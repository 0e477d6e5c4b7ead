// Package product is the catalog's domain: products, their validation rules, and the order in
// which they are listed. It is pure Go: storage and transport adapters convert to and from it.
package product

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/microshop/microshop/shared/fault"
	"github.com/microshop/microshop/shared/money"
)

// Errors the catalog's stores and use cases return. They are *fault.Error values: test for them with errors.Is.
var (
	ErrNotFound        = fault.New(fault.NotFound, "product not found")
	ErrAlreadyExists   = fault.New(fault.Conflict, "a product with this id already exists")
	ErrVersionMismatch = fault.New(fault.PreconditionFailed, "product has been changed since that version; read it again and retry")
	// ErrConflict: concurrent writers kept changing the product while a store tried to update
	// it, and the store gave up. Unlike ErrVersionMismatch the caller's request still holds, so
	// sending it again may well succeed.
	ErrConflict = fault.New(fault.Conflict, "product is being changed by other requests; try again")
)

// Limits on Details. Lengths count characters (runes), not bytes.
const (
	MaxNameLen        = 200
	MaxDescriptionLen = 2000
	MaxCategoryLen    = 64
	MaxImageURLLen    = 2048
	MaxTags           = 20
	MaxTagLen         = 40
)

// Details are the fields a client chooses for a product, as given to New and Replace, which
// validate them. Validation messages name fields as the HTTP API spells them (imageUrl,
// price.amount), because that is what a client must fix.
type Details struct {
	Name        string      // required; surrounding white space is dropped
	Description string      // optional, kept as given
	Category    string      // required lowercase slug, e.g. "kitchen" or "home-office"
	Price       money.Price // required
	ImageURL    string      // optional absolute http(s) URL, or a path on the shop's site (/img/mug.svg)
	Tags        []string    // optional; each trimmed, order kept
}

// Product is a catalog item. The zero value is not a product: use New, or Restore in adapters.
type Product struct {
	id        ID
	details   Details
	createdAt time.Time
	updatedAt time.Time
	version   int
}

// New returns a product with version 1 created at now, or a *fault.Error (code Invalid) naming
// the first field of d that breaks a rule.
func New(id ID, d Details, now time.Time) (*Product, error) {
	if !id.valid() {
		return nil, fmt.Errorf("new product: malformed id %q", id) // a bug, not the client's fault
	}
	d, err := d.normalize()
	if err != nil {
		return nil, err
	}
	now = now.UTC()
	return &Product{id: id, details: d, createdAt: now, updatedAt: now, version: 1}, nil
}

// Restore rebuilds a product from storage. It does not apply the validation rules, which may
// tighten over time while older products must stay readable; it only rejects data no product
// could have had.
func Restore(id ID, d Details, createdAt, updatedAt time.Time, version int) (*Product, error) {
	switch {
	case !id.valid():
		return nil, fmt.Errorf("restore product: malformed id %q", id)
	case version < 1:
		return nil, fmt.Errorf("restore product %s: version %d < 1", id, version)
	case createdAt.IsZero() || updatedAt.IsZero():
		return nil, fmt.Errorf("restore product %s: missing timestamps", id)
	}
	d.Tags = slices.Clone(d.Tags)
	return &Product{id: id, details: d, createdAt: createdAt.UTC(), updatedAt: updatedAt.UTC(), version: version}, nil
}

// Replace sets every client-chosen field to d, stamps updatedAt with now (never earlier than the
// previous value, whatever the caller's clock says) and increments the version. The id and
// createdAt never change. On a validation error p is unchanged.
func (p *Product) Replace(d Details, now time.Time) error {
	d, err := d.normalize()
	if err != nil {
		return err
	}
	p.details = d
	if now = now.UTC(); now.After(p.updatedAt) {
		p.updatedAt = now
	}
	p.version++
	return nil
}

// ID returns the product's identifier.
func (p *Product) ID() ID { return p.id }

// Details returns a copy of the client-chosen fields.
func (p *Product) Details() Details {
	d := p.details
	d.Tags = slices.Clone(d.Tags)
	return d
}

// Category returns the product's category.
func (p *Product) Category() string { return p.details.Category }

// CreatedAt returns when the product was created, in UTC.
func (p *Product) CreatedAt() time.Time { return p.createdAt }

// UpdatedAt returns when the product was last created or replaced, in UTC.
func (p *Product) UpdatedAt() time.Time { return p.updatedAt }

// Version returns the product's version: 1 when created, +1 per Replace. It is the optimistic
// lock stores check and the HTTP API's ETag.
func (p *Product) Version() int { return p.version }

// Validate reports the first rule d breaks, as a *fault.Error with code Invalid, or nil. New and
// Replace call it; callers use it to reject bad input before touching storage.
func (d Details) Validate() error {
	_, err := d.normalize()
	return err
}

var slug = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// ValidCategory reports whether s is a well-formed category: a lowercase slug of letters a-z,
// digits and single inner hyphens, at most MaxCategoryLen long.
func ValidCategory(s string) bool {
	return len(s) <= MaxCategoryLen && slug.MatchString(s)
}

// normalize returns d with white space trimmed and tags copied, or the first rule it breaks.
func (d Details) normalize() (Details, error) {
	d.Name = strings.TrimSpace(d.Name)
	if n := utf8.RuneCountInString(d.Name); n < 1 || n > MaxNameLen {
		return Details{}, fault.Errorf(fault.Invalid, "name must be 1 to %d characters (not counting surrounding spaces)", MaxNameLen)
	}
	if hasControl(d.Name, "") {
		return Details{}, fault.New(fault.Invalid, "name must not contain control characters such as NUL, tab or newline")
	}
	if utf8.RuneCountInString(d.Description) > MaxDescriptionLen {
		return Details{}, fault.Errorf(fault.Invalid, "description must be at most %d characters", MaxDescriptionLen)
	}
	if hasControl(d.Description, "\n\r\t") {
		return Details{}, fault.New(fault.Invalid, "description must not contain control characters other than newline, carriage return and tab")
	}
	if d.Category == "" {
		return Details{}, fault.New(fault.Invalid, "category is required")
	}
	if hasControl(d.Category, "") { // the slug rule rejects them too; this message says why
		return Details{}, fault.New(fault.Invalid, "category must not contain control characters such as NUL, tab or newline")
	}
	if !ValidCategory(d.Category) {
		return Details{}, errBadCategory
	}
	if d.Price.IsZero() {
		return Details{}, fault.New(fault.Invalid, "price is required")
	}
	if err := validateImageURL(d.ImageURL); err != nil {
		return Details{}, err
	}
	if len(d.Tags) > MaxTags {
		return Details{}, fault.Errorf(fault.Invalid, "tags must have at most %d entries", MaxTags)
	}
	tags := make([]string, len(d.Tags))
	for i, tag := range d.Tags {
		tags[i] = strings.TrimSpace(tag)
		if n := utf8.RuneCountInString(tags[i]); n < 1 || n > MaxTagLen {
			return Details{}, fault.Errorf(fault.Invalid, "tags[%d] must be 1 to %d characters", i, MaxTagLen)
		}
		if hasControl(tags[i], "") {
			return Details{}, fault.Errorf(fault.Invalid, "tags[%d] must not contain control characters such as NUL, tab or newline", i)
		}
	}
	d.Tags = tags
	return d, nil
}

// hasControl reports whether s holds a control character (C0, DEL or C1, NUL included) that
// is not in allowed. Such characters break logs, CSV exports and the pages that show products,
// and a client never means to send them in a one-line field.
func hasControl(s, allowed string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && !strings.ContainsRune(allowed, r)
	})
}

var errBadCategory = fault.Errorf(fault.Invalid,
	"category must be a lowercase slug of at most %d characters: a-z, 0-9 and single inner hyphens, e.g. home-office", MaxCategoryLen)

func validateImageURL(s string) error {
	if s == "" {
		return nil
	}
	if len(s) > MaxImageURLLen {
		return fault.Errorf(fault.Invalid, "imageUrl must be at most %d characters", MaxImageURLLen)
	}
	u, err := url.Parse(s)
	if err != nil || u.User != nil {
		return errBadImageURL
	}
	if u.Scheme == "" && u.Host == "" {
		// A path on the shop's own site, as the seed catalog's drawings are (/img/mug.svg): the
		// storefront serves them beside itself. "//host/x" has a host and "img/x" is relative
		// to whatever page shows it, so neither is a site path.
		if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.ContainsRune(s, '\\') {
			return errBadImageURL
		}
		return nil
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errBadImageURL
	}
	return nil
}

var errBadImageURL = fault.New(fault.Invalid, "imageUrl must be an absolute http or https URL without credentials, a path on the site such as /img/mug.svg, or empty")
