package ddbengine

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Server serves an Engine over HTTP on its own port.
type Server struct {
	Engine *Engine
	http   *http.Server
	ln     net.Listener
}

// NewServer listens on addr (e.g. "127.0.0.1:0") and serves a new engine built from opts.
func NewServer(addr string, opts Options) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	e, err := Open(opts)
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	return &Server{Engine: e, ln: ln, http: &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}}, nil
}

// Endpoint is the server's base URL, e.g. http://127.0.0.1:41234.
func (s *Server) Endpoint() string { return "http://" + s.ln.Addr().String() }

// Serve serves until Close; it returns nil after a clean shutdown.
func (s *Server) Serve() error {
	if err := s.http.Serve(s.ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Close stops the server and the engine (saving the data directory, if any).
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.http.Shutdown(ctx)
	return errors.Join(err, s.Engine.Close())
}

// ListenAndServe serves a new engine on addr until the listener fails.
func ListenAndServe(addr string, opts Options) error {
	s, err := NewServer(addr, opts)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Serve()
}
