package dynalite_test

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/microshop/microshop/local/dynalite"
	"github.com/microshop/microshop/local/modroot"
	"github.com/microshop/microshop/local/sdk"
)

func TestStartServesDynamoDBAndCloseStopsIt(t *testing.T) {
	root, err := modroot.FromWorkingDir()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := dynalite.Start(context.Background(), dynalite.Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	out, err := sdk.DynamoDB(srv.Endpoint()).ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatalf("ListTables: %v", err)
	}
	if len(out.TableNames) != 0 {
		t.Errorf("fresh engine has tables %v", out.TableNames)
	}
	pid := srv.Process()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("dynalite pid %d still alive after Close", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestStartWithoutNodeModulesSaysSo(t *testing.T) {
	_, err := dynalite.Start(context.Background(), dynalite.Options{Root: t.TempDir()})
	if !errors.Is(err, dynalite.ErrNotInstalled) {
		t.Fatalf("err = %v, want ErrNotInstalled", err)
	}
}
