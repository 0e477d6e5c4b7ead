package sam

import (
	"fmt"
	"slices"
)

// This file expands an AWS::Serverless::Api's API key settings the way the translator does
// (its ApiGenerator._construct_usage_plan and SwaggerEditor): Auth.ApiKeyRequired (and an
// Api event's Auth.ApiKeyRequired) becomes an api_key security requirement (type apiKey,
// header x-api-key) of the methods, and Auth.UsagePlan with CreateUsagePlan PER_API or
// SHARED an AWS::ApiGateway::UsagePlan with an enabled AWS::ApiGateway::ApiKey and their
// AWS::ApiGateway::UsagePlanKey (<Api>UsagePlan, <Api>ApiKey, <Api>UsagePlanKey; or
// ServerlessUsagePlan, ServerlessApiKey, ServerlessUsagePlanKey for every SHARED API).

const (
	apiKeyScheme = "api_key"
	// apiKeyFalse marks a method whose event says ApiKeyRequired: false until the API's
	// default is applied, as the translator does.
	apiKeyFalse = "api_key_false"
)

// usagePlanProps are the properties of Auth.UsagePlan.
var usagePlanProps = []string{"CreateUsagePlan", "Description", "Quota", "Tags", "Throttle", "UsagePlanName"}

// apiKeyDefinition is the security definition the translator writes for API keys.
func apiKeyDefinition() map[string]any {
	return map[string]any{"type": "apiKey", "name": "x-api-key", "in": "header"}
}

// sharedPlan collects the SHARED usage plan's API stages across the template's Apis.
type sharedPlan struct {
	apiStages, stageKeys, dependsOn []any
	written                         bool
}

// methodAPIKey applies an event's Auth.ApiKeyRequired to its operation op (after its
// authorizer), as the translator's _set_method_apikey_handling does.
func (a *restAuth) methodAPIKey(what string, auth map[string]any, op map[string]any) error {
	v, ok := auth["ApiKeyRequired"]
	if !ok || v == nil {
		return nil
	}
	required, isBool := v.(bool)
	if !isBool {
		return fmt.Errorf("%w: %s: Auth.ApiKeyRequired must be a boolean", ErrInvalid, what)
	}
	if !required && !a.apiKeyRequired {
		return fmt.Errorf("%w: %s: Auth.ApiKeyRequired false needs an API whose Auth.ApiKeyRequired is true", ErrInvalid, what)
	}
	name := apiKeyFalse
	if required {
		name = apiKeyScheme
		a.apiKeyUsed = true
	}
	existing, _ := op["security"].([]any)
	op["security"] = append(existing, map[string]any{name: []any{}})
	return nil
}

// applyAPIKeyDefault gives every method with an integration the api_key requirement
// unless its event said ApiKeyRequired: false (and OPTIONS none when
// AddApiKeyRequiredToCorsPreflight is false), as set_path_default_apikey_required does.
func (a *restAuth) applyAPIKeyDefault(paths map[string]any) {
	if !a.apiKeyRequired {
		return
	}
	a.apiKeyUsed = true
	for _, p := range paths {
		item, _ := p.(map[string]any)
		for method, v := range item {
			op, ok := v.(map[string]any)
			if !ok || method == "parameters" {
				continue
			}
			if _, ok := op["x-amazon-apigateway-integration"].(map[string]any); !ok {
				continue
			}
			existing, _ := op["security"].([]any)
			if existing == nil {
				existing = []any{} // the translator's method_definition.get("security", [])
			}
			var others []any
			optOut := false
			for _, s := range existing {
				m, _ := s.(map[string]any)
				_, key := m[apiKeyScheme]
				_, no := m[apiKeyFalse]
				switch {
				case no:
					optOut = true
				case !key:
					others = append(others, s)
				}
			}
			security := slices.Clone(others)
			if security == nil {
				security = []any{}
			}
			if !optOut {
				security = append(security, map[string]any{apiKeyScheme: []any{}})
			}
			if method == "options" && !a.apiKeyPreflight {
				security = others
				if security == nil {
					security = []any{}
				}
			}
			if !equalJSON(existing, security) {
				op["security"] = security
			}
		}
	}
}

func equalJSON(a, b any) bool { return string(stableJSON(a)) == string(stableJSON(b)) }

// usagePlan writes the usage plan, API key and usage plan key of Auth.UsagePlan for the Api
// id and its stage stageID.
func (x *expander) usagePlan(id, what string, a *restAuth, stageID string, res map[string]any) error {
	if a.usagePlan == nil {
		return nil
	}
	up, ok := a.usagePlan.(map[string]any)
	if !ok {
		return fmt.Errorf("%w: %s: Auth.UsagePlan must be an object", ErrInvalid, what)
	}
	for k := range up {
		if !slices.Contains(usagePlanProps, k) {
			return fmt.Errorf("%w: %s: Auth.UsagePlan: property %s is not one of %v", ErrInvalid, what, k, usagePlanProps)
		}
	}
	mode, _ := up["CreateUsagePlan"].(string)
	switch mode {
	case "NONE":
		return nil
	case "PER_API", "SHARED":
	default:
		return fmt.Errorf("%w: %s: Auth.UsagePlan.CreateUsagePlan must be SHARED, PER_API or NONE", ErrInvalid, what)
	}
	stage := map[string]any{"ApiId": ref(id), "Stage": ref(stageID)}
	stageKey := map[string]any{"RestApiId": ref(id), "StageName": ref(stageID)}
	planID, keyID, planKeyID := id+"UsagePlan", id+"ApiKey", id+"UsagePlanKey"
	apiStages, stageKeys, planDeps := []any{stage}, []any{stageKey}, []any{id}
	attrs := res
	if mode == "SHARED" {
		planID, keyID, planKeyID = "ServerlessUsagePlan", "ServerlessApiKey", "ServerlessUsagePlanKey"
		if x.shared == nil {
			x.shared = &sharedPlan{}
		}
		s := x.shared
		if !slices.Contains(s.dependsOn, any(id)) {
			s.dependsOn = append(s.dependsOn, id)
		}
		s.apiStages = append(s.apiStages, stage)
		s.stageKeys = append(s.stageKeys, stageKey)
		apiStages, stageKeys, planDeps = s.apiStages, s.stageKeys, s.dependsOn
		for _, k := range []string{"Condition", "DeletionPolicy", "UpdateReplacePolicy"} {
			if _, ok := res[k]; ok {
				x.warnf("%s: its %s is not carried to the SHARED usage plan by the local SAM transform", what, k)
			}
		}
		attrs = nil
		if s.written { // every SHARED Api rewrites the shared resources, as in the translator
			delete(x.out, planID)
			delete(x.out, keyID)
			delete(x.out, planKeyID)
		}
		s.written = true
	}
	plan := map[string]any{"ApiStages": slices.Clone(apiStages)}
	for _, k := range []string{"UsagePlanName", "Description", "Quota", "Tags", "Throttle"} {
		if v, ok := up[k]; ok && truthy(v) {
			plan[k] = v
		}
	}
	if err := x.addDependent(planID, "AWS::ApiGateway::UsagePlan", plan, attrs, slices.Clone(planDeps)); err != nil {
		return err
	}
	key := map[string]any{"Enabled": true, "StageKeys": slices.Clone(stageKeys)}
	if err := x.addDependent(keyID, "AWS::ApiGateway::ApiKey", key, attrs, []any{planID}); err != nil {
		return err
	}
	return x.addDependent(planKeyID, "AWS::ApiGateway::UsagePlanKey", map[string]any{
		"KeyId": ref(keyID), "KeyType": "API_KEY", "UsagePlanId": ref(planID),
	}, attrs, []any{keyID})
}

// addDependent adds a resource with DependsOn.
func (x *expander) addDependent(id, typ string, props, from map[string]any, dependsOn []any) error {
	if err := x.add(id, typ, props, from); err != nil {
		return err
	}
	x.out[id].(map[string]any)["DependsOn"] = dependsOn
	return nil
}

// truthy is Python's truth of a decoded YAML value, as the translator tests properties.
func truthy(v any) bool {
	switch t := v.(type) {
	case nil:
		return false
	case bool:
		return t
	case string:
		return t != ""
	case map[string]any:
		return len(t) > 0
	case []any:
		return len(t) > 0
	}
	return true
}
