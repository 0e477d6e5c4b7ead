package spec_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/shared/spec"
)

// valid returns a service that passes Validate; each test case breaks one thing in it.
func valid() spec.Service {
	return spec.Service{
		Name: "shop",
		Routes: []spec.Route{
			{Function: "shop-get-thing", Method: "GET", Path: "/things/{id}", Access: spec.Public},
			{Function: "shop-put-thing", Method: "PUT", Path: "/things/{id}", Access: spec.Admin},
		},
		Table: spec.Table{
			PartitionKey: spec.Key{Name: "id", Type: spec.String},
			SortKey:      spec.Key{Name: "at", Type: spec.Number},
			Indexes: []spec.Index{{
				Name:             "byOwner",
				PartitionKey:     spec.Key{Name: "owner", Type: spec.String},
				SortKey:          spec.Key{Name: "at", Type: spec.Number},
				Projection:       spec.ProjectInclude,
				NonKeyAttributes: []string{"name"},
			}},
			TTLAttribute: spec.TTLAttribute,
			Stream:       spec.StreamNewImage,
		},
		Publisher: "shop-publish-events",
		Consumers: []spec.Consumer{{
			Function: "shop-handle-order", Sources: []string{"microshop.orders"}, DetailTypes: []string{"OrderPlaced"},
		}},
	}
}

func TestValidateAcceptsValid(t *testing.T) {
	if err := valid().Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
}

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*spec.Service)
	}{
		{"upper-case name", func(s *spec.Service) { s.Name = "Shop" }},
		{"function without the service prefix", func(s *spec.Service) { s.Routes[0].Function = "get-thing" }},
		{"function declared twice", func(s *spec.Service) { s.Routes[1].Function = "shop-get-thing" }},
		{"route declared twice", func(s *spec.Service) { s.Routes[1].Method = "GET" }},
		{"lower-case method", func(s *spec.Service) { s.Routes[0].Method = "get" }},
		{"ANY method", func(s *spec.Service) { s.Routes[0].Method = "ANY" }},
		{"relative path", func(s *spec.Service) { s.Routes[0].Path = "things" }},
		{"unknown access", func(s *spec.Service) { s.Routes[0].Access = spec.Admin + 1 }},
		{"publisher misnamed", func(s *spec.Service) { s.Publisher = "shop-publisher" }},
		{"publisher without new images", func(s *spec.Service) { s.Table.Stream = spec.StreamKeysOnly }},
		{"consumer without detail types", func(s *spec.Service) { s.Consumers[0].DetailTypes = nil }},
		{"no partition key", func(s *spec.Service) { s.Table.PartitionKey = spec.Key{} }},
		{"key type", func(s *spec.Service) { s.Table.PartitionKey.Type = "BOOL" }},
		{"sort key without a name", func(s *spec.Service) { s.Table.SortKey.Name = "" }},
		{"attribute with two types", func(s *spec.Service) { s.Table.Indexes[0].SortKey.Type = spec.String }},
		{"index without a name", func(s *spec.Service) { s.Table.Indexes[0].Name = "" }},
		{"index declared twice", func(s *spec.Service) { s.Table.Indexes = append(s.Table.Indexes, s.Table.Indexes[0]) }},
		{"include without attributes", func(s *spec.Service) { s.Table.Indexes[0].NonKeyAttributes = nil }},
		{"attributes without include", func(s *spec.Service) { s.Table.Indexes[0].Projection = spec.ProjectAll }},
		{"unknown projection", func(s *spec.Service) {
			s.Table.Indexes[0].Projection = "SOME"
			s.Table.Indexes[0].NonKeyAttributes = nil
		}},
		{"unknown stream view", func(s *spec.Service) { s.Table.Stream = "NEW" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := valid()
			tt.mutate(&s)
			if err := s.Validate(); !errors.Is(err, spec.ErrInvalid) {
				t.Errorf("Validate = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestFunctions(t *testing.T) {
	got := valid().Functions()
	want := []string{"shop-get-thing", "shop-put-thing", "shop-publish-events", "shop-handle-order"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Functions (-want +got):\n%s", diff)
	}
}

func TestNames(t *testing.T) {
	s := valid()
	tests := []struct{ name, got, want string }{
		{"route key", s.Routes[0].Key(), "GET /things/{id}"},
		{"go package", s.GoPackage("shop-get-thing"), "./functions/shop/cmd/shop-get-thing"},
		{"access", spec.Customer.String(), "customer"},
		{"unknown access", spec.Access(7).String(), "Access(7)"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestIndex(t *testing.T) {
	table := valid().Table
	if ix, ok := table.Index("byOwner"); !ok || ix.PartitionKey.Name != "owner" {
		t.Errorf(`Index("byOwner") = %+v, %v; want the byOwner index`, ix, ok)
	}
	if ix, ok := table.Index("byNothing"); ok {
		t.Errorf(`Index("byNothing") = %+v, true; want false`, ix)
	}
}
