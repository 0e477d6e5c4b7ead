package product_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/functions/catalog/internal/product"
	"github.com/microshop/microshop/shared/fault"
	"github.com/microshop/microshop/shared/money"
)

const testID product.ID = "0123456789abcdef0123456789abcdef"

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.UTC)

func eur(amount money.Cents) money.Price {
	p, err := money.NewPrice(amount, money.MustParseCurrency("EUR"))
	if err != nil {
		panic(err)
	}
	return p
}

// valid returns Details that pass validation, edited by edit.
func valid(edit func(*product.Details)) product.Details {
	d := product.Details{
		Name:        "Stoneware Mug",
		Description: "Hand-glazed, 350 ml.",
		Category:    "kitchen",
		Price:       eur(1450),
		ImageURL:    "https://images.example.com/mug.jpg",
		Tags:        []string{"ceramic", "gift"},
	}
	if edit != nil {
		edit(&d)
	}
	return d
}

func TestNewValidation(t *testing.T) {
	tests := []struct {
		name        string
		details     product.Details
		wantMessage string // "" for a valid product
	}{
		{name: "valid", details: valid(nil)},
		{name: "minimal", details: valid(func(d *product.Details) { d.Description, d.ImageURL, d.Tags = "", "", nil })},
		{name: "name of 200 runes", details: valid(func(d *product.Details) { d.Name = strings.Repeat("é", 200) })},
		{name: "name of 201 runes", details: valid(func(d *product.Details) { d.Name = strings.Repeat("é", 201) }), wantMessage: "name must be 1 to 200 characters (not counting surrounding spaces)"},
		{name: "blank name", details: valid(func(d *product.Details) { d.Name = " \t " }), wantMessage: "name must be 1 to 200 characters (not counting surrounding spaces)"},
		{name: "description of 2000 runes", details: valid(func(d *product.Details) { d.Description = strings.Repeat("ü", 2000) })},
		{name: "description too long", details: valid(func(d *product.Details) { d.Description = strings.Repeat("a", 2001) }), wantMessage: "description must be at most 2000 characters"},
		{name: "missing category", details: valid(func(d *product.Details) { d.Category = "" }), wantMessage: "category is required"},
		{name: "hyphenated category", details: valid(func(d *product.Details) { d.Category = "home-office-2" })},
		{name: "category of 64", details: valid(func(d *product.Details) { d.Category = strings.Repeat("a", 64) })},
		{name: "category of 65", details: valid(func(d *product.Details) { d.Category = strings.Repeat("a", 65) }), wantMessage: "category must be a lowercase slug of at most 64 characters: a-z, 0-9 and single inner hyphens, e.g. home-office"},
		{name: "upper-case category", details: valid(func(d *product.Details) { d.Category = "Kitchen" }), wantMessage: "category must be a lowercase slug of at most 64 characters: a-z, 0-9 and single inner hyphens, e.g. home-office"},
		{name: "category with space", details: valid(func(d *product.Details) { d.Category = "home office" }), wantMessage: "category must be a lowercase slug of at most 64 characters: a-z, 0-9 and single inner hyphens, e.g. home-office"},
		{name: "category with double hyphen", details: valid(func(d *product.Details) { d.Category = "home--office" }), wantMessage: "category must be a lowercase slug of at most 64 characters: a-z, 0-9 and single inner hyphens, e.g. home-office"},
		{name: "category with trailing hyphen", details: valid(func(d *product.Details) { d.Category = "home-" }), wantMessage: "category must be a lowercase slug of at most 64 characters: a-z, 0-9 and single inner hyphens, e.g. home-office"},
		{name: "missing price", details: valid(func(d *product.Details) { d.Price = money.Price{} }), wantMessage: "price is required"},
		{name: "free", details: valid(func(d *product.Details) { d.Price = eur(0) })},
		{name: "http image", details: valid(func(d *product.Details) { d.ImageURL = "http://example.com/a.png" })},
		{name: "site path image", details: valid(func(d *product.Details) { d.ImageURL = "/img/stoneware-mug.svg" })},
		{name: "relative image", details: valid(func(d *product.Details) { d.ImageURL = "img/a.png" }), wantMessage: "imageUrl must be an absolute http or https URL without credentials, a path on the site such as /img/mug.svg, or empty"},
		{name: "protocol-relative image", details: valid(func(d *product.Details) { d.ImageURL = "//evil.example/a.png" }), wantMessage: "imageUrl must be an absolute http or https URL without credentials, a path on the site such as /img/mug.svg, or empty"},
		{name: "backslash image", details: valid(func(d *product.Details) { d.ImageURL = "/\\evil.example/a.png" }), wantMessage: "imageUrl must be an absolute http or https URL without credentials, a path on the site such as /img/mug.svg, or empty"},
		{name: "ftp image", details: valid(func(d *product.Details) { d.ImageURL = "ftp://example.com/a.png" }), wantMessage: "imageUrl must be an absolute http or https URL without credentials, a path on the site such as /img/mug.svg, or empty"},
		{name: "image without host", details: valid(func(d *product.Details) { d.ImageURL = "https:///a.png" }), wantMessage: "imageUrl must be an absolute http or https URL without credentials, a path on the site such as /img/mug.svg, or empty"},
		{name: "image with credentials", details: valid(func(d *product.Details) { d.ImageURL = "https://u:p@example.com/a.png" }), wantMessage: "imageUrl must be an absolute http or https URL without credentials, a path on the site such as /img/mug.svg, or empty"},
		{name: "image not a URL", details: valid(func(d *product.Details) { d.ImageURL = "https://exa mple.com/%zz" }), wantMessage: "imageUrl must be an absolute http or https URL without credentials, a path on the site such as /img/mug.svg, or empty"},
		{name: "image too long", details: valid(func(d *product.Details) { d.ImageURL = "https://example.com/" + strings.Repeat("a", 2048) }), wantMessage: "imageUrl must be at most 2048 characters"},
		{name: "20 tags", details: valid(func(d *product.Details) { d.Tags = strings.Split(strings.Repeat("t,", 19)+"t", ",") })},
		{name: "21 tags", details: valid(func(d *product.Details) { d.Tags = strings.Split(strings.Repeat("t,", 20)+"t", ",") }), wantMessage: "tags must have at most 20 entries"},
		{name: "blank tag", details: valid(func(d *product.Details) { d.Tags = []string{"ok", " "} }), wantMessage: "tags[1] must be 1 to 40 characters"},
		{name: "NUL in name", details: valid(func(d *product.Details) { d.Name = "Mu\x00g" }), wantMessage: "name must not contain control characters such as NUL, tab or newline"},
		{name: "newline in name", details: valid(func(d *product.Details) { d.Name = "Mug\nCup" }), wantMessage: "name must not contain control characters such as NUL, tab or newline"},
		{name: "tab in name", details: valid(func(d *product.Details) { d.Name = "Mug\tCup" }), wantMessage: "name must not contain control characters such as NUL, tab or newline"},
		{name: "DEL in name", details: valid(func(d *product.Details) { d.Name = "Mug\x7f" }), wantMessage: "name must not contain control characters such as NUL, tab or newline"},
		{name: "C1 control in name", details: valid(func(d *product.Details) { d.Name = "Mu\u0085g" }), wantMessage: "name must not contain control characters such as NUL, tab or newline"},
		{name: "NUL in description", details: valid(func(d *product.Details) { d.Description = "a\x00b" }), wantMessage: "description must not contain control characters other than newline, carriage return and tab"},
		{name: "escape in description", details: valid(func(d *product.Details) { d.Description = "a\x1b[31mb" }), wantMessage: "description must not contain control characters other than newline, carriage return and tab"},
		{name: "NUL in category", details: valid(func(d *product.Details) { d.Category = "kitchen\x00" }), wantMessage: "category must not contain control characters such as NUL, tab or newline"},
		{name: "NUL in tag", details: valid(func(d *product.Details) { d.Tags = []string{"ok", "a\x00b"} }), wantMessage: "tags[1] must not contain control characters such as NUL, tab or newline"},
		{name: "newline in tag", details: valid(func(d *product.Details) { d.Tags = []string{"a\nb"} }), wantMessage: "tags[0] must not contain control characters such as NUL, tab or newline"},
		{name: "lines and tabs in description", details: valid(func(d *product.Details) { d.Description = "Line one\r\nLine two\n\tindented" })},
		{name: "surrounding newline in name is trimmed", details: valid(func(d *product.Details) { d.Name = "\n Mug \t\n" })},
		{name: "tag of 41", details: valid(func(d *product.Details) { d.Tags = []string{strings.Repeat("x", 41)} }), wantMessage: "tags[0] must be 1 to 40 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := product.New(testID, tt.details, t0)
			if got := messageOf(err); got != tt.wantMessage {
				t.Errorf("New error = %q, want %q", got, tt.wantMessage)
			}
			if err != nil && fault.CodeOf(err) != fault.Invalid {
				t.Errorf("New error code = %q, want %q", fault.CodeOf(err), fault.Invalid)
			}
		})
	}
}

func messageOf(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// snapshot is a comparable view of a Product.
type snapshot struct {
	ID                   product.ID
	Name, Description    string
	Category             string
	Amount               money.Cents
	Currency             string
	ImageURL             string
	Tags                 []string
	CreatedAt, UpdatedAt time.Time
	Version              int
}

func snap(p *product.Product) snapshot {
	d := p.Details()
	return snapshot{
		ID: p.ID(), Name: d.Name, Description: d.Description, Category: d.Category,
		Amount: d.Price.Amount(), Currency: d.Price.Currency().String(), ImageURL: d.ImageURL, Tags: d.Tags,
		CreatedAt: p.CreatedAt(), UpdatedAt: p.UpdatedAt(), Version: p.Version(),
	}
}

func TestNewNormalizes(t *testing.T) {
	local := time.FixedZone("CET", 3600)
	p, err := product.New(testID, valid(func(d *product.Details) {
		d.Name = "  Stoneware Mug\n"
		d.Tags = []string{" ceramic ", "gift"}
	}), t0.In(local))
	if err != nil {
		t.Fatal(err)
	}
	want := snapshot{
		ID: testID, Name: "Stoneware Mug", Description: "Hand-glazed, 350 ml.", Category: "kitchen",
		Amount: 1450, Currency: "EUR", ImageURL: "https://images.example.com/mug.jpg", Tags: []string{"ceramic", "gift"},
		CreatedAt: t0, UpdatedAt: t0, Version: 1,
	}
	if diff := cmp.Diff(want, snap(p)); diff != "" {
		t.Errorf("New mismatch (-want +got):\n%s", diff)
	}
	if loc := p.CreatedAt().Location(); loc != time.UTC {
		t.Errorf("CreatedAt location = %v, want UTC", loc)
	}
}

func TestNewRejectsMalformedID(t *testing.T) {
	if _, err := product.New("not-an-id", valid(nil), t0); err == nil || fault.CodeOf(err) != fault.Internal {
		t.Errorf("New with malformed id: error = %v, want an internal error", err)
	}
}

func TestReplace(t *testing.T) {
	p, err := product.New(testID, valid(nil), t0)
	if err != nil {
		t.Fatal(err)
	}
	t1 := t0.Add(time.Hour)
	next := product.Details{Name: "Big Mug", Category: "mugs", Price: eur(1990)}
	if err := p.Replace(next, t1); err != nil {
		t.Fatal(err)
	}
	want := snapshot{ID: testID, Name: "Big Mug", Category: "mugs", Amount: 1990, Currency: "EUR", Tags: []string{}, CreatedAt: t0, UpdatedAt: t1, Version: 2}
	if diff := cmp.Diff(want, snap(p)); diff != "" {
		t.Errorf("after Replace (-want +got):\n%s", diff)
	}

	// An invalid replacement leaves the product as it was.
	if err := p.Replace(product.Details{Name: "x"}, t1.Add(time.Hour)); err == nil {
		t.Fatal("Replace with invalid details succeeded")
	}
	if diff := cmp.Diff(want, snap(p)); diff != "" {
		t.Errorf("after failed Replace (-want +got):\n%s", diff)
	}

	// A clock behind the last update does not move updatedAt backwards.
	if err := p.Replace(next, t0); err != nil {
		t.Fatal(err)
	}
	if got := p.UpdatedAt(); !got.Equal(t1) {
		t.Errorf("UpdatedAt = %v after replace with an earlier clock, want %v", got, t1)
	}
}

func TestDetailsIsACopy(t *testing.T) {
	tags := []string{"a"}
	p, err := product.New(testID, valid(func(d *product.Details) { d.Tags = tags }), t0)
	if err != nil {
		t.Fatal(err)
	}
	tags[0] = "changed"
	p.Details().Tags[0] = "changed too"
	if got := p.Details().Tags; !cmp.Equal(got, []string{"a"}) {
		t.Errorf("Tags = %q, want [a]: the product shares memory with its caller", got)
	}
}

func TestRestore(t *testing.T) {
	tests := []struct {
		name    string
		id      product.ID
		version int
		created time.Time
		wantErr bool
	}{
		{name: "ok", id: testID, version: 3, created: t0},
		{name: "malformed id", id: "x", version: 3, created: t0, wantErr: true},
		{name: "version 0", id: testID, version: 0, created: t0, wantErr: true},
		{name: "no createdAt", id: testID, version: 1, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Restore skips validation: an upper-case category from older data is still readable.
			d := valid(func(d *product.Details) { d.Category = "Legacy" })
			_, err := product.Restore(tt.id, d, tt.created, t0, tt.version)
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Errorf("Restore error = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

func TestParseID(t *testing.T) {
	tests := []struct {
		in      string
		wantErr error
	}{
		{in: string(testID)},
		{in: string(product.NewID())},
		{in: "", wantErr: product.ErrNotFound},
		{in: "0123456789ABCDEF0123456789ABCDEF", wantErr: product.ErrNotFound},
		{in: "0123456789abcdef0123456789abcde", wantErr: product.ErrNotFound},
		{in: "0123456789abcdef0123456789abcdefa", wantErr: product.ErrNotFound},
		{in: "../../etc/passwd", wantErr: product.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			id, err := product.ParseID(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseID(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			if err == nil && id.String() != tt.in {
				t.Errorf("ParseID(%q) = %q", tt.in, id)
			}
		})
	}
}

func TestNewIDIsUnique(t *testing.T) {
	seen := make(map[product.ID]bool)
	for range 1000 {
		id := product.NewID()
		if seen[id] {
			t.Fatalf("NewID repeated %s", id)
		}
		seen[id] = true
	}
}
