package code

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// unpack returns the folder holding the deployment package at path: path itself when it is
// a folder, else the .zip file extracted into cacheDir/zip/<content hash>. An extraction is
// reused while the .zip's content is unchanged.
func unpack(path, cacheDir string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("not found: %w", err)
	}
	if st.IsDir() {
		return path, nil
	}
	if !strings.EqualFold(filepath.Ext(path), ".zip") {
		return "", fmt.Errorf("%s is a file, not a folder or a .zip", path)
	}
	sum, err := fileDigest(path)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cacheDir, "zip", sum)
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(cacheDir, "unzip-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp) // gone after the rename
	if err := extract(path, tmp); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(tmp, ".complete"), nil, 0o644); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", err
	}
	_ = os.RemoveAll(dir) // a partial extraction of an earlier run
	if err := os.Rename(tmp, dir); err != nil {
		return "", err
	}
	return dir, nil
}

func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)[:8]), nil
}

// extract writes the zip's files under dir. Entries that would land outside dir are
// refused. Lambda runs a package's bootstrap whatever its recorded mode, so it is made
// executable here too.
func extract(zipPath, dir string) error {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return fmt.Errorf("read %s: %w", zipPath, err)
	}
	defer zr.Close()
	for _, zf := range zr.File {
		name := filepath.FromSlash(zf.Name)
		if !filepath.IsLocal(name) {
			return fmt.Errorf("%s: entry %q leaves the archive's folder", zipPath, zf.Name)
		}
		dst := filepath.Join(dir, name)
		if zf.FileInfo().IsDir() {
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return err
			}
			continue
		}
		mode := zf.Mode().Perm() | 0o600
		if name == Bootstrap {
			mode |= 0o755
		}
		if err := writeEntry(zf, dst, mode); err != nil {
			return fmt.Errorf("%s: %w", zipPath, err)
		}
	}
	return nil
}

func writeEntry(zf *zip.File, dst string, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	rc, err := zf.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, rc); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}
