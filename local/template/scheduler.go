package template

// This file models EventBridge Scheduler schedules (AWS::Scheduler::Schedule), what SAM's
// ScheduleV2 event produces.

// Schedule is an AWS::Scheduler::Schedule with its single target.
type Schedule struct {
	LogicalID string
	// Name is the Name property, else the logical ID.
	Name string
	// Group is GroupName; empty means the default group.
	Group string
	// ARN is arn:aws:scheduler:<region>:<account>:schedule/<group>/<name>.
	ARN string
	// Expression is ScheduleExpression: rate(...), cron(...) or at(...), evaluated in
	// Timezone (ScheduleExpressionTimezone; empty means UTC).
	Expression, Timezone string
	// State is ENABLED (the default) or DISABLED.
	State string
	// StartDate and EndDate bound the schedule (ISO 8601; empty: unbounded).
	StartDate, EndDate string
	// FlexibleWindowMinutes is FlexibleTimeWindow.MaximumWindowInMinutes when its Mode is
	// FLEXIBLE; 0 for OFF. The local runtime fires at the scheduled time either way.
	FlexibleWindowMinutes int
	Target                ScheduleTarget
}

// ScheduleTarget is a schedule's Target.
type ScheduleTarget struct {
	// ARN is the target's Arn (a function, a queue ...).
	ARN string
	// Input is what the target receives; empty means Scheduler's default notification.
	Input string
	// RetryPolicy has Scheduler's defaults (185 attempts within 24 hours) for what the
	// template omits.
	RetryPolicy RetryPolicy
	// DeadLetterARN is DeadLetterConfig.Arn; empty when none.
	DeadLetterARN string
}

// schedulerARN is a schedule's ARN.
func (r *resolver) schedulerARN(group, name string) string {
	if group == "" {
		group = "default"
	}
	return r.arn("scheduler", "schedule/"+group+"/"+name)
}

func (r *resolver) schedule(id string) (*Schedule, error) {
	s := &Schedule{LogicalID: id}
	var err error
	if s.Name, err = r.name(id); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		dst  *string
		path []string
	}{
		{&s.Group, []string{"GroupName"}},
		{&s.Expression, []string{"ScheduleExpression"}},
		{&s.Timezone, []string{"ScheduleExpressionTimezone"}},
		{&s.State, []string{"State"}},
		{&s.StartDate, []string{"StartDate"}},
		{&s.EndDate, []string{"EndDate"}},
	} {
		if *p.dst, err = r.propString(id, p.path...); err != nil {
			return nil, err
		}
	}
	if s.State == "" {
		s.State = RuleEnabled
	}
	s.ARN = r.schedulerARN(s.Group, s.Name)
	var window struct {
		Mode                   string
		MaximumWindowInMinutes *flexInt
	}
	if err := r.propDecode(&window, id, "FlexibleTimeWindow"); err != nil {
		return nil, err
	}
	if window.Mode == "FLEXIBLE" && window.MaximumWindowInMinutes != nil {
		s.FlexibleWindowMinutes = int(*window.MaximumWindowInMinutes)
	}
	var target struct {
		Arn         string
		Input       string
		RetryPolicy *struct {
			MaximumRetryAttempts     *flexInt
			MaximumEventAgeInSeconds *flexInt
		}
		DeadLetterConfig *struct{ Arn string }
	}
	if err := r.propDecode(&target, id, "Target"); err != nil {
		return nil, err
	}
	if target.Arn == "" {
		return nil, loc{id, "Properties.Target"}.fail(ErrInvalid, "a schedule's target needs an Arn")
	}
	s.Target = ScheduleTarget{ARN: target.Arn, Input: target.Input,
		RetryPolicy: RetryPolicy{MaximumRetryAttempts: DefaultMaximumRetryAttempts, MaximumEventAgeInSeconds: DefaultMaximumEventAgeInSeconds}}
	if p := target.RetryPolicy; p != nil {
		if p.MaximumRetryAttempts != nil {
			s.Target.RetryPolicy.MaximumRetryAttempts = int(*p.MaximumRetryAttempts)
		}
		if p.MaximumEventAgeInSeconds != nil {
			s.Target.RetryPolicy.MaximumEventAgeInSeconds = int(*p.MaximumEventAgeInSeconds)
		}
	}
	if target.DeadLetterConfig != nil {
		s.Target.DeadLetterARN = target.DeadLetterConfig.Arn
	}
	return s, nil
}
