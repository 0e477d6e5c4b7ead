// Package stsapi is the local AWS Security Token Service: GetCallerIdentity, the call SDK
// start-up code, scripts and Terraform make first, served on the edge port (dispatched by the
// SigV4 scope "sts") in STS's query protocol: a form-encoded POST (or GET query) with
// Action and Version, answered in XML.
//
// Every caller is the local account's root user: UserId is the account ID and the ARN is
// arn:<partition>:iam::<account>:root, which is what STS returns for root credentials.
// Other actions are answered with STS's InvalidAction error.
package stsapi

import (
	"crypto/rand"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"

	smithyrand "github.com/aws/smithy-go/rand"
)

// Version is the STS API version the query protocol names.
const Version = "2011-06-15"

// namespace is the XML namespace of STS's responses.
const namespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// Options configure a Service.
type Options struct {
	// AccountID is the account every caller belongs to; default 000000000000.
	AccountID string
	// Region is the local stack's region; it decides the ARN partition (aws-cn for cn-*,
	// aws-us-gov for us-gov-*, otherwise aws).
	Region string
}

// Service serves STS on the edge. It is stateless and safe for concurrent use.
type Service struct {
	account, partition string
}

// New returns a Service for the account.
func New(o Options) *Service {
	s := &Service{account: o.AccountID, partition: "aws"}
	if s.account == "" {
		s.account = "000000000000"
	}
	switch {
	case strings.HasPrefix(o.Region, "cn-"):
		s.partition = "aws-cn"
	case strings.HasPrefix(o.Region, "us-gov-"):
		s.partition = "aws-us-gov"
	}
	return s
}

// Identity is GetCallerIdentity's result.
type Identity struct {
	UserID  string `xml:"UserId"`
	Account string `xml:"Account"`
	ARN     string `xml:"Arn"`
}

// CallerIdentity is the identity every local caller has.
func (s *Service) CallerIdentity() Identity {
	return Identity{UserID: s.account, Account: s.account, ARN: "arn:" + s.partition + ":iam::" + s.account + ":root"}
}

type responseMetadata struct {
	RequestID string `xml:"RequestId"`
}

type getCallerIdentityResponse struct {
	XMLName  xml.Name         `xml:"GetCallerIdentityResponse"`
	Xmlns    string           `xml:"xmlns,attr"`
	Result   Identity         `xml:"GetCallerIdentityResult"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
}

type errorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

// ServeHTTP serves one query-protocol request.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := newRequestID()
	w.Header().Set("x-amzn-RequestId", id)
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		writeError(w, id, http.StatusBadRequest, "InvalidAction", "STS accepts POST and GET requests.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		writeError(w, id, http.StatusBadRequest, "MalformedQueryString", "The request body is not a valid form: "+err.Error())
		return
	}
	action, version := r.Form.Get("Action"), r.Form.Get("Version")
	switch {
	case action == "":
		writeError(w, id, http.StatusBadRequest, "MissingAction", "Missing Action")
	case version != "" && version != Version:
		writeError(w, id, http.StatusBadRequest, "InvalidAction", fmt.Sprintf("Could not find operation %s for version %s", action, version))
	case action == "GetCallerIdentity":
		writeXML(w, http.StatusOK, getCallerIdentityResponse{
			Xmlns: namespace, Result: s.CallerIdentity(), Metadata: responseMetadata{RequestID: id},
		})
	default:
		if version == "" {
			version = "NO_VERSION_SPECIFIED"
		}
		writeError(w, id, http.StatusBadRequest, "InvalidAction", fmt.Sprintf("Could not find operation %s for version %s", action, version))
	}
}

func writeError(w http.ResponseWriter, id string, status int, code, msg string) {
	var e errorResponse
	e.Xmlns = namespace
	e.Error.Type, e.Error.Code, e.Error.Message = "Sender", code, msg
	e.RequestID = id
	writeXML(w, status, e)
}

func writeXML(w http.ResponseWriter, status int, v any) {
	var b strings.Builder
	b.WriteString(xml.Header)
	_ = xml.NewEncoder(&b).Encode(v) // the response types always encode
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// newRequestID returns a random UUID, the form of STS request IDs.
func newRequestID() string {
	id, _ := smithyrand.NewUUID(rand.Reader).GetUUID() // crypto/rand.Reader never fails
	return id
}
