package ddbengine

import (
	"sync/atomic"
	"time"
)

// Table state delay (Options.StateDelay): DynamoDB creates, updates and deletes tables
// asynchronously, so code written against it waits for ACTIVE (the SDKs' TableExistsWaiter,
// TableNotExistsWaiter). By default the engine is ACTIVE at once; with a delay a created or
// restored table is CREATING (item operations answer ResourceNotFoundException, as DynamoDB
// does), an updated one UPDATING and a deleted one DELETING (still described, not usable) for
// that long. The delay costs the hot path one branch on the option.

// transientState is a transient status and when it ends.
type transientState struct {
	status string
	until  time.Time
}

// transient holds a table's current transientState (nil: ACTIVE).
type transient struct {
	p atomic.Pointer[transientState]
}

// startState puts t in status for the configured delay (no-op without one).
func (e *Engine) startState(t *table, status string) {
	if e.stateDelay.Load() <= 0 {
		return
	}
	t.state.p.Store(&transientState{status: status, until: e.opts.Now().Add(time.Duration(e.stateDelay.Load()))})
}

// status is t's status now.
func (e *Engine) status(t *table) string {
	if s := t.state.p.Load(); s != nil && e.opts.Now().Before(s.until) {
		return s.status
	}
	return "ACTIVE"
}

// creating reports whether t is still being created (only with a StateDelay).
func (e *Engine) creating(t *table) bool {
	return e.stateDelay.Load() > 0 && e.status(t) == "CREATING"
}

// deletedTable is a deleted table still DELETING.
type deletedTable struct {
	desc  *tableDescription
	until time.Time
}

// deletingTable reports whether name was deleted less than StateDelay ago; e.mu is held.
func (e *Engine) deletingTable(name string) bool {
	d, ok := e.deleting[name]
	if ok && !e.opts.Now().Before(d.until) {
		delete(e.deleting, name)
		return false
	}
	return ok
}

// SetStateDelay changes Options.StateDelay from now on (changes already made keep theirs):
// the local runtime creates a template's tables ACTIVE, as a deployment leaves them, and only
// then turns the delay on for the tables code creates.
func (e *Engine) SetStateDelay(d time.Duration) { e.stateDelay.Store(int64(d)) }

// inUse is DynamoDB's answer to a change of a table that is not ACTIVE.
func inUse(name, status string) *apiError {
	what := map[string]string{"CREATING": "created", "UPDATING": "updated", "DELETING": "deleted"}[status]
	return ddbErr("ResourceInUseException", "Attempt to change a resource which is still in use: Table is being "+what+": "+name)
}
