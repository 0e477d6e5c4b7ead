package main

import (
	"errors"
	"flag"
	"io/fs"
	"os"

	"github.com/microshop/microshop/local/code"
)

// sourceFlags are the flags that say where functions' code is, beyond the template.
type sourceFlags struct {
	mapping  map[string]string // --source NAME=DIR, repeatable
	config   *string
	cacheDir *string
}

func addSourceFlags(fs *flag.FlagSet) *sourceFlags {
	s := &sourceFlags{mapping: map[string]string{}}
	fs.Func("source", "build function NAME (logical ID or name) from the Go main package in DIR instead of what the template says (repeatable)", func(v string) error {
		name, dir, err := code.ParseSource(v)
		if err == nil {
			s.mapping[name] = dir
		}
		return err
	})
	s.config = fs.String("config", "", "devcloud.yaml with `sources: {NAME: DIR}` (default: ./"+code.ConfigFile+" when present)")
	s.cacheDir = fs.String("cache-dir", "", "where builds of code outside the template's module and extracted .zip assets go (default: $"+code.CacheDirEnv+", else the user cache directory's devcloud)")
	return s
}

// sources merges the config file's sources with the --source flags, which win.
func (s *sourceFlags) sources() (map[string]string, error) {
	path := *s.config
	if path == "" {
		if _, err := os.Stat(code.ConfigFile); errors.Is(err, fs.ErrNotExist) {
			return s.mapping, nil
		}
		path = code.ConfigFile
	}
	out, err := code.LoadSources(path)
	if err != nil {
		return nil, err
	}
	for name, dir := range s.mapping {
		out[name] = dir
	}
	return out, nil
}
