// Package dynalite runs dynalite (the npm DynamoDB implementation pinned in package.json) as a
// child process on a private loopback port. The local runtime serves it behind the edge port;
// tests use it as the reference engine.
package dynalite

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrNotInstalled is returned when node_modules/dynalite is missing: run `npm ci`.
var ErrNotInstalled = errors.New("dynalite is not installed (run `npm ci` in the repository root)")

// launcher starts dynalite on an ephemeral loopback port, prints the port, and exits when its
// parent closes stdin, so no node process outlives the Go process that started it.
const launcher = `
const dynalite = require(process.argv[1]);
const server = dynalite({createTableMs: 0, deleteTableMs: 0, updateTableMs: 0});
server.listen(0, '127.0.0.1', () => console.log('LISTENING ' + server.address().port));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`

// Options configure Start.
type Options struct {
	// Root is the directory holding node_modules/dynalite (the repository root).
	Root string
	// Log receives dynalite's output; nil discards it.
	Log io.Writer
}

// Server is a running dynalite process.
type Server struct {
	endpoint string
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	done     chan struct{}
	once     sync.Once
}

// Start launches dynalite and waits until it listens.
func Start(ctx context.Context, opts Options) (*Server, error) {
	pkg := filepath.Join(opts.Root, "node_modules", "dynalite")
	if _, err := os.Stat(filepath.Join(pkg, "index.js")); err != nil {
		return nil, fmt.Errorf("start dynalite from %s: %w", opts.Root, ErrNotInstalled)
	}
	cmd := exec.Command("node", "-e", launcher, pkg)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("start dynalite: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start dynalite: %w", err)
	}
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	cmd.Stderr = logw
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start dynalite: %w", err)
	}
	s := &Server{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(s.done)
	}()

	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if port, ok := strings.CutPrefix(line, "LISTENING "); ok {
				ready <- port
				continue
			}
			fmt.Fprintln(logw, line)
		}
	}()

	timer := time.NewTimer(30 * time.Second)
	defer timer.Stop()
	select {
	case port := <-ready:
		s.endpoint = "http://127.0.0.1:" + port
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("start dynalite: process exited before listening: %v", cmd.ProcessState)
	case <-timer.C:
		_ = s.Close()
		return nil, errors.New("start dynalite: not listening after 30s")
	case <-ctx.Done():
		_ = s.Close()
		return nil, fmt.Errorf("start dynalite: %w", ctx.Err())
	}
}

// Endpoint is the base URL dynalite serves, e.g. http://127.0.0.1:41234.
func (s *Server) Endpoint() string { return s.endpoint }

// Close stops dynalite and waits for the process to exit.
func (s *Server) Close() error {
	s.once.Do(func() {
		_ = s.stdin.Close()
		select {
		case <-s.done:
		case <-time.After(2 * time.Second):
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			<-s.done
		}
	})
	return nil
}

// Process is the dynalite process ID (for tests that check nothing is left behind).
func (s *Server) Process() int { return s.cmd.Process.Pid }
