package template

// This file builds the Model's typed view of event buses, rules, queues, event source
// mappings, asynchronous invocation configs and HTTP API authorizers, after build has read
// functions and APIs.

func (m *Model) buildEventsAndAuthorizers() error {
	r := m.res
	fns := newFunctionIndex(m.Functions)
	apis := map[string]*HTTPAPI{}
	for _, api := range m.APIs {
		apis[api.ID] = api
	}
	ids, err := r.activeIDs()
	if err != nil {
		return err
	}
	for _, id := range ids {
		switch r.resources[id].Type {
		case "AWS::Events::EventBus":
			b, err := r.eventBus(id)
			if err != nil {
				return err
			}
			m.EventBuses = append(m.EventBuses, b)
		case "AWS::Events::Rule":
			rule, err := r.rule(id)
			if err != nil {
				return err
			}
			m.Rules = append(m.Rules, rule)
		case "AWS::Scheduler::Schedule":
			sc, err := r.schedule(id)
			if err != nil {
				return err
			}
			m.Schedules = append(m.Schedules, sc)
		case "AWS::SQS::Queue":
			q, err := r.queue(id)
			if err != nil {
				return err
			}
			m.Queues = append(m.Queues, q)
		case "AWS::Lambda::EventSourceMapping":
			esm, err := r.eventSourceMapping(id, fns)
			if err != nil {
				return err
			}
			m.EventSourceMappings = append(m.EventSourceMappings, esm)
		case "AWS::Lambda::EventInvokeConfig":
			c, err := r.eventInvokeConfig(id, fns)
			if err != nil {
				return err
			}
			m.EventInvokeConfigs = append(m.EventInvokeConfigs, c)
		case "AWS::ApiGatewayV2::Authorizer":
			a, err := r.authorizer(id, apis, fns)
			if err != nil {
				return err
			}
			if a != nil {
				m.Authorizers = append(m.Authorizers, a)
			}
		}
	}
	return nil
}
