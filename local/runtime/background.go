package runtime

import "github.com/microshop/microshop/local/template"

// backgroundFunctions are the logical IDs of the functions no caller waits on (see
// lambdahost.FunctionSpec.Background): the targets of an event source mapping that no HTTP
// API route, REST API method or authorizer invokes. Functions reached otherwise (rules,
// schedules, the Invoke API) keep the normal class: a caller of Invoke may be waiting.
func backgroundFunctions(m *template.Model) map[string]bool {
	out := map[string]bool{}
	for _, esm := range m.EventSourceMappings {
		if esm.Function != "" {
			out[esm.Function] = true
		}
	}
	for _, api := range m.APIs {
		for _, r := range api.Routes {
			delete(out, r.Function)
		}
	}
	for _, a := range m.Authorizers {
		delete(out, a.Function)
	}
	for _, api := range m.RestAPIs {
		for _, meth := range api.Methods {
			delete(out, meth.Function)
		}
		for _, a := range api.Authorizers {
			delete(out, a.Function)
		}
	}
	return out
}
