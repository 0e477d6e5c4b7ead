package template

import (
	"crypto/sha256"
	"slices"
	"strconv"
	"strings"
)

// This file models REST APIs' API keys and usage plans: AWS::ApiGateway::ApiKey,
// AWS::ApiGateway::UsagePlan and AWS::ApiGateway::UsagePlanKey. A method asks for a key
// with ApiKeyRequired (restapi.go) or an api_key security requirement in its Body
// (openapi.go); local/apigw enforces them.

// APIKey is an AWS::ApiGateway::ApiKey.
type APIKey struct {
	LogicalID string
	// ID is the key's local id (what Ref returns and requestContext.identity.apiKeyId).
	ID   string
	Name string
	// Value is the key's Value, or one derived from the stack and logical ID when the
	// template leaves it to API Gateway (Generated): stable across runs, so a developer
	// can keep using it.
	Value     string
	Generated bool
	// Enabled is false when the template says Enabled: false; such a key is refused.
	Enabled bool
}

// UsagePlan is an AWS::ApiGateway::UsagePlan with its keys (from UsagePlanKeys).
type UsagePlan struct {
	LogicalID string
	ID        string
	Name      string
	// Stages are the API stages the plan covers.
	Stages []UsagePlanStage
	// Throttle is nil without Throttle: RateLimit requests a second with bursts of
	// BurstLimit, per key.
	Throttle *UsageThrottle
	// Quota is nil without Quota: Limit requests per Period (DAY, WEEK or MONTH), per key.
	Quota *UsageQuota
	// Keys in logical-ID order.
	Keys []*APIKey
}

// UsagePlanStage is one of a plan's ApiStages: a REST API (its logical ID) and a stage name.
type UsagePlanStage struct {
	API   string
	Stage string
}

// UsageThrottle is a usage plan's Throttle.
type UsageThrottle struct {
	RateLimit  float64
	BurstLimit int
}

// UsageQuota is a usage plan's Quota.
type UsageQuota struct {
	Limit  int
	Period string
}

func init() {
	ref6 := func(_ *resolver, id, _ string) string { return restResourceID(id) }
	keyID := func(_ *resolver, id, _ string) string { return apiID("apikey:" + id) }
	kinds["AWS::ApiGateway::ApiKey"] = kind{ref: keyID, attrs: map[string]attrFunc{"APIKeyId": constAttr(keyID)}}
	kinds["AWS::ApiGateway::UsagePlan"] = kind{ref: ref6, attrs: map[string]attrFunc{"Id": constAttr(ref6)}}
	kinds["AWS::ApiGateway::UsagePlanKey"] = kind{ref: ref6, attrs: map[string]attrFunc{"Id": constAttr(ref6)}}
}

// generatedKeyValue is the value of a key whose template gives none: 40 alphanumerics (the
// length of API Gateway's generated keys) derived from the stack and the key's logical ID.
func generatedKeyValue(stack, logicalID string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	a := sha256.Sum256([]byte("apikey:" + stack + "/" + logicalID))
	b := sha256.Sum256(a[:])
	sum := append(a[:], b[:]...)
	out := make([]byte, 40)
	for i := range out {
		out[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	return string(out)
}

// buildUsagePlans reads the API keys and usage plans; plans whose ApiStages name no REST
// API of the template are kept (with those stages dropped) so their keys still print.
func (m *Model) buildUsagePlans() error {
	r := m.res
	keysByID := map[string]*APIKey{}
	plansByID := map[string]*UsagePlan{}
	apis := map[string]string{} // local API id -> logical ID
	for _, api := range m.RestAPIs {
		apis[api.ID] = api.LogicalID
	}
	var planKeys []string
	ids, err := r.activeIDs()
	if err != nil {
		return err
	}
	for _, id := range ids {
		switch r.resources[id].Type {
		case "AWS::ApiGateway::ApiKey":
			k := &APIKey{LogicalID: id, ID: apiID("apikey:" + id)}
			if k.Name, err = r.propString(id, "Name"); err != nil {
				return err
			}
			if k.Value, err = r.propString(id, "Value"); err != nil {
				return err
			}
			if k.Value == "" {
				k.Value, k.Generated = generatedKeyValue(m.StackName, id), true
			}
			if k.Enabled, err = r.propBool(id, false, "Enabled"); err != nil {
				return err
			}
			m.APIKeys = append(m.APIKeys, k)
			keysByID[k.ID] = k
		case "AWS::ApiGateway::UsagePlan":
			p := &UsagePlan{LogicalID: id, ID: restResourceID(id)}
			if p.Name, err = r.propString(id, "UsagePlanName"); err != nil {
				return err
			}
			var stages []struct{ ApiId, Stage string }
			if err := r.propDecode(&stages, id, "ApiStages"); err != nil {
				return err
			}
			for _, s := range stages {
				if api := apis[s.ApiId]; api != "" {
					p.Stages = append(p.Stages, UsagePlanStage{API: api, Stage: s.Stage})
				}
			}
			if v, _, err := r.property(id, "Throttle"); err != nil {
				return err
			} else if v != nil {
				t := &UsageThrottle{}
				if rate, err := r.propString(id, "Throttle", "RateLimit"); err != nil {
					return err
				} else if rate != "" {
					if t.RateLimit, err = strconv.ParseFloat(rate, 64); err != nil {
						return loc{id, "Properties.Throttle.RateLimit"}.fail(ErrInvalid, "want a number, got %q", rate)
					}
				}
				if t.BurstLimit, err = r.propInt(id, 0, "Throttle", "BurstLimit"); err != nil {
					return err
				}
				p.Throttle = t
			}
			if v, _, err := r.property(id, "Quota"); err != nil {
				return err
			} else if v != nil {
				q := &UsageQuota{}
				if q.Limit, err = r.propInt(id, 0, "Quota", "Limit"); err != nil {
					return err
				}
				if q.Period, err = r.propString(id, "Quota", "Period"); err != nil {
					return err
				}
				q.Period = strings.ToUpper(q.Period)
				if !slices.Contains([]string{"DAY", "WEEK", "MONTH"}, q.Period) {
					return loc{id, "Properties.Quota.Period"}.fail(ErrInvalid, "want DAY, WEEK or MONTH, got %q", q.Period)
				}
				p.Quota = q
			}
			m.UsagePlans = append(m.UsagePlans, p)
			plansByID[p.ID] = p
		case "AWS::ApiGateway::UsagePlanKey":
			planKeys = append(planKeys, id)
		}
	}
	for _, id := range planKeys {
		plan, err := r.propString(id, "UsagePlanId")
		if err != nil {
			return err
		}
		key, err := r.propString(id, "KeyId")
		if err != nil {
			return err
		}
		p, k := plansByID[plan], keysByID[key]
		switch {
		case p == nil:
			return loc{id, "Properties.UsagePlanId"}.fail(ErrUnknownReference, "UsagePlanId %q is not a usage plan of this template", plan)
		case k == nil:
			return loc{id, "Properties.KeyId"}.fail(ErrUnknownReference, "KeyId %q is not an API key of this template", key)
		}
		if !slices.Contains(p.Keys, k) {
			p.Keys = append(p.Keys, k)
		}
	}
	for _, p := range m.UsagePlans {
		slices.SortFunc(p.Keys, func(a, b *APIKey) int { return strings.Compare(a.LogicalID, b.LogicalID) })
	}
	return nil
}
