package template

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Defaults for Options.
const (
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "000000000000"
	// DefaultEdgeURL is the local runtime's edge port, the default base of queue URLs and
	// API endpoints.
	DefaultEdgeURL = "http://127.0.0.1:4566"
	// DefaultStackName is the stack name Parse uses when Options.StackName is empty.
	DefaultStackName = "Stack"
)

// Options are the deployment-time facts a template is resolved against.
type Options struct {
	// StackName is AWS::StackName. Load defaults it to the file name without
	// ".template.json"; Parse to DefaultStackName.
	StackName string
	// Region is AWS::Region; default DefaultRegion.
	Region string
	// AccountID is AWS::AccountId (12 digits); default DefaultAccountID.
	AccountID string
	// Parameters override the template's parameter Defaults, by parameter name. List-typed
	// parameters take comma-separated values.
	Parameters map[string]string
	// QueueBaseURL is where the local SQS endpoint serves: a queue's URL (what Ref returns)
	// is QueueBaseURL/<account>/<queue name>. Default DefaultEdgeURL.
	QueueBaseURL string
	// APIEndpoint returns the endpoint of the HTTP API with the given local ID (its
	// Fn::GetAtt ApiEndpoint and HTTPAPI.Endpoint). Default: DefaultEdgeURL for every API.
	APIEndpoint func(apiID string) string
	// DistributionDomain is what Fn::GetAtt DomainName of every CloudFront distribution
	// returns: the local site's host:port, so "https://" + DomainName names the local site
	// (see site.go). Default: a *.cloudfront.net name derived from the logical ID.
	DistributionDomain string
	// Dir is the template's folder; Load sets it. A SAM function's CodeUri is relative to it
	// (see package sam).
	Dir string
	// AssetDir is the cloud assembly directory holding the template's asset manifest
	// (<stack>.assets.json) and staged assets. Load defaults it to the template's directory;
	// with none, bucket deployments have no local sources.
	AssetDir string
}

// Resource is a template resource as written, before intrinsic resolution. Model.Resources
// keeps them so later parts of the runtime can read resource types this package does not
// model (queues, rules, event source mappings, authorizers), resolving properties with
// Model.Property.
type Resource struct {
	Type       string
	Properties map[string]any
	Metadata   map[string]any
	// Condition is the name of the condition that decides whether the resource exists.
	Condition string
}

type document struct {
	Parameters map[string]*parameter
	Mappings   map[string]any
	Conditions map[string]any
	Resources  map[string]*Resource
	Outputs    map[string]*output
}

type parameter struct {
	Type    string
	Default any
}

type output struct {
	Value     any
	Condition string
}

// resolver evaluates intrinsics against one template. Its memo maps make it unsafe for
// concurrent use; the Model serializes calls.
type resolver struct {
	mu sync.Mutex

	region, account, partition, urlSuffix, stackName, stackID string

	queueBaseURL string
	apiEndpoint  func(apiID string) string
	distDomain   string
	assetDir     string
	assets       map[string]string // object key -> staged asset path; read on first use

	overrides  map[string]string
	params     map[string]*parameter
	mappings   map[string]any
	conditions map[string]any
	resources  map[string]*Resource
	outputs    map[string]*output
	warnings   []string

	condValues map[string]bool
	condBusy   map[string]bool
	names      map[string]string
	nameBusy   map[string]bool
}

// Load reads and parses the template at path; see Parse.
func Load(path string, opts Options) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load template: %w", err)
	}
	if opts.AssetDir == "" {
		opts.AssetDir = filepath.Dir(path)
	}
	if opts.Dir == "" {
		opts.Dir = filepath.Dir(path)
	}
	if opts.StackName == "" {
		opts.StackName = stackNameOf(path)
	}
	return Parse(data, opts)
}

// stackNameOf is the default stack name of the template at path: "<stack>" for CDK's
// "<stack>.template.json"; the folder's name for SAM's template.yaml, template.yml and
// template.json; else the file name without its extension.
func stackNameOf(path string) string {
	base := filepath.Base(path)
	if s, ok := strings.CutSuffix(base, ".template.json"); ok {
		return s
	}
	s := strings.TrimSuffix(base, filepath.Ext(base))
	if s == "template" {
		if abs, err := filepath.Abs(path); err == nil {
			if dir := filepath.Base(filepath.Dir(abs)); dir != "" && dir != "." && dir != string(filepath.Separator) {
				return dir
			}
		}
	}
	return s
}

// Parse builds the Model of a CloudFormation template written in JSON or YAML (short-form
// intrinsics such as !Ref and !GetAtt included). A template whose Transform is
// AWS::Serverless-2016-10-31 is first expanded by package sam, as CloudFormation would.
// Resource types it does not model are kept in Model.Resources and listed in
// Model.Warnings. Errors about the template's content are *Error values wrapping one of the
// package's sentinel errors.
func Parse(data []byte, opts Options) (*Model, error) {
	r, err := newResolver(data, opts)
	if err != nil {
		return nil, err
	}
	m := &Model{
		StackName: r.stackName,
		Region:    r.region,
		AccountID: r.account,
		Resources: r.resources,
		Warnings:  r.warnings,
		res:       r,
	}
	if err := m.build(); err != nil {
		return nil, err
	}
	m.Warnings = append(m.Warnings, m.typeWarnings()...)
	return m, nil
}

func newResolver(data []byte, opts Options) (*resolver, error) {
	if opts.StackName == "" {
		opts.StackName = DefaultStackName
	}
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	if opts.AccountID == "" {
		opts.AccountID = DefaultAccountID
	}
	if len(opts.AccountID) != 12 || strings.Trim(opts.AccountID, "0123456789") != "" {
		return nil, fmt.Errorf("template: account ID %q: want 12 digits: %w", opts.AccountID, ErrInvalid)
	}
	if opts.QueueBaseURL == "" {
		opts.QueueBaseURL = DefaultEdgeURL
	}
	if opts.APIEndpoint == nil {
		opts.APIEndpoint = func(string) string { return DefaultEdgeURL }
	}

	data, warnings, err := expand(data, opts.Dir)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // keep numbers as written: 256 stays "256", not "256.000000"
	var doc document
	if err := dec.Decode(&doc); err != nil {
		return nil, &Error{Err: fmt.Errorf("%w: %v", ErrInvalid, err)}
	}
	if doc.Resources == nil {
		return nil, &Error{Path: "Resources", Err: fmt.Errorf("%w: the template has no Resources section", ErrInvalid)}
	}
	for id, res := range doc.Resources {
		if res == nil || res.Type == "" {
			return nil, &Error{Resource: id, Path: "Type", Err: fmt.Errorf("%w: resource has no Type", ErrInvalid)}
		}
	}
	for name, p := range doc.Parameters {
		if p == nil {
			return nil, &Error{Path: "Parameters." + name, Err: fmt.Errorf("%w: parameter is null", ErrInvalid)}
		}
	}

	partition, suffix := "aws", "amazonaws.com"
	switch {
	case strings.HasPrefix(opts.Region, "cn-"):
		partition, suffix = "aws-cn", "amazonaws.com.cn"
	case strings.HasPrefix(opts.Region, "us-gov-"):
		partition = "aws-us-gov"
	}
	return &resolver{
		region:       opts.Region,
		account:      opts.AccountID,
		partition:    partition,
		urlSuffix:    suffix,
		stackName:    opts.StackName,
		stackID:      stackID(partition, opts.Region, opts.AccountID, opts.StackName),
		queueBaseURL: strings.TrimSuffix(opts.QueueBaseURL, "/"),
		apiEndpoint:  opts.APIEndpoint,
		distDomain:   opts.DistributionDomain,
		assetDir:     opts.AssetDir,
		overrides:    opts.Parameters,
		params:       doc.Parameters,
		mappings:     doc.Mappings,
		conditions:   doc.Conditions,
		resources:    doc.Resources,
		outputs:      doc.Outputs,
		warnings:     warnings,
		condValues:   map[string]bool{},
		condBusy:     map[string]bool{},
		names:        map[string]string{},
		nameBusy:     map[string]bool{},
	}, nil
}

// activeIDs returns the logical IDs of the resources whose Condition holds, sorted so that
// the first error a build reports is the same on every run.
func (r *resolver) activeIDs() ([]string, error) {
	var ids []string
	for _, id := range slices.Sorted(maps.Keys(r.resources)) {
		on, err := r.active(id)
		if err != nil {
			return nil, err
		}
		if on {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// active reports whether resource id exists once its condition is evaluated.
func (r *resolver) active(id string) (bool, error) {
	c := r.resources[id].Condition
	if c == "" {
		return true, nil
	}
	return r.condition(c, loc{id, "Condition"})
}

// property resolves the property at path (object keys, or list indexes in decimal) of
// resource id. It returns nil when the property, or an object on the way, is absent or
// resolves to AWS::NoValue.
func (r *resolver) property(id string, path ...string) (any, loc, error) {
	at := loc{id, "Properties"}
	var node any = r.resources[id].Properties
	for _, k := range path {
		if m, ok := node.(map[string]any); ok {
			if _, _, isCall := intrinsicCall(m); isCall {
				v, err := r.value(m, at)
				if err != nil {
					return nil, at, err
				}
				node = v
			}
		}
		at = at.key(k)
		switch n := node.(type) {
		case nil, noValueType:
			return nil, at, nil
		case map[string]any:
			v, ok := n[k]
			if !ok {
				return nil, at, nil
			}
			node = v
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(n) {
				return nil, at, nil
			}
			node = n[i]
		default:
			return nil, at, at.fail(ErrInvalid, "want an object, got %s", describe(n))
		}
	}
	v, err := r.value(node, at)
	if err != nil || v == noValue {
		return nil, at, err
	}
	return v, at, nil
}

// propString is a scalar property as a string; "" when absent.
func (r *resolver) propString(id string, path ...string) (string, error) {
	v, at, err := r.property(id, path...)
	if err != nil || v == nil {
		return "", err
	}
	s, ok := scalar(v)
	if !ok {
		return "", at.fail(ErrInvalid, "want a string, got %s", describe(v))
	}
	return s, nil
}

// propInt is an integer property (a JSON number or a numeric string); def when absent.
func (r *resolver) propInt(id string, def int, path ...string) (int, error) {
	v, at, err := r.property(id, path...)
	if err != nil || v == nil {
		return def, err
	}
	s, _ := scalar(v)
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, at.fail(ErrInvalid, "want an integer, got %s", describe(v))
	}
	return n, nil
}

// propStrings is a list-of-strings property; nil when absent.
func (r *resolver) propStrings(id string, path ...string) ([]string, error) {
	v, at, err := r.property(id, path...)
	if err != nil || v == nil {
		return nil, err
	}
	l, ok := v.([]any)
	if !ok {
		return nil, at.fail(ErrInvalid, "want a list, got %s", describe(v))
	}
	out := make([]string, len(l))
	for i, e := range l {
		s, ok := scalar(e)
		if !ok {
			return nil, at.index(i).fail(ErrInvalid, "want a string, got %s", describe(e))
		}
		out[i] = s
	}
	return out, nil
}

// propDecode decodes a resolved property into dst (a pointer) by its JSON shape, leaving
// dst alone when the property is absent.
func (r *resolver) propDecode(dst any, id string, path ...string) error {
	v, at, err := r.property(id, path...)
	if err != nil || v == nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return at.fail(ErrInvalid, "%v", err)
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return at.fail(ErrInvalid, "%v", err)
	}
	return nil
}

// Property resolves a property of resource logicalID at path (object keys; list indexes in
// decimal), e.g. m.Property("Queue", "RedrivePolicy", "maxReceiveCount"). The result uses
// encoding/json's generic types with numbers as json.Number; it is nil when the property is
// absent.
func (m *Model) Property(logicalID string, path ...string) (any, error) {
	r, err := m.resolver()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.checkResource(logicalID, "resource "+logicalID, loc{}); err != nil {
		return nil, err
	}
	v, _, err := r.property(logicalID, path...)
	return v, err
}

// Ref is what {"Ref": name} resolves to: a resource's local physical ID, a parameter's
// value or a pseudo parameter. List parameters are returned comma-joined.
func (m *Model) Ref(name string) (string, error) {
	r, err := m.resolver()
	if err != nil {
		return "", err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	at := loc{path: "Ref " + name}
	v, err := r.ref(name, at)
	if err != nil {
		return "", err
	}
	if l, ok := v.([]any); ok {
		parts := make([]string, len(l))
		for i, e := range l {
			parts[i], _ = scalar(e)
		}
		return strings.Join(parts, ","), nil
	}
	if v == noValue {
		return "", nil
	}
	s, _ := scalar(v)
	return s, nil
}

// GetAtt is what {"Fn::GetAtt": [logicalID, attribute]} resolves to.
func (m *Model) GetAtt(logicalID, attribute string) (string, error) {
	r, err := m.resolver()
	if err != nil {
		return "", err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.getAtt(logicalID, attribute, loc{path: "Fn::GetAtt " + logicalID + "." + attribute})
}

// Output resolves the value of the named stack output.
func (m *Model) Output(name string) (any, error) {
	r, err := m.resolver()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	at := loc{path: "Outputs." + name}
	o, ok := r.outputs[name]
	if !ok || o == nil {
		return nil, at.fail(ErrUnknownReference, "no output %s", name)
	}
	if o.Condition != "" {
		on, err := r.condition(o.Condition, at.key("Condition"))
		if err != nil {
			return nil, err
		}
		if !on {
			return nil, at.fail(ErrUnknownReference, "output %s is not created (condition %s is false)", name, o.Condition)
		}
	}
	v, err := r.value(o.Value, at.key("Value"))
	if v == noValue {
		v = nil
	}
	return v, err
}

func (m *Model) resolver() (*resolver, error) {
	if m.res == nil {
		return nil, fmt.Errorf("template: model was not built by Load or Parse: %w", ErrInvalid)
	}
	return m.res, nil
}
