package template

import (
	"path/filepath"
)

// This file reads where a function's code is, beyond our own GoPackage metadata: the CDK's
// asset metadata and manifest, and the CodeUri the SAM transform records.

// Code says where a function's deployment package is, as the template and the files beside
// it tell. Paths are resolved against Options.AssetDir (by default the template's folder)
// and made absolute; empty fields are unknown.
type Code struct {
	// AssetPath is the CDK asset holding the package, a folder or a .zip file: the resource's
	// Metadata "aws:asset:path" or, when the template has no asset metadata (`cdk synth
	// --no-asset-metadata`), the staged path the <stack>.assets.json manifest gives for
	// Properties.Code.S3Key.
	AssetPath string
	// CodeURI is Metadata.LocalRuntime.CodeUri, which the SAM transform records: the SAM
	// function's CodeUri as written (a folder or a .zip file), resolved.
	CodeURI string
	// BuildMethod is Metadata.BuildMethod, as `sam build` reads it: "go1.x" means CodeURI is
	// Go source to build.
	BuildMethod string
	// CDKPath is Metadata "aws:cdk:path", the CDK construct path of the resource
	// ("Stack/HelloFunction/Resource"), so a user can name a function by its construct.
	CDKPath string
}

// code reads fn's Code. Metadata is the tools' own annotation and is not resolved.
func (r *resolver) code(id string) (Code, error) {
	md := r.resources[id].Metadata
	var c Code
	if s, ok := md["aws:asset:path"].(string); ok && s != "" {
		c.AssetPath = r.assetPath(s)
	} else {
		key, err := r.propString(id, "Code", "S3Key")
		if err != nil {
			return Code{}, err
		}
		if key != "" {
			if r.assets == nil {
				if r.assets, err = r.assetsByObjectKey(); err != nil {
					return Code{}, err
				}
			}
			if p := r.assets[key]; p != "" { // "" when the key is no asset of this assembly
				c.AssetPath = r.assetPath(p)
			}
		}
	}
	c.CDKPath, _ = md["aws:cdk:path"].(string)
	if s, ok := md["BuildMethod"].(string); ok {
		c.BuildMethod = s
	}
	if lr, ok := md["LocalRuntime"].(map[string]any); ok {
		if s, ok := lr["CodeUri"].(string); ok && s != "" {
			c.CodeURI = r.assetPath(s)
		}
	}
	return c, nil
}

// assetPath resolves p against the asset directory, to an absolute path when there is one.
func (r *resolver) assetPath(p string) string {
	if filepath.IsAbs(p) || r.assetDir == "" {
		return filepath.Clean(p)
	}
	p = filepath.Join(r.assetDir, p)
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}
