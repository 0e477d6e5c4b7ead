package cognito

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/microshop/microshop/local/jwtauth"
	"github.com/microshop/microshop/local/template"
)

// TargetPrefix is the X-Amz-Target prefix of the Cognito Identity Provider API.
const TargetPrefix = "AWSCognitoIdentityProviderService"

// Options configure a Service.
type Options struct {
	// Issuer signs the tokens (required): the local runtime's, whose key the JWT authorizers
	// trust.
	Issuer *jwtauth.Issuer
	// DataDir, when set, keeps users in DataDir/cognito/<pool ID>.json across restarts.
	DataDir string
	// AutoConfirm confirms users at SignUp, as if they had entered their code.
	AutoConfirm bool
	// Log receives confirmation codes and generated temporary passwords; nil: io.Discard.
	Log io.Writer
	// PasswordCost is the bcrypt cost; default bcrypt.DefaultCost.
	PasswordCost int
	// Now is the clock for codes, temporary passwords and refresh tokens; default time.Now.
	// Access and ID tokens use the Issuer's clock.
	Now func() time.Time
}

// Service serves the Cognito Identity Provider API for a template's user pools. It is safe
// for concurrent use.
type Service struct {
	opts    Options
	pools   map[string]*pool   // by pool ID
	clients map[string]*client // by client ID
	issuers map[string]*pool   // by issuer URL
	logMu   sync.Mutex

	chMu       sync.Mutex
	challenges map[string]*challenge // by Session
}

type client struct {
	*template.UserPoolClient
	pool *pool
}

// New returns a Service for pools, loading their users from opts.DataDir.
func New(pools []*template.UserPool, opts Options) (*Service, error) {
	if opts.Issuer == nil {
		return nil, errors.New("cognito: no token issuer")
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.PasswordCost == 0 {
		opts.PasswordCost = bcrypt.DefaultCost
	}
	s := &Service{opts: opts, pools: map[string]*pool{}, clients: map[string]*client{}, issuers: map[string]*pool{}, challenges: map[string]*challenge{}}
	for _, tp := range pools {
		p, err := openPool(tp, opts.DataDir)
		if err != nil {
			return nil, err
		}
		s.pools[tp.ID] = p
		s.issuers[tp.IssuerURL] = p
		for _, c := range tp.Clients {
			s.clients[c.ID] = &client{UserPoolClient: c, pool: p}
		}
	}
	return s, nil
}

// logf writes one line to Options.Log.
func (s *Service) logf(format string, args ...any) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.opts.Log, "cognito: "+format+"\n", args...)
}

// maxBody bounds a request body; Cognito's largest requests are a few kilobytes.
const maxBody = 1 << 20

// ServeHTTP answers one AWS JSON 1.1 request.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeError(w, errorf(errInvalidAction, "the Cognito Identity Provider API takes POST requests"))
		return
	}
	prefix, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	if prefix != TargetPrefix {
		writeError(w, errorf(errUnknownOperation, "unknown target %q", r.Header.Get("X-Amz-Target")))
		return
	}
	h, ok := operations[op]
	if !ok {
		writeError(w, errorf(errUnknownOperation, "the local Cognito does not implement %s", op))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		writeError(w, errorf(ErrInvalidParameter, "read request: %v", err))
		return
	}
	if len(body) > maxBody {
		writeError(w, errorf(ErrInvalidParameter, "request body larger than %d bytes", maxBody))
		return
	}
	out, err := h(s, body)
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
}

// operation decodes its input from body and returns the output to encode.
type operation func(s *Service, body []byte) (any, error)

// op adapts a typed handler to an operation.
func op[In any](f func(s *Service, in *In) (any, error)) operation {
	return func(s *Service, body []byte) (any, error) {
		in := new(In)
		if len(body) > 0 {
			if err := json.Unmarshal(body, in); err != nil {
				return nil, errorf(errSerialization, "cannot decode the request: %v", err)
			}
		}
		return f(s, in)
	}
}

var operations map[string]operation

func init() {
	operations = map[string]operation{
		"SignUp":                   op((*Service).signUp),
		"ConfirmSignUp":            op((*Service).confirmSignUp),
		"InitiateAuth":             op((*Service).initiateAuth),
		"RespondToAuthChallenge":   op((*Service).respondToAuthChallenge),
		"GetUser":                  op((*Service).getUser),
		"GlobalSignOut":            op((*Service).globalSignOut),
		"AdminCreateUser":          op((*Service).adminCreateUser),
		"AdminSetUserPassword":     op((*Service).adminSetUserPassword),
		"AdminConfirmSignUp":       op((*Service).adminConfirmSignUp),
		"AdminAddUserToGroup":      op((*Service).adminAddUserToGroup),
		"AdminRemoveUserFromGroup": op((*Service).adminRemoveUserFromGroup),
		"AdminListGroupsForUser":   op((*Service).adminListGroupsForUser),
		"AdminGetUser":             op((*Service).adminGetUser),
		"AdminDeleteUser":          op((*Service).adminDeleteUser),
		"ListUsers":                op((*Service).listUsers),
		"ListUsersInGroup":         op((*Service).listUsersInGroup),
		"ListGroups":               op((*Service).listGroups),
	}
}

// Error is a Cognito exception: Type is its name (__type), e.g. "NotAuthorizedException".
type Error struct {
	Type    string
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

// Is matches errors of the same Type, so errors.Is(err, ErrNotAuthorized) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Type == e.Type
}

// The exceptions the Service returns. Compare with errors.Is.
var (
	ErrUsernameExists   = &Error{Type: "UsernameExistsException", Status: 400}
	ErrNotAuthorized    = &Error{Type: "NotAuthorizedException", Status: 400}
	ErrUserNotConfirmed = &Error{Type: "UserNotConfirmedException", Status: 400}
	ErrInvalidPassword  = &Error{Type: "InvalidPasswordException", Status: 400}
	ErrUserNotFound     = &Error{Type: "UserNotFoundException", Status: 400}
	ErrResourceNotFound = &Error{Type: "ResourceNotFoundException", Status: 400}
	ErrInvalidParameter = &Error{Type: "InvalidParameterException", Status: 400}
	ErrCodeMismatch     = &Error{Type: "CodeMismatchException", Status: 400}
	ErrExpiredCode      = &Error{Type: "ExpiredCodeException", Status: 400}
	ErrAliasExists      = &Error{Type: "AliasExistsException", Status: 400}
	ErrInternal         = &Error{Type: "InternalErrorException", Status: 500}
	errUnknownOperation = &Error{Type: "UnknownOperationException", Status: 400}
	errInvalidAction    = &Error{Type: "InvalidAction", Status: 400}
	errSerialization    = &Error{Type: "SerializationException", Status: 400}
)

// errorf is an exception of kind with a message.
func errorf(kind *Error, format string, args ...any) *Error {
	return &Error{Type: kind.Type, Status: kind.Status, Message: fmt.Sprintf(format, args...)}
}

// writeError answers with the exception as AWS JSON 1.1 services do: the name in __type and
// in x-amzn-ErrorType, which the SDKs read first. Anything that is not an *Error is an
// internal error whose detail stays out of the response.
func writeError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = errorf(ErrInternal, "internal error")
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Errortype", e.Type)
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.Type, "message": e.Message})
}
