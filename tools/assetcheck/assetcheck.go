// Package assetcheck proves that a synthesized cloud assembly can be deployed: the stack's
// template and asset manifest exist, every file asset the manifest names is on disk, and every
// Lambda function's code asset holds a non-empty, executable bootstrap (the Go binary of
// provided.al2023). `make package` runs it before `make deploy`, so a missing `make build`
// fails on this machine instead of deploying an empty function.
package assetcheck

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ErrMissing is wrapped by every error about an asset that is absent or empty.
var ErrMissing = errors.New("missing asset")

// Report is what Check verified.
type Report struct {
	// Files is how many file assets the manifest lists (the template included).
	Files int
	// Functions maps each function's logical ID to its bootstrap's size in bytes.
	Functions map[string]int64
}

// manifest is the part of <stack>.assets.json Check reads.
type manifest struct {
	Files map[string]struct {
		Source struct {
			Path      string `json:"path"`
			Packaging string `json:"packaging"`
		} `json:"source"`
	} `json:"files"`
}

// template is the part of <stack>.template.json Check reads.
type template struct {
	Resources map[string]struct {
		Type       string
		Properties struct {
			Code struct {
				S3Key any
			}
		}
	}
}

// Check verifies the assembly in dir (cdk.out or another -o directory) for stack.
func Check(dir, stack string) (Report, error) {
	var m manifest
	if err := readJSON(filepath.Join(dir, stack+".assets.json"), &m); err != nil {
		return Report{}, err
	}
	var t template
	if err := readJSON(filepath.Join(dir, stack+".template.json"), &t); err != nil {
		return Report{}, err
	}
	r := Report{Files: len(m.Files), Functions: map[string]int64{}}
	var problems []error
	hashes := make([]string, 0, len(m.Files))
	for h := range m.Files {
		hashes = append(hashes, h)
	}
	sort.Strings(hashes)
	for _, h := range hashes {
		if _, err := os.Stat(filepath.Join(dir, m.Files[h].Source.Path)); err != nil {
			problems = append(problems, fmt.Errorf("%w: asset %s: %v", ErrMissing, h, err))
		}
	}
	ids := make([]string, 0, len(t.Resources))
	for id := range t.Resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		res := t.Resources[id]
		if res.Type != "AWS::Lambda::Function" {
			continue
		}
		key, ok := res.Properties.Code.S3Key.(string)
		if !ok {
			problems = append(problems, fmt.Errorf("%w: function %s: its code is not a file asset (Code.S3Key %v)", ErrMissing, id, res.Properties.Code.S3Key))
			continue
		}
		hash := strings.TrimSuffix(key, ".zip")
		asset, ok := m.Files[hash]
		if !ok {
			problems = append(problems, fmt.Errorf("%w: function %s: asset %s is not in the manifest", ErrMissing, id, hash))
			continue
		}
		bootstrap := filepath.Join(dir, asset.Source.Path, "bootstrap")
		info, err := os.Stat(bootstrap)
		switch {
		case err != nil:
			problems = append(problems, fmt.Errorf("%w: function %s: %v (run `make build`)", ErrMissing, id, err))
		case info.Size() == 0:
			problems = append(problems, fmt.Errorf("%w: function %s: %s is empty", ErrMissing, id, bootstrap))
		case info.Mode()&0o111 == 0:
			problems = append(problems, fmt.Errorf("%w: function %s: %s is not executable", ErrMissing, id, bootstrap))
		default:
			r.Functions[id] = info.Size()
		}
	}
	if len(r.Functions) == 0 && len(problems) == 0 {
		problems = append(problems, fmt.Errorf("%w: the template of %s has no Lambda functions", ErrMissing, stack))
	}
	return r, errors.Join(problems...)
}

func readJSON(path string, v any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%w: %v (run `make synth-stage`)", ErrMissing, err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
