// Package ddbtest gives tests a fresh local DynamoDB endpoint, reached over the real AWS SDK.
// Every call starts its own engine, so tests never share tables.
package ddbtest

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/microshop/microshop/local/ddbengine"
	"github.com/microshop/microshop/local/dynalite"
	"github.com/microshop/microshop/local/modroot"
	"github.com/microshop/microshop/local/sdk"
)

// Endpoint starts the default local DynamoDB engine (our embedded engine) for the test and
// returns its base URL. The engine stops when the test ends.
func Endpoint(t testing.TB) string {
	t.Helper()
	srv, err := ddbengine.NewServer("127.0.0.1:0", ddbengine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve() }()
	t.Cleanup(func() { _ = srv.Close() })
	return srv.Endpoint()
}

// Dynalite starts dynalite (the npm reference engine) for the test and returns its base URL.
func Dynalite(t testing.TB) string {
	t.Helper()
	root, err := modroot.FromWorkingDir()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := dynalite.Start(context.Background(), dynalite.Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv.Endpoint()
}

// Client returns an SDK client with dummy credentials pointed at a fresh local engine.
func Client(t testing.TB) *dynamodb.Client {
	t.Helper()
	return sdk.DynamoDB(Endpoint(t))
}
