package fault_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/microshop/microshop/shared/fault"
)

func TestCodeAndMessageOf(t *testing.T) {
	errMissing := fault.New(fault.NotFound, "product not found")
	tests := []struct {
		name        string
		err         error
		wantCode    fault.Code
		wantMessage string
	}{
		{name: "nil", err: nil, wantCode: "", wantMessage: "internal error"},
		{name: "fault", err: errMissing, wantCode: fault.NotFound, wantMessage: "product not found"},
		{name: "wrapped fault", err: fmt.Errorf("get product 7: %w", errMissing), wantCode: fault.NotFound, wantMessage: "product not found"},
		{name: "plain error", err: errors.New("connection reset"), wantCode: fault.Internal, wantMessage: "internal error"},
		{name: "internal fault", err: fault.New(fault.Internal, "secret detail"), wantCode: fault.Internal, wantMessage: "internal error"},
		{name: "formatted", err: fault.Errorf(fault.Invalid, "tags[%d] must be 1 to %d characters", 2, 40), wantCode: fault.Invalid, wantMessage: "tags[2] must be 1 to 40 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fault.CodeOf(tt.err); got != tt.wantCode {
				t.Errorf("CodeOf = %q, want %q", got, tt.wantCode)
			}
			if got := fault.MessageOf(tt.err); got != tt.wantMessage {
				t.Errorf("MessageOf = %q, want %q", got, tt.wantMessage)
			}
		})
	}
}
