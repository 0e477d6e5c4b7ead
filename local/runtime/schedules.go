package runtime

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/microshop/microshop/local/eventbus"
)

// SchedulesPath is the edge path of the schedules, served to loopback clients only (beside
// the mailbox, under the console's API): GET lists the scheduled rules and Scheduler
// schedules with when each fires next; POST <SchedulesPath><name>/fire fires one now (a
// rule's name, or a schedule's "name" or "group/name").
const SchedulesPath = "/_console/api/schedules/"

// addSchedules adds the template's EventBridge Scheduler schedules; each target is reached
// as a rule target is.
func (rt *Runtime) addSchedules() error {
	for _, sc := range rt.model.Schedules {
		s := eventbus.SchedulerSchedule{
			Name: sc.Name, Group: sc.Group, Expression: sc.Expression, Timezone: sc.Timezone, State: sc.State,
			Target: eventbus.Target{
				ARN: sc.Target.ARN, Input: sc.Target.Input, DeadLetterARN: sc.Target.DeadLetterARN,
				RetryPolicy: &eventbus.RetryPolicy{
					MaximumRetryAttempts:     sc.Target.RetryPolicy.MaximumRetryAttempts,
					MaximumEventAgeInSeconds: sc.Target.RetryPolicy.MaximumEventAgeInSeconds,
				},
				Deliver: rt.deliverTo(sc.Target.ARN, ""),
			},
		}
		var err error
		if s.Start, err = scheduleDate(sc.StartDate); err != nil {
			return fmt.Errorf("schedule %s: StartDate: %w", sc.LogicalID, err)
		}
		if s.End, err = scheduleDate(sc.EndDate); err != nil {
			return fmt.Errorf("schedule %s: EndDate: %w", sc.LogicalID, err)
		}
		if err := rt.events.AddSchedule(s); err != nil {
			return fmt.Errorf("schedule %s: %w", sc.LogicalID, err)
		}
	}
	return nil
}

// scheduleDate reads a schedule's StartDate or EndDate (ISO 8601); "" is the zero time.
func scheduleDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339, s)
}

// Schedules lists the scheduled rules and Scheduler schedules with when each fires next.
func (rt *Runtime) Schedules() []eventbus.ScheduleInfo { return rt.events.Schedules() }

// TickSchedules fires every schedule due by the runtime's clock (Config.Clock) and returns
// how many fired; the schedule timer calls it every second unless Config.NoScheduleTimer.
func (rt *Runtime) TickSchedules() int { return rt.events.Tick() }

// FireSchedule fires a scheduled rule (by name) or a Scheduler schedule ("name" or
// "group/name") now and returns the event's ID. Errors wrap eventbus.ErrNoSchedule.
func (rt *Runtime) FireSchedule(name string) (string, error) { return rt.events.Fire(name) }

// schedulesHandler serves SchedulesPath.
func (rt *Runtime) schedulesHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest := strings.TrimPrefix(r.URL.Path, SchedulesPath)
		writeJSON := func(status int, v any) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(v)
		}
		fail := func(status int, code, msg string) {
			writeJSON(status, map[string]any{"error": map[string]string{"code": code, "message": msg}, "requestId": rand.Text()})
		}
		switch {
		case !loopback(r.RemoteAddr):
			fail(http.StatusForbidden, "Forbidden", "schedules are served to loopback clients only")
		case rest == "" && r.Method == http.MethodGet:
			writeJSON(http.StatusOK, map[string]any{"schedules": rt.Schedules()})
		case strings.HasSuffix(rest, "/fire") && r.Method == http.MethodPost:
			id, err := rt.FireSchedule(strings.TrimSuffix(rest, "/fire"))
			if errors.Is(err, eventbus.ErrNoSchedule) {
				fail(http.StatusNotFound, "ResourceNotFoundException", err.Error())
				return
			}
			if err != nil {
				fail(http.StatusInternalServerError, "InternalFailure", "the schedule could not be fired")
				return
			}
			writeJSON(http.StatusOK, map[string]string{"eventId": id})
		default:
			fail(http.StatusNotFound, "NotFound", "GET "+SchedulesPath+" or POST "+SchedulesPath+"<name>/fire")
		}
	})
}

// loopback reports whether a request's remote address is a loopback address.
func loopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
