// Command chaos is a test function that misbehaves on request. The event's "mode":
//
//	exit   os.Exit(3) mid-invocation
//	panic  panic (aws-lambda-go reports it, then exits)
//	spawn  start a child process that sleeps forever; respond with its pid
//	log    write log lines: short, long, and one in two writes
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	Mode string `json:"mode"`
}

type response struct {
	PID      int `json:"pid"`
	ChildPID int `json:"childPid,omitempty"`
}

func main() {
	if os.Getenv("CHAOS_CHILD") == "1" {
		time.Sleep(time.Hour)
		return
	}
	lambda.Start(handle)
}

func handle(_ context.Context, e event) (response, error) {
	r := response{PID: os.Getpid()}
	switch e.Mode {
	case "exit":
		os.Exit(3)
	case "panic":
		panic("kaboom")
	case "spawn":
		self, err := os.Executable()
		if err != nil {
			return r, err
		}
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), "CHAOS_CHILD=1")
		if err := cmd.Start(); err != nil {
			return r, err
		}
		r.ChildPID = cmd.Process.Pid
	case "log":
		fmt.Println("short line")
		fmt.Fprintln(os.Stderr, "to stderr")
		fmt.Println(strings.Repeat("x", 100000))
		fmt.Print("first half, ")
		time.Sleep(20 * time.Millisecond)
		fmt.Println("second half")
	}
	return r, nil
}
