package lambda

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sync"
)

// maxLogLine is the longest line written as one: a longer one is split, each piece on its
// own prefixed line.
const maxLogLine = 256 << 10

// logSink serialises whole lines onto the Manager's log writer, so lines from concurrent
// processes never interleave.
type logSink struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *logSink) write(b []byte) {
	s.mu.Lock()
	_, _ = s.w.Write(b)
	s.mu.Unlock()
}

// printf writes one runtime message about function name.
func (s *logSink) printf(name, format string, args ...any) {
	s.write(fmt.Appendf(nil, "[%s] "+format+"\n", append([]any{name}, args...)...))
}

// pump copies r to the sink line by line, each line prefixed with "[name] ", until EOF.
func (s *logSink) pump(name string, r io.ReadCloser, wg *sync.WaitGroup) {
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
