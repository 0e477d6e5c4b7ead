package lambdahost

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type procState uint8

const (
	// stateStarting: spawned, not yet at its first /next.
	stateStarting procState = iota
	// stateIdle: blocked in /next, in function.idle.
	stateIdle
	// stateBusy: running function.current.
	stateBusy
	// stateReturning: answered its invocation, not yet back in /next.
	stateReturning
	// statePolling: inside the /next handler's critical section (transient).
	statePolling
	// stateDead: out of the pool and being killed or already gone.
	stateDead
)

// shutdownGrace is how long a process that registered an extension gets between SIGTERM
// and SIGKILL on Close, as in Lambda.
const shutdownGrace = 500 * time.Millisecond

// process is one running copy of a function: an OS process and the Runtime API listener
// only it talks to.
type process struct {
	f          *function
	spec       FunctionSpec // the spec it was started with
	gen        int
	reportInit bool   // its first invocation reports InitDuration (a cold start on demand)
	stream     string // its log stream name (NewStreamName)

	// assign hands an invocation to the /next handler of an idle process. Capacity 1: the
	// sender never blocks, as a process leaves function.idle when it is given work.
	assign chan *invocation
	ready  chan struct{} // closed at the first /next
	dead   chan struct{} // closed when the process leaves the pool

	srv      *http.Server
	tail     atomic.Pointer[logTail] // the running invocation's log tail, nil when idle
	logsDone chan struct{}           // closed when stdout and stderr are drained
	logFiles []*os.File              // their read ends
	memory   memoryGauge             // peak memory for REPORT

	// Guarded by function.mu.
	state        procState
	pid          int // 0 until started
	spawned      time.Time
	exited       bool
	current      *invocation
	initDuration time.Duration
	initFailure  *initFailure
	extension    bool // registered with the Extensions API: gets SIGTERM before SIGKILL
	timer        *time.Timer
	graceTimer   *time.Timer
}

// spawnLocked reserves a place in the pool for a new process and starts it in the
// background; the process takes queued work at its first /next.
func (f *function) spawnLocked(reportInit bool) *process {
	p := &process{
		f:          f,
		spec:       f.spec,
		gen:        f.gen,
		reportInit: reportInit,
		stream:     NewStreamName(time.Now()),
		assign:     make(chan *invocation, 1),
		ready:      make(chan struct{}),
		dead:       make(chan struct{}),
		logsDone:   make(chan struct{}),
		state:      stateStarting,
	}
	f.procs[p] = struct{}{}
	f.starting++
	f.stats.Spawns++
	f.stats.PeakLive = max(f.stats.PeakLive, len(f.procs))
	f.m.procs.Add(1)
	go p.run()
	return p
}

// retireLocked takes p out of the pool and kills its process group. graceful sends SIGTERM
// first to a process that asked for it. The reaper in run does the rest.
func (f *function) retireLocked(p *process, graceful bool) {
	switch p.state {
	case stateDead:
		return
	case stateStarting:
		f.starting--
	case stateReturning:
		f.returning--
	case stateIdle:
		f.removeIdleLocked(p)
	}
	p.state = stateDead
	delete(f.procs, p)
	close(p.dead)
	if graceful && p.extension {
		p.signalLocked(syscall.SIGTERM)
		p.graceTimer = time.AfterFunc(shutdownGrace, func() {
			f.mu.Lock()
			p.signalLocked(syscall.SIGKILL)
			f.mu.Unlock()
		})
		return
	}
	p.signalLocked(syscall.SIGKILL)
}

func (f *function) removeIdleLocked(p *process) {
	for i, q := range f.idle {
		if q == p {
			f.idle = append(f.idle[:i], f.idle[i+1:]...)
			return
		}
	}
}

// signalLocked signals p's process group. Once the reaper has seen the process exit it does
// nothing, so a reused pid is never signalled.
func (p *process) signalLocked(sig syscall.Signal) {
	if p.pid > 0 && !p.exited {
		_ = killGroup(p.pid, sig)
	}
}

// run starts the process, waits for it to exit and settles the consequences.
func (p *process) run() {
	defer p.f.m.procs.Done()
	cmd, err := p.start()
	if err != nil {
		p.exit(fmt.Errorf("start %s: %w", p.spec.Binary, err))
		return
	}
	waitErr := cmd.Wait()
	// Whatever the function left running in its group goes with it, as with its sandbox.
	_ = killGroup(cmd.Process.Pid, syscall.SIGKILL)
	// Let the function's last lines reach the log before the runtime's verdict on its exit.
	select {
	case <-p.logsDone:
	case <-time.After(100 * time.Millisecond):
	}
	p.exit(waitErr)
	p.srv.Close()
	p.waitLogs()
}

// logDrainTimeout bounds how long a reaped process's output may stay open: a child that
// left the process group can hold the pipes forever.
const logDrainTimeout = 2 * time.Second

func (p *process) waitLogs() {
	select {
	case <-p.logsDone:
	case <-time.After(logDrainTimeout):
		for _, f := range p.logFiles {
			f.Close() // unblocks the pump's Read
		}
		<-p.logsDone
	}
}

// start opens the process's Runtime API listener and starts the binary.
func (p *process) start() (*exec.Cmd, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p.srv = &http.Server{
		Handler:  p,
		ErrorLog: log.New(io.Discard, "", 0),
	}
	// The server starts serving only once the pid is recorded below: a process that connects
	// earlier waits in the listen backlog, so a ready process always has its pid.
	serving := false
	defer func() {
		if !serving {
			ln.Close()
		}
	}()

	cmd := exec.Command(p.spec.Binary)
	cmd.Dir = filepath.Dir(p.spec.Binary)
	cmd.Env = p.environ(ln.Addr().String())
	cmd.SysProcAttr = sysProcAttr()
	// Own pipes, not io.Writers: exec would otherwise make Wait wait for anything the
	// function's children keep open.
	outR, outW, err := os.Pipe()
	if err != nil {
		p.srv.Close()
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		p.srv.Close()
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = outW, errW

	f := p.f
	// Under the lock: the process may reach /next before Start returns.
	f.mu.Lock()
	p.spawned = time.Now()
	f.mu.Unlock()
	err = startCmd(cmd, p.spec.Background)
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		p.srv.Close()
		return nil, err
	}
	p.logFiles = []*os.File{outR, errR}
	var pumps sync.WaitGroup
	pumps.Add(2)
	go p.f.m.logs.pump(p.f.name, p.stream, outR, &pumps, p.tail.Load)
	go p.f.m.logs.pump(p.f.name, p.stream, errR, &pumps, p.tail.Load)
	go func() {
		pumps.Wait()
		close(p.logsDone)
	}()

	f.mu.Lock()
	p.pid = cmd.Process.Pid
	if p.state == stateDead || p.initFailure != nil { // retired, or posted init/error, already
		p.signalLocked(syscall.SIGKILL)
	}
	f.mu.Unlock()
	serving = true
	go func() { _ = p.srv.Serve(ln) }()
	return cmd, nil
}

// exit settles a process that has exited (or never started): the invocation it was running
// fails, an init failure is recorded, and the pool scales for queued work.
func (p *process) exit(waitErr error) {
	f := p.f
	reason := exitReason(waitErr)
	var logLine string

	f.mu.Lock()
	p.exited = true
	if p.graceTimer != nil {
		p.graceTimer.Stop()
	}
	if p.timer != nil {
		p.timer.Stop()
	}
	prev := p.state
	f.retireLocked(p, false)
	switch prev {
	case stateStarting:
		failure := p.initFailure
		if failure == nil {
			failure = &initFailure{errorType: "Runtime.InitError", message: "Error: " + reason, perRequest: true}
			p.initFailure = failure
		}
		f.initFailedLocked(failure)
		logLine = fmt.Sprintf("INIT failed: %s: %s", failure.errorType, failure.message)
	case stateBusy:
		f.stats.Crashes++
		if inv := p.current; inv != nil {
			msg := "RequestId: " + inv.id + " Error: " + reason
			fe := &FunctionError{Type: "Runtime.ExitError", Message: msg, Kind: KindUnhandled, Crashed: true}
			res := &Result{RequestID: inv.id, Payload: errorDocument(fe.Type, msg), Error: fe,
				Duration: time.Since(inv.start), InitDuration: inv.initDuration}
			f.completeLocked(inv, res, nil)
			logLine = msg + " (Runtime.ExitError)"
		}
	case stateIdle, stateReturning:
		f.stats.Crashes++
		logLine = fmt.Sprintf("process %d exited: %s", p.pid, reason)
	}
	f.scaleLocked()
	f.mu.Unlock()

	if logLine != "" {
		f.m.logs.printf(f.name, p.stream, "%s", logLine)
	}
}

// exitReason words a process exit as Lambda does.
func exitReason(err error) string {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return "Runtime exited without providing a reason"
	case errors.As(err, &ee):
		return "Runtime exited with error: " + ee.Error()
	default:
		return "Runtime failed to start: " + err.Error()
	}
}

// onTimeout runs when p's current invocation has run for the function's timeout: the
// invocation fails with Sandbox.Timedout and the process is killed, to be replaced on
// demand.
func (p *process) onTimeout() {
	f := p.f
	f.mu.Lock()
	inv := p.current
	if inv == nil || inv.state != invRunning || p.state != stateBusy || time.Now().Before(inv.deadline) {
		f.mu.Unlock() // a stale timer: that invocation already ended
		return
	}
	msg := fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", inv.id, p.spec.Timeout.Seconds())
	fe := &FunctionError{Type: "Sandbox.Timedout", Message: msg, Kind: KindUnhandled, Timeout: true}
	res := &Result{RequestID: inv.id, Payload: errorDocument(fe.Type, msg), Error: fe,
		Duration: time.Since(inv.start), InitDuration: inv.initDuration}
	f.completeLocked(inv, res, nil)
	f.stats.Timeouts++
	f.retireLocked(p, false)
	f.scaleLocked()
	f.mu.Unlock()
	f.m.logs.printf(f.name, p.stream, "%s", msg)
}

// reservedEnv are variables Lambda sets itself and does not let a function's configuration
// override.
var reservedEnv = map[string]bool{
	"_HANDLER": true, "_X_AMZN_TRACE_ID": true, "AWS_DEFAULT_REGION": true, "AWS_REGION": true,
	"AWS_EXECUTION_ENV": true, "AWS_LAMBDA_FUNCTION_NAME": true, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": true,
	"AWS_LAMBDA_FUNCTION_VERSION": true, "AWS_LAMBDA_INITIALIZATION_TYPE": true,
	"AWS_LAMBDA_LOG_GROUP_NAME": true, "AWS_LAMBDA_LOG_STREAM_NAME": true, "AWS_ACCESS_KEY": true,
	"AWS_ACCESS_KEY_ID": true, "AWS_SECRET_ACCESS_KEY": true, "AWS_SESSION_TOKEN": true,
	"AWS_LAMBDA_RUNTIME_API": true, "LAMBDA_TASK_ROOT": true, "LAMBDA_RUNTIME_DIR": true,
}

// vCPUs is the CPU share Lambda gives a function of memoryMB: one vCPU's worth at 1,769 MB,
// proportionally more above. A Go function sized for Lambda gets the same GOMAXPROCS locally
// (the template's environment may still set its own): on a laptop this also keeps each warm
// process from waking extra threads, which measurably cuts per-request latency.
func vCPUs(memoryMB int) int {
	return max(1, (memoryMB+1768)/1769)
}

// environ is the process's environment: PATH and HOME from this process, Lambda's
// variables, the template's, then ManagerOptions.Env.
func (p *process) environ(runtimeAPI string) []string {
	m, spec := p.f.m, p.spec
	root := filepath.Dir(spec.Binary)
	env := make(map[string]string, 24+len(spec.Environment)+len(m.opts.Env))
	for k, v := range m.baseEnv {
		env[k] = v
	}
	for k, v := range map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        spec.Name,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(spec.MemoryMB),
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + spec.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME":      time.Now().UTC().Format("2006/01/02") + "/[$LATEST]" + randomHex(16),
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_REGION":                      m.region,
		"AWS_DEFAULT_REGION":              m.region,
		"AWS_EXECUTION_ENV":               "AWS_Lambda_provided.al2023",
		"_HANDLER":                        spec.Handler,
		"LAMBDA_TASK_ROOT":                root,
		"LAMBDA_RUNTIME_DIR":              root,
		"TZ":                              ":UTC",
		"LANG":                            "en_US.UTF-8",
		"AWS_ACCESS_KEY_ID":               "local",
		"AWS_SECRET_ACCESS_KEY":           "local",
		"AWS_SESSION_TOKEN":               "local",
		"GOMAXPROCS":                      strconv.Itoa(vCPUs(spec.MemoryMB)),
	} {
		env[k] = v
	}
	for k, v := range spec.Environment {
		if !reservedEnv[k] {
			env[k] = v
		}
	}
	for k, v := range m.opts.Env {
		env[k] = v
	}
	env["AWS_LAMBDA_RUNTIME_API"] = runtimeAPI

	list := make([]string, 0, len(env))
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	sort.Strings(list)
	return list
}
