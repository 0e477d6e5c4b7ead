// Package modroot finds the root of the Go module a program or test runs in, so tools can
// locate the repository's node_modules, templates and function sources from any package
// directory.
package modroot

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrNotFound is returned when no go.mod exists in the directory or any parent.
var ErrNotFound = errors.New("no go.mod found")

// Find returns the nearest directory at or above dir that holds a go.mod.
func Find(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("find module root from %s: %w", dir, err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("find module root from %s: %w", dir, ErrNotFound)
		}
	}
}

// FromWorkingDir is Find from the current working directory.
func FromWorkingDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find module root: %w", err)
	}
	return Find(wd)
}
