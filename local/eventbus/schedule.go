package eventbus

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/cronexpr"
)

// This file parses schedule expressions: rate(...) and cron(...) as EventBridge rules take
// them, and at(...) with a time zone as EventBridge Scheduler also does. hashicorp/cronexpr
// evaluates cron expressions (with their year field, L, W and #); this file checks AWS's
// stricter syntax first and renumbers the day of week (AWS: 1-7 = SUN-SAT, cronexpr 0-6).

// Schedule is a parsed schedule expression. Its zero value is not usable; see ParseSchedule.
type Schedule struct {
	expr string
	rate time.Duration        // rate(...)
	cron *cronexpr.Expression // cron(...)
	at   time.Time            // at(...)
	loc  *time.Location
}

// String is the expression as written.
func (s *Schedule) String() string { return s.expr }

var (
	rateRE = regexp.MustCompile(`^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$`)
	cronRE = regexp.MustCompile(`^cron\(([^()]*)\)$`)
	atRE   = regexp.MustCompile(`^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$`)

	// cronFields are the characters and values AWS allows in each of the six fields.
	cronFields = []struct {
		name string
		item *regexp.Regexp
	}{
		{"minutes", regexp.MustCompile(`^(\*|[0-5]?\d)(-[0-5]?\d)?(/\d+)?$`)},
		{"hours", regexp.MustCompile(`^(\*|[01]?\d|2[0-3])(-([01]?\d|2[0-3]))?(/\d+)?$`)},
		{"day-of-month", regexp.MustCompile(`^(\?|L|LW|([1-9]|[12]\d|3[01])W|(\*|0?[1-9]|[12]\d|3[01])(-(0?[1-9]|[12]\d|3[01]))?(/\d+)?)$`)},
		{"month", regexp.MustCompile(`^(\*|0?[1-9]|1[0-2]|` + monthNames + `)(-(0?[1-9]|1[0-2]|` + monthNames + `))?(/\d+)?$`)},
		{"day-of-week", regexp.MustCompile(`^(\?|L|([1-7]|` + dayNames + `)(L|#[1-5])|(\*|[1-7]|` + dayNames + `)(-([1-7]|` + dayNames + `))?(/\d+)?)$`)},
		{"year", regexp.MustCompile(`^(\*|19[7-9]\d|2[01]\d\d)(-(19[7-9]\d|2[01]\d\d))?(/\d+)?$`)},
	}
)

const (
	monthNames = `JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC`
	dayNames   = `SUN|MON|TUE|WED|THU|FRI|SAT`
)

// ParseSchedule parses an EventBridge rule's ScheduleExpression: rate(value unit) with unit
// minute(s), hour(s) or day(s) (singular for 1, plural otherwise), or cron(...) with AWS's six
// fields (minutes hours day-of-month month day-of-week year), where exactly one of
// day-of-month and day-of-week is "?". Errors wrap ErrInvalid. Cron expressions are in UTC.
func ParseSchedule(expr string) (*Schedule, error) {
	s, err := parse(expr, time.UTC)
	if err == nil && !s.at.IsZero() {
		err = fmt.Errorf("schedule expression %q: at(...) is an EventBridge Scheduler expression: %w", expr, ErrInvalid)
	}
	return s, err
}

// ParseSchedulerExpression parses an EventBridge Scheduler ScheduleExpression: the
// expressions of ParseSchedule and at(yyyy-mm-ddThh:mm:ss), evaluated in timezone (an IANA
// name; empty means UTC). Errors wrap ErrInvalid.
func ParseSchedulerExpression(expr, timezone string) (*Schedule, error) {
	loc := time.UTC
	if timezone != "" {
		var err error
		if loc, err = time.LoadLocation(timezone); err != nil {
			return nil, fmt.Errorf("schedule time zone %q: %w", timezone, ErrInvalid)
		}
	}
	return parse(expr, loc)
}

func parse(expr string, loc *time.Location) (*Schedule, error) {
	invalid := func(why string) error {
		return fmt.Errorf("schedule expression %q: %s: %w", expr, why, ErrInvalid)
	}
	s := &Schedule{expr: expr, loc: loc}
	if m := rateRE.FindStringSubmatch(expr); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil || n < 1 {
			return nil, invalid("the rate must be a positive whole number")
		}
		if singular := !strings.HasSuffix(m[2], "s"); singular != (n == 1) {
			return nil, invalid("the unit is singular for a rate of 1 and plural otherwise")
		}
		unit := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}[m[2][0]]
		s.rate = time.Duration(n) * unit
		return s, nil
	}
	if m := atRE.FindStringSubmatch(expr); m != nil {
		t, err := time.ParseInLocation("2006-01-02T15:04:05", m[1], loc)
		if err != nil {
			return nil, invalid("not a date and time")
		}
		s.at = t
		return s, nil
	}
	m := cronRE.FindStringSubmatch(expr)
	if m == nil {
		return nil, invalid("expected rate(value unit) or cron(minutes hours day-of-month month day-of-week year)")
	}
	fields := strings.Fields(m[1])
	if len(fields) != len(cronFields) {
		return nil, invalid("a cron expression has six fields")
	}
	for i, f := range fields {
		var items []string
		for item := range strings.SplitSeq(strings.ToUpper(f), ",") {
			if !cronFields[i].item.MatchString(item) {
				return nil, invalid(fmt.Sprintf("%s field %q", cronFields[i].name, f))
			}
			split, ok := unwrapRange(item, i)
			if !ok {
				return nil, invalid(fmt.Sprintf("%s field %q: a range runs from low to high", cronFields[i].name, f))
			}
			items = append(items, split...)
		}
		fields[i] = strings.Join(items, ",")
	}
	dom, dow := fields[2], fields[4]
	if (dom == "?") == (dow == "?") {
		return nil, invalid("exactly one of day-of-month and day-of-week must be ?")
	}
	if (strings.Contains(dom, "?") && dom != "?") || (strings.Contains(dow, "?") && dow != "?") {
		return nil, invalid("? stands alone in its field")
	}
	fields[4] = cronexprDayOfWeek(strings.ToUpper(dow))
	c, err := cronexpr.Parse(strings.Join(fields, " "))
	if err != nil {
		return nil, invalid(err.Error())
	}
	s.cron = c
	return s, nil
}

var (
	rangeRE = regexp.MustCompile(`^(\w+)-(\w+)(/\d+)?$`)
	names   = map[int][]string{ // field index → its names, the first standing for 1
		3: strings.Split(monthNames, "|"),
		4: strings.Split(dayNames, "|"),
	}
)

// unwrapRange checks that a range item runs from low to high, except in day-of-week, where a
// range that wraps past Saturday (FRI-MON) is split in two (FRI-SAT and SUN-MON) as AWS reads
// it and cronexpr would not. It returns the item(s) to use.
func unwrapRange(item string, field int) ([]string, bool) {
	m := rangeRE.FindStringSubmatch(item)
	if m == nil {
		return []string{item}, true
	}
	value := func(v string) int {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
		for i, name := range names[field] {
			if name == v {
				return i + 1
			}
		}
		return -1 // not reached: the field's pattern allows numbers and its names only
	}
	lo, hi := value(m[1]), value(m[2])
	switch {
	case lo <= hi:
		return []string{item}, true
	case field == 4 && m[3] == "":
		return []string{m[1] + "-7", "1-" + m[2]}, true
	default:
		return nil, false
	}
}

var dayNumberRE = regexp.MustCompile(`(^|[-,])([1-7])`)

// cronexprDayOfWeek renumbers an AWS day-of-week field (1-7 = SUN-SAT) for cronexpr
// (0-6 = SUN-SAT). Only day numbers are changed: those at the start of an item or after a
// "-"; steps (after "/") and week numbers (after "#") are not. "L" alone is Saturday.
func cronexprDayOfWeek(f string) string {
	if f == "L" {
		return "6"
	}
	return dayNumberRE.ReplaceAllStringFunc(f, func(m string) string {
		n := m[len(m)-1] - '1'
		return m[:len(m)-1] + string('0'+n)
	})
}

// Next is the first time after after at which the schedule fires, or the zero time when it
// never fires again. A rate counts from anchor (when the rule or schedule was created).
func (s *Schedule) Next(after, anchor time.Time) time.Time {
	switch {
	case s.rate > 0:
		if after.Before(anchor) {
			return anchor.Add(s.rate)
		}
		k := after.Sub(anchor)/s.rate + 1
		return anchor.Add(k * s.rate)
	case s.cron != nil:
		next := s.cron.Next(after.In(s.loc))
		if next.IsZero() {
			return next
		}
		return next.UTC()
	default:
		if s.at.After(after) {
			return s.at.UTC()
		}
		return time.Time{}
	}
}
