package runtime

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/template"
)

// A function is background when an event source mapping invokes it and no API route, REST
// method or authorizer does.
func TestBackgroundFunctions(t *testing.T) {
	m := &template.Model{
		EventSourceMappings: []*template.EventSourceMapping{
			{Function: "Consumer"}, {Function: "AlsoRouted"}, {Function: "AlsoAuthorizer"},
			{Function: "AlsoRestMethod"}, {Function: "AlsoRestAuthorizer"}, {Function: ""},
		},
		APIs:        []*template.HTTPAPI{{Routes: []*template.Route{{Function: "AlsoRouted"}, {Function: "Routed"}}}},
		Authorizers: []*template.Authorizer{{Function: "AlsoAuthorizer"}},
		RestAPIs: []*template.RestAPI{{
			Methods:     []*template.RestMethod{{Function: "AlsoRestMethod"}},
			Authorizers: []*template.RestAuthorizer{{Function: "AlsoRestAuthorizer"}},
		}},
	}
	if diff := cmp.Diff(map[string]bool{"Consumer": true}, backgroundFunctions(m)); diff != "" {
		t.Errorf("background functions (-want +got):\n%s", diff)
	}
}
