package code

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ConfigFile is the file `devcloud serve` reads from its working directory when present.
const ConfigFile = "devcloud.yaml"

// config is devcloud.yaml. For now it holds only where functions' sources are:
//
//	sources:
//	  GreetFunction: functions/greet    # logical ID or function name: folder of its main package
type config struct {
	Sources map[string]string `yaml:"sources"`
}

// LoadSources reads the sources of a devcloud.yaml (YAML or JSON). Relative folders are
// relative to the file's folder. Unknown keys are an error, so a misspelt key is not
// silently ignored.
func LoadSources(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var c config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	base := filepath.Dir(path)
	out := make(map[string]string, len(c.Sources))
	for fn, dir := range c.Sources {
		if strings.TrimSpace(dir) == "" {
			return nil, fmt.Errorf("%s: sources.%s: empty folder", path, fn)
		}
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(base, dir)
		}
		out[fn] = dir
	}
	return out, nil
}

// ParseSource parses a --source flag value, NAME=DIR.
func ParseSource(s string) (name, dir string, err error) {
	name, dir, ok := strings.Cut(s, "=")
	if !ok || name == "" || dir == "" {
		return "", "", fmt.Errorf("want NAME=DIR (a function's logical ID or name, and the folder of its main package), got %q", s)
	}
	return name, dir, nil
}
