// Command dynamodb-local serves the local runtime's embedded DynamoDB engine on its own port.
//
//	dynamodb-local --addr 127.0.0.1:8000 [--data-dir DIR [--snapshot-interval 1s]]
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/microshop/microshop/local/ddbengine"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "dynamodb-local:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("dynamodb-local", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8000", "listen address")
	dataDir := fs.String("data-dir", "", "keep tables in this directory across restarts (default: in memory)")
	snapshot := fs.Duration("snapshot-interval", time.Second, "with --data-dir, the most a crash can lose (negative: save only on exit)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ddbengine.SetServeGC()
	srv, err := ddbengine.NewServer(*addr, ddbengine.Options{DataDir: *dataDir, SnapshotInterval: *snapshot})
	if err != nil {
		return err
	}
	fmt.Println("dynamodb-local listening on", srv.Endpoint())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve() }()
	select {
	case err = <-errc:
	case <-sig:
	}
	return errorsJoin(err, srv.Close())
}

func errorsJoin(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
