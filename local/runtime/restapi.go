package runtime

import (
	"fmt"
	"io"
	"maps"
	"net"
	"slices"

	"github.com/microshop/microshop/local/apigw"
	"github.com/microshop/microshop/local/jwtauth"
)

// RestAPIURL is one served REST API.
type RestAPIURL struct {
	// Name is the API's Name (else its logical ID).
	Name string
	// URL is the API's base URL; paths are served under it with or without the stage
	// prefix (URL + "/" + Stage + path, or URL + path).
	URL string
	// Stage is the stage requests without a stage prefix are served as.
	Stage string
}

// startRestAPIs gives each REST API its own listener: the first at addr when first is true
// (the template has no HTTP API), the others on free ports. Cognito authorizers check
// tokens against iss, the issuer the local user pools sign with (nil when the template has
// no user pool).
func (rt *Runtime) startRestAPIs(addr string, first bool, iss *jwtauth.Issuer, logw io.Writer) error {
	names := map[string]string{}
	for id, fn := range rt.model.Functions {
		names[id] = fn.Name
	}
	for _, id := range slices.Sorted(maps.Keys(rt.model.Resources)) {
		res := rt.model.Resources[id]
		if _, ok := res.Properties["BodyS3Location"]; ok && (res.Type == "AWS::ApiGateway::RestApi" || res.Type == "AWS::ApiGatewayV2::Api") {
			fmt.Fprintf(logw, "devcloud: warning: %s: BodyS3Location (an OpenAPI definition in S3, SAM's DefinitionUri) is not read locally: inline it as Body/DefinitionBody\n", id)
		}
	}
	usage := apigw.NewUsageMeter() // one for every API: a usage plan counts across its APIs
	for i, api := range rt.model.RestAPIs {
		if len(api.Methods) == 0 {
			fmt.Fprintf(logw, "devcloud: warning: REST API %s has no methods: every request answers 403 Missing Authentication Token\n", api.LogicalID)
		}
		a := "127.0.0.1:0"
		if i == 0 && first {
			a = addr
		}
		ln, err := net.Listen("tcp", a)
		if err != nil {
			return fmt.Errorf("REST API %s: %w", api.LogicalID, err)
		}
		opts := apigw.RestOptions{Region: rt.model.Region, AccountID: rt.model.AccountID, Log: logw,
			UsagePlans: rt.model.UsagePlans, Usage: usage}
		if iss != nil {
			opts.Tokens = iss
		}
		h := apigw.NewRest(api, names, rt.manager, opts)
		name := api.Name
		if name == "" {
			name = api.LogicalID
		}
		rt.restURLs = append(rt.restURLs, RestAPIURL{Name: name, URL: "http://" + ln.Addr().String(), Stage: h.Stage()})
		rt.serve(ln, h)
	}
	return nil
}

// RestAPIURLs are the served REST APIs, in the model's order.
func (rt *Runtime) RestAPIURLs() []RestAPIURL { return rt.restURLs }
