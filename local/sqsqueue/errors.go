package sqsqueue

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an SQS API error. Code is the error shape's name in the SQS model (the JSON
// protocol's __type, e.g. "QueueDoesNotExist"); QueryCode is the awsQuery-compatible code SQS
// also sends in the x-amzn-query-error header and that SDKs report as the error code
// (e.g. "AWS.SimpleQueueService.NonExistentQueue").
type Error struct {
	Code      string
	QueryCode string
	Status    int
	// Sender is true for client faults ("Sender" in x-amzn-query-error), false for server ones.
	Sender  bool
	Message string
}

func (e *Error) Error() string { return e.QueryCode + ": " + e.Message }

// Is makes errors.Is(err, ErrQueueDoesNotExist) match any *Error with the same Code.
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Code == e.Code
}

// The error vocabulary. Codes, query codes and statuses are those of the SQS model's
// @awsQueryError traits, so the SDKs map them to their typed errors. Compare with errors.Is.
var (
	ErrQueueDoesNotExist        = &Error{Code: "QueueDoesNotExist", QueryCode: "AWS.SimpleQueueService.NonExistentQueue", Status: 400, Sender: true}
	ErrQueueNameExists          = &Error{Code: "QueueNameExists", QueryCode: "QueueAlreadyExists", Status: 400, Sender: true}
	ErrReceiptHandleIsInvalid   = &Error{Code: "ReceiptHandleIsInvalid", QueryCode: "ReceiptHandleIsInvalid", Status: 404, Sender: true}
	ErrMessageNotInflight       = &Error{Code: "MessageNotInflight", QueryCode: "AWS.SimpleQueueService.MessageNotInflight", Status: 400, Sender: true}
	ErrEmptyBatchRequest        = &Error{Code: "EmptyBatchRequest", QueryCode: "AWS.SimpleQueueService.EmptyBatchRequest", Status: 400, Sender: true}
	ErrTooManyEntries           = &Error{Code: "TooManyEntriesInBatchRequest", QueryCode: "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", Status: 400, Sender: true}
	ErrBatchEntryIDsNotDistinct = &Error{Code: "BatchEntryIdsNotDistinct", QueryCode: "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", Status: 400, Sender: true}
	ErrInvalidBatchEntryID      = &Error{Code: "InvalidBatchEntryId", QueryCode: "AWS.SimpleQueueService.InvalidBatchEntryId", Status: 400, Sender: true}
	ErrBatchRequestTooLong      = &Error{Code: "BatchRequestTooLong", QueryCode: "AWS.SimpleQueueService.BatchRequestTooLong", Status: 400, Sender: true}
	ErrInvalidAttributeName     = &Error{Code: "InvalidAttributeName", QueryCode: "InvalidAttributeName", Status: 400, Sender: true}
	ErrInvalidAttributeValue    = &Error{Code: "InvalidAttributeValue", QueryCode: "InvalidAttributeValue", Status: 400, Sender: true}
	ErrInvalidMessageContents   = &Error{Code: "InvalidMessageContents", QueryCode: "InvalidMessageContents", Status: 400, Sender: true}
	ErrUnsupportedOperation     = &Error{Code: "UnsupportedOperation", QueryCode: "AWS.SimpleQueueService.UnsupportedOperation", Status: 400, Sender: true}
	ErrResourceNotFound         = &Error{Code: "ResourceNotFoundException", QueryCode: "ResourceNotFoundException", Status: 404, Sender: true}
	ErrPurgeQueueInProgress     = &Error{Code: "PurgeQueueInProgress", QueryCode: "AWS.SimpleQueueService.PurgeQueueInProgress", Status: 403, Sender: true}
	ErrOverLimit                = &Error{Code: "OverLimit", QueryCode: "OverLimit", Status: 403, Sender: true}
	// Common (unmodelled) errors: the SDKs see them as generic API errors with these codes.
	ErrInvalidParameterValue = &Error{Code: "InvalidParameterValue", QueryCode: "InvalidParameterValue", Status: 400, Sender: true}
	ErrMissingParameter      = &Error{Code: "MissingParameter", QueryCode: "MissingParameter", Status: 400, Sender: true}
	ErrInvalidAction         = &Error{Code: "InvalidAction", QueryCode: "InvalidAction", Status: 400, Sender: true}
	ErrSerialization         = &Error{Code: "SerializationException", QueryCode: "SerializationException", Status: 400, Sender: true}
	ErrInternal              = &Error{Code: "InternalFailure", QueryCode: "InternalFailure", Status: 500, Sender: false}
)

// errorf returns a copy of kind with a formatted message.
func errorf(kind *Error, format string, args ...any) *Error {
	e := *kind
	e.Message = fmt.Sprintf(format, args...)
	return &e
}

// writeError is the one place errors become HTTP responses, in the form SQS's JSON protocol
// uses: {"__type":"com.amazonaws.sqs#Code","message":...} plus the query-compatible header.
func writeError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = errorf(ErrInternal, "internal error")
	}
	fault := "Sender"
	if !e.Sender {
		fault = "Receiver"
	}
	w.Header().Set("x-amzn-query-error", e.QueryCode+";"+fault)
	writeJSON(w, e.Status, map[string]string{"__type": "com.amazonaws.sqs#" + e.Code, "message": e.Message})
}
