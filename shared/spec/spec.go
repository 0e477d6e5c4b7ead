// Package spec describes a service in plain Go, for the service's own code and for infra to
// share: who may call each HTTP route and which function serves it, the shape of the service's
// table, its outbox publisher and its event consumers. It imports nothing from the CDK, so a
// service's code can name its indexes and functions without linking the infrastructure; infra
// builds the routes, the table and the event wiring from it, and infra's tests fail when the
// synthesized template drifts from it.
package spec

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Access says who may call a route.
type Access int

const (
	// Public routes need no token (catalog reads, shipping quotes).
	Public Access = iota
	// Customer routes need a signed-in user's token; the customer is its `sub` claim.
	Customer
	// Admin routes need a signed-in user's token, as Customer routes do; the handler then
	// requires the user to be in the `admin` group (the authorizer checks only the token).
	Admin
)

func (a Access) String() string {
	switch a {
	case Public:
		return "public"
	case Customer:
		return "customer"
	case Admin:
		return "admin"
	}
	return fmt.Sprintf("Access(%d)", int(a))
}

// Route is one HTTP API route served by one Lambda function (payload format 2.0).
type Route struct {
	// Function is the name of the function serving the route, e.g. "catalog-get-product".
	Function string
	// Method is the HTTP method in upper case, e.g. "GET".
	Method string
	// Path as API Gateway writes it, e.g. "/products/{id}".
	Path   string
	Access Access
}

// Key is the route's RouteKey as API Gateway writes it, e.g. "GET /products/{id}".
func (r Route) Key() string { return r.Method + " " + r.Path }

// AttributeType is a DynamoDB key attribute's scalar type.
type AttributeType string

// The key attribute types DynamoDB allows.
const (
	String AttributeType = "S"
	Number AttributeType = "N"
	Binary AttributeType = "B"
)

// Key is a key attribute of a table or index.
type Key struct {
	Name string
	Type AttributeType
}

// Projection says which attributes an index copies from the table.
type Projection string

// The projections DynamoDB offers; Include copies Index.NonKeyAttributes besides the keys.
const (
	ProjectAll      Projection = "ALL"
	ProjectKeysOnly Projection = "KEYS_ONLY"
	ProjectInclude  Projection = "INCLUDE"
)

// Index is a global secondary index.
type Index struct {
	Name         string
	PartitionKey Key
	// SortKey is the zero Key when the index has none.
	SortKey    Key
	Projection Projection
	// NonKeyAttributes are the attributes an Include projection copies.
	NonKeyAttributes []string
}

// StreamView is what each record of a table's stream holds ("" when the table has no stream).
type StreamView string

// The stream views DynamoDB Streams offers.
const (
	NoStream        StreamView = ""
	StreamKeysOnly  StreamView = "KEYS_ONLY"
	StreamNewImage  StreamView = "NEW_IMAGE"
	StreamOldImage  StreamView = "OLD_IMAGE"
	StreamNewAndOld StreamView = "NEW_AND_OLD_IMAGES"
)

// TTLAttribute is the time-to-live attribute of every table in the shop (epoch seconds, N):
// outbox rows and idempotency records expire through it.
const TTLAttribute = "expiresAt"

// Table is the schema of a service's one DynamoDB table: what infra must create and the
// service's code relies on. Non-key attributes are the service's own business.
type Table struct {
	PartitionKey Key
	// SortKey is the zero Key when the table has none.
	SortKey Key
	// Indexes are the global secondary indexes.
	Indexes []Index
	// TTLAttribute names the time-to-live attribute, "" for none.
	TTLAttribute string
	// Stream is the view of the table's stream; NoStream for none.
	Stream StreamView
}

// Index returns the index named name.
func (t Table) Index(name string) (Index, bool) {
	i := slices.IndexFunc(t.Indexes, func(x Index) bool { return x.Name == name })
	if i < 0 {
		return Index{}, false
	}
	return t.Indexes[i], true
}

// Consumer is a function that consumes events from the shop's bus through its own queue. A
// rule matches the events whose source is one of Sources and whose detail type is one of
// DetailTypes (EventBridge's "source" and "detail-type").
type Consumer struct {
	Function    string
	Sources     []string
	DetailTypes []string
}

// Service describes one service: its routes, its table, its outbox publisher and consumers.
type Service struct {
	// Name is the service's folder under functions/ and the prefix of its functions' names.
	Name   string
	Routes []Route
	Table  Table
	// Publisher names the function that publishes the outbox rows of the table's stream
	// ("<Name>-publish-events"), "" when the service has no outbox.
	Publisher string
	Consumers []Consumer
}

// Functions returns the names of all of the service's functions: routes, publisher, consumers.
func (s Service) Functions() []string {
	var names []string
	for _, r := range s.Routes {
		names = append(names, r.Function)
	}
	if s.Publisher != "" {
		names = append(names, s.Publisher)
	}
	for _, c := range s.Consumers {
		names = append(names, c.Function)
	}
	return names
}

// GoPackage returns the main package of function name relative to the module root, e.g.
// "./functions/catalog/cmd/catalog-get-product".
func (s Service) GoPackage(name string) string {
	return "./functions/" + s.Name + "/cmd/" + name
}

// methods are the methods an HTTP API route may name (ANY is left out on purpose: a route
// is one use case).
var methods = []string{"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"}

// ErrInvalid is wrapped by every error Validate reports.
var ErrInvalid = errors.New("invalid service spec")

// Validate reports every way s is not a service infra can build, joined into one error; each
// wraps ErrInvalid.
func (s Service) Validate() error {
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...))
	}

	if s.Name == "" || strings.ToLower(s.Name) != s.Name || strings.ContainsAny(s.Name, " -/") {
		fail("service name %q: want a lower-case word", s.Name)
	}
	seen := map[string]bool{}
	for _, name := range s.Functions() {
		if !strings.HasPrefix(name, s.Name+"-") || len(name) > 64 {
			fail("function %q: want the prefix %q and at most 64 characters", name, s.Name+"-")
		}
		if seen[name] {
			fail("function %q: declared twice", name)
		}
		seen[name] = true
	}
	keys := map[string]bool{}
	for _, r := range s.Routes {
		if !slices.Contains(methods, r.Method) {
			fail("route %q: method %q is not one of %v", r.Key(), r.Method, methods)
		}
		if !strings.HasPrefix(r.Path, "/") {
			fail("route %q: path must start with /", r.Key())
		}
		if r.Access < Public || r.Access > Admin {
			fail("route %q: unknown access %v", r.Key(), r.Access)
		}
		if keys[r.Key()] {
			fail("route %q: declared twice", r.Key())
		}
		keys[r.Key()] = true
	}
	if s.Publisher != "" && s.Publisher != s.Name+"-publish-events" {
		fail("publisher %q: want %q", s.Publisher, s.Name+"-publish-events")
	}
	if s.Publisher != "" && s.Table.Stream != StreamNewImage && s.Table.Stream != StreamNewAndOld {
		fail("publisher %q: the table's stream must carry new images, not %q", s.Publisher, s.Table.Stream)
	}
	for _, c := range s.Consumers {
		if len(c.Sources) == 0 || len(c.DetailTypes) == 0 {
			fail("consumer %q: want at least one source and one detail type", c.Function)
		}
	}
	errs = append(errs, s.Table.validate()...)
	return errors.Join(errs...)
}

func (t Table) validate() []error {
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...))
	}
	key := func(where string, k Key, required bool) {
		switch {
		case k == Key{} && !required:
		case k.Name == "":
			fail("%s: key has no name", where)
		case k.Type != String && k.Type != Number && k.Type != Binary:
			fail("%s: key %q has type %q, want S, N or B", where, k.Name, k.Type)
		}
	}
	key("table partition key", t.PartitionKey, true)
	key("table sort key", t.SortKey, false)
	// Every attribute has one type across the table and its indexes (AttributeDefinitions).
	types := map[string]AttributeType{}
	typed := func(where string, k Key) {
		if k.Name == "" {
			return
		}
		if was, ok := types[k.Name]; ok && was != k.Type {
			fail("%s: attribute %q is %q here and %q elsewhere", where, k.Name, k.Type, was)
		}
		types[k.Name] = k.Type
	}
	typed("table", t.PartitionKey)
	typed("table", t.SortKey)
	names := map[string]bool{}
	for _, ix := range t.Indexes {
		where := fmt.Sprintf("index %q", ix.Name)
		if ix.Name == "" || names[ix.Name] {
			fail("%s: want a unique, non-empty name", where)
		}
		names[ix.Name] = true
		key(where+" partition key", ix.PartitionKey, true)
		key(where+" sort key", ix.SortKey, false)
		typed(where, ix.PartitionKey)
		typed(where, ix.SortKey)
		switch {
		case ix.Projection == ProjectInclude && len(ix.NonKeyAttributes) == 0:
			fail("%s: an INCLUDE projection needs NonKeyAttributes", where)
		case ix.Projection != ProjectInclude && len(ix.NonKeyAttributes) > 0:
			fail("%s: NonKeyAttributes need an INCLUDE projection, not %q", where, ix.Projection)
		case ix.Projection != ProjectAll && ix.Projection != ProjectKeysOnly && ix.Projection != ProjectInclude:
			fail("%s: projection %q, want ALL, KEYS_ONLY or INCLUDE", where, ix.Projection)
		}
	}
	switch t.Stream {
	case NoStream, StreamKeysOnly, StreamNewImage, StreamOldImage, StreamNewAndOld:
	default:
		fail("table stream %q: not a stream view", t.Stream)
	}
	return errs
}
