package template

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error from Load, Parse and the Model's resolve methods that concerns
// the template's content is an *Error wrapping one of these, so callers can test the kind with
// errors.Is and the location with errors.As.
var (
	// ErrInvalid: the template, or an intrinsic function's arguments, are malformed
	// (bad JSON, a missing Type, Fn::Select out of range, a circular reference, ...).
	ErrInvalid = errors.New("invalid template")
	// ErrUnknownReference: a Ref, Fn::GetAtt, Fn::FindInMap or condition names something the
	// template does not define, or a resource its condition leaves out.
	ErrUnknownReference = errors.New("unknown reference")
	// ErrUnknownAttribute: Fn::GetAtt asks for an attribute the local runtime cannot provide
	// for that resource type.
	ErrUnknownAttribute = errors.New("unknown attribute")
	// ErrMissingParameter: a referenced parameter has neither an override nor a Default.
	ErrMissingParameter = errors.New("missing parameter value")
	// ErrUnsupported: the template uses a feature that has no local meaning, such as
	// Fn::ImportValue (other stacks' exports do not exist locally).
	ErrUnsupported = errors.New("not supported locally")
)

// Error locates a problem in a template.
type Error struct {
	// Resource is the logical ID of the resource concerned; empty for problems outside the
	// Resources section (Conditions, Outputs, the document itself).
	Resource string
	// Path is the dotted path inside the resource ("Properties.Environment.Variables.TABLE_NAME")
	// or template ("Conditions.IsProd", "Outputs.ApiUrl.Value"); list elements appear as
	// numeric segments.
	Path string
	// Err is the cause; it wraps one of the sentinel errors above.
	Err error
}

func (e *Error) Error() string {
	switch {
	case e.Resource != "" && e.Path != "":
		return fmt.Sprintf("template: resource %s: %s: %v", e.Resource, e.Path, e.Err)
	case e.Resource != "":
		return fmt.Sprintf("template: resource %s: %v", e.Resource, e.Err)
	case e.Path != "":
		return fmt.Sprintf("template: %s: %v", e.Path, e.Err)
	default:
		return fmt.Sprintf("template: %v", e.Err)
	}
}

func (e *Error) Unwrap() error { return e.Err }
