// Package localpaths holds what the Makefile's other local paths need besides devcloud: the
// prerequisite check need.sh that `make sam-api`, `make sam-invoke` and `make
// localstack-deploy` run first (Docker and its engine, the SAM CLI, cdklocal, LocalStack), and
// LogicalID, which turns a function's name into the logical ID `sam local invoke` takes. Its
// tests run those make targets on a machine without the tools and check what they say.
package localpaths

import (
	"fmt"
	"sort"
	"strings"

	"github.com/microshop/microshop/local/template"
)

// LogicalID returns the logical ID of the function named name in m: the function whose
// FunctionName is name, or else the only one whose name ends in "-"+name (a stage-prefixed
// name). An unknown or ambiguous name is an error that lists the template's function names.
func LogicalID(m *template.Model, name string) (string, error) {
	var suffixed []string
	for id, fn := range m.Functions {
		if fn.Name == name {
			return id, nil
		}
		if strings.HasSuffix(fn.Name, "-"+name) {
			suffixed = append(suffixed, id)
		}
	}
	if len(suffixed) == 1 {
		return suffixed[0], nil
	}
	names := make([]string, 0, len(m.Functions))
	for _, fn := range m.Functions {
		names = append(names, fn.Name)
	}
	sort.Strings(names)
	if len(suffixed) > 1 {
		return "", fmt.Errorf("function %q is ambiguous in the template; name one of: %s", name, strings.Join(names, " "))
	}
	return "", fmt.Errorf("no function %q in the template; its functions: %s", name, strings.Join(names, " "))
}
