package lambdahost

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// maxLogLine is the longest line written as one: a longer one is split, each piece on its
// own prefixed line.
const maxLogLine = 256 << 10

// LogRecorder keeps the functions' output the way CloudWatch Logs does, by function and
// log stream: the Manager calls RecordLog once for every line a function writes and for
// every line it writes about an invocation (START, END, REPORT, timeouts, crashes). line
// holds no prefix and no newline, and is only valid during the call. RecordLog must be
// cheap and safe for concurrent use: it runs on the path of every invocation.
type LogRecorder interface {
	RecordLog(function, stream string, at time.Time, line []byte)
}

// NewStreamName returns a log stream name as Lambda gives each execution environment:
// "2024/01/02/[$LATEST]" and 32 hex digits, dated t in UTC.
func NewStreamName(t time.Time) string {
	return t.UTC().Format("2006/01/02/") + "[$LATEST]" + randomHex(16)
}

// logSink serialises whole lines onto the Manager's log writer, so lines from concurrent
// processes never interleave, and hands each line to the recorder when there is one.
type logSink struct {
	mu  sync.Mutex
	w   io.Writer
	rec LogRecorder
}

func (s *logSink) write(b []byte) {
	s.mu.Lock()
	_, _ = s.w.Write(b)
	s.mu.Unlock()
}

// printf writes one runtime message about function name, recorded in stream (none when
// empty).
func (s *logSink) printf(name, stream, format string, args ...any) {
	b := fmt.Appendf(nil, "[%s] "+format+"\n", append([]any{name}, args...)...)
	s.write(b)
	if s.rec != nil && stream != "" {
		s.rec.RecordLog(name, stream, time.Now(), b[len(name)+3:len(b)-1])
	}
}

// tailSize is how much of an invocation's own output Result.LogTail keeps (Lambda's
// X-Amz-Log-Result carries the last 4 KB).
const tailSize = 4 << 10

// logTail keeps the last tailSize bytes of the lines a process writes during one invocation.
type logTail struct {
	mu   sync.Mutex
	buf  []byte
	last atomic.Int64 // when the last line arrived, in Unix nanoseconds
}

func (t *logTail) add(line []byte) {
	t.last.Store(time.Now().UnixNano())
	t.mu.Lock()
	t.buf = append(t.buf, line...)
	if over := len(t.buf) - tailSize; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	t.mu.Unlock()
}

func (t *logTail) bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]byte(nil), t.buf...)
}

// pump copies r to the sink line by line, each line prefixed with "[name] ", until EOF, and
// records each line in stream. A line written while the process runs an invocation is also
// kept in that invocation's tail (current returns it, or nil between invocations).
func (s *logSink) pump(name, stream string, r io.ReadCloser, wg *sync.WaitGroup, current func() *logTail) {
	defer wg.Done()
	defer r.Close()
	prefix := "[" + name + "] "
	out := make([]byte, 0, 256)
	emit := func(line []byte) {
		for len(line) > 0 && (line[len(line)-1] == '\n' || line[len(line)-1] == '\r') {
			line = line[:len(line)-1]
		}
		out = append(append(append(out[:0], prefix...), line...), '\n')
		s.write(out)
		if s.rec != nil {
			s.rec.RecordLog(name, stream, time.Now(), out[len(prefix):len(out)-1])
		}
		if t := current(); t != nil {
			t.add(out[len(prefix):])
		}
		if cap(out) > 64<<10 {
			out = make([]byte, 0, 256)
		}
	}
	br := bufio.NewReaderSize(r, 32<<10)
	var long []byte // a line longer than br's buffer, so far
	for {
		chunk, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, chunk...)
			if len(long) >= maxLogLine {
				emit(long)
				long = long[:0]
			}
			continue
		}
		if len(long) > 0 {
			long = append(long, chunk...)
			emit(long)
			long = long[:0]
		} else if len(chunk) > 0 {
			emit(chunk)
		}
		if err != nil {
			return
		}
	}
}

// settle waits, briefly, for output the function wrote before it answered to come through
// the pipes: stdout and the Runtime API are separate channels, so the response can overtake
// the last lines. It returns once the pipes are empty and no line arrived for a moment, or
// after 50 ms.
func (t *logTail) settle(pipes []*os.File) {
	deadline := time.Now().Add(50 * time.Millisecond)
	for time.Now().Before(deadline) {
		quiet := time.Since(time.Unix(0, t.last.Load())) > 2*time.Millisecond
		if quiet && pipesEmpty(pipes) {
			return
		}
		time.Sleep(500 * time.Microsecond)
	}
}

// pipesEmpty reports whether no unread byte waits in any of the pipes (FIONREAD); a closed
// pipe counts as empty.
func pipesEmpty(pipes []*os.File) bool {
	for _, f := range pipes {
		rc, err := f.SyscallConn() // Control, unlike Fd, is safe beside a concurrent Close
		if err != nil {
			continue
		}
		var n int32
		_ = rc.Control(func(fd uintptr) {
			_, _, _ = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
		})
		if n > 0 {
			return false
		}
	}
	return true
}
