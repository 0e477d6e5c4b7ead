package apigw

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/microshop/microshop/local/template"
)

// REST API key failures (see restStatus).
var (
	errForbidden      = errors.New("forbidden")
	errTooManyRequest = errors.New("too many requests")
	errLimitExceeded  = errors.New("limit exceeded")
)

// UsageMeter counts the requests of each API key under each usage plan: the plan's
// throttle (a token bucket of RateLimit a second and BurstLimit deep) and its quota (Limit
// requests per DAY, WEEK or MONTH, in UTC; a week starts on Sunday, as with Offset 0). It is
// safe for concurrent use; servers of REST APIs that share a plan should share one
// (RestOptions.Usage), as API Gateway counts a plan's requests across its API stages.
type UsageMeter struct {
	mu       sync.Mutex
	limiters map[usageKey]*rate.Limiter
	quotas   map[usageKey]*quotaCount
}

type usageKey struct{ plan, key string }

type quotaCount struct {
	period time.Time // start of the counted period
	n      int
}

// NewUsageMeter returns a meter with nothing counted.
func NewUsageMeter() *UsageMeter {
	return &UsageMeter{limiters: map[usageKey]*rate.Limiter{}, quotas: map[usageKey]*quotaCount{}}
}

// take counts one request of key under plan at now: errTooManyRequest when the throttle
// refuses it, errLimitExceeded when the quota is used up. A throttled request does not
// count against the quota.
func (m *UsageMeter) take(plan *template.UsagePlan, key *template.APIKey, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := usageKey{plan.LogicalID, key.LogicalID}
	if t := plan.Throttle; t != nil {
		l := m.limiters[k]
		if l == nil {
			limit := rate.Limit(t.RateLimit)
			if t.RateLimit <= 0 && t.BurstLimit <= 0 {
				limit = rate.Inf
			}
			burst := t.BurstLimit
			if burst <= 0 {
				burst = max(1, int(math.Ceil(t.RateLimit)))
			}
			l = rate.NewLimiter(limit, burst)
			m.limiters[k] = l
		}
		if !l.AllowN(now, 1) {
			return fmt.Errorf("%w: usage plan %s throttles key %s", errTooManyRequest, plan.LogicalID, key.LogicalID)
		}
	}
	if q := plan.Quota; q != nil {
		start := periodStart(q.Period, now)
		c := m.quotas[k]
		if c == nil || !c.period.Equal(start) {
			c = &quotaCount{period: start}
			m.quotas[k] = c
		}
		if c.n >= q.Limit {
			return fmt.Errorf("%w: key %s used the %d requests a %s of usage plan %s", errLimitExceeded, key.LogicalID, q.Limit, q.Period, plan.LogicalID)
		}
		c.n++
	}
	return nil
}

// periodStart is the start (UTC) of the quota period holding now.
func periodStart(period string, now time.Time) time.Time {
	now = now.UTC()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	switch period {
	case "WEEK":
		return day.AddDate(0, 0, -int(day.Weekday()))
	case "MONTH":
		return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	default: // DAY
		return day
	}
}

// restKeys are the API keys a REST API's stages take, by value.
type restKeys struct {
	// byValue maps a key's value to the plans that cover the key on each stage.
	byValue map[string]*keyPlans
}

type keyPlans struct {
	key    *template.APIKey
	stages map[string]*template.UsagePlan // stage name -> the plan covering it
}

// newRestKeys indexes the keys of the plans that cover api's stages. A key in two plans for
// the same stage (which API Gateway refuses) is reported and the first plan kept.
func newRestKeys(api *template.RestAPI, plans []*template.UsagePlan) (restKeys, []error) {
	out := restKeys{byValue: map[string]*keyPlans{}}
	var errs []error
	for _, p := range plans {
		for _, st := range p.Stages {
			if st.API != api.LogicalID {
				continue
			}
			for _, k := range p.Keys {
				kp := out.byValue[k.Value]
				if kp == nil {
					kp = &keyPlans{key: k, stages: map[string]*template.UsagePlan{}}
					out.byValue[k.Value] = kp
				}
				if kp.key != k {
					errs = append(errs, fmt.Errorf("API keys %s and %s have the same value: %s is not served", kp.key.LogicalID, k.LogicalID, k.LogicalID))
					continue
				}
				if other := kp.stages[st.Stage]; other != nil && other != p {
					errs = append(errs, fmt.Errorf("API key %s is in usage plans %s and %s for stage %s: %s applies", k.LogicalID, other.LogicalID, p.LogicalID, st.Stage, other.LogicalID))
					continue
				}
				kp.stages[st.Stage] = p
			}
		}
	}
	return out, errs
}

// checkAPIKey checks the API key of a method that requires one: the x-api-key header (or
// the authorizer's usageIdentifierKey when the API's key source is AUTHORIZER) must be an
// enabled key of a usage plan that covers the request's stage; then the plan's throttle and
// quota apply. It returns the key.
func (s *RestServer) checkAPIKey(req *restRequest, value string) (*template.APIKey, error) {
	if value == "" {
		return nil, fmt.Errorf("%w: no API key", errForbidden)
	}
	kp := s.keys.byValue[value]
	if kp == nil {
		return nil, fmt.Errorf("%w: the API key is not a key of a usage plan of this API", errForbidden)
	}
	if !kp.key.Enabled {
		return nil, fmt.Errorf("%w: API key %s is disabled", errForbidden, kp.key.LogicalID)
	}
	plan := kp.stages[req.stage.Name]
	if plan == nil {
		return nil, fmt.Errorf("%w: API key %s is in no usage plan of stage %s", errForbidden, kp.key.LogicalID, req.stage.Name)
	}
	if err := s.usage.take(plan, kp.key, req.now); err != nil {
		return nil, err
	}
	return kp.key, nil
}
