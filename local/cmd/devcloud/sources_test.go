package main

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"
)

// A CDK app whose asset holds a bootstrap for another architecture runs once --source says
// where its Go source is: devcloud builds it for this machine.
func TestInvokeWithSourceFlagRebuildsAWrongArchitectureBootstrap(t *testing.T) {
	app := filepath.Join(t.TempDir(), "cdkasset")
	if err := os.CopyFS(app, os.DirFS(filepath.Join("..", "..", "testdata", "ownstacks", "cdkasset"))); err != nil {
		t.Fatal(err)
	}
	machine := elf.EM_AARCH64
	if goruntime.GOARCH == "arm64" {
		machine = elf.EM_X86_64
	}
	h := elf.Header64{Type: uint16(elf.ET_EXEC), Machine: uint16(machine), Version: uint32(elf.EV_CURRENT), Ehsize: 64}
	copy(h.Ident[:], elf.ELFMAG)
	h.Ident[elf.EI_CLASS], h.Ident[elf.EI_DATA], h.Ident[elf.EI_VERSION] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)
	var hdr bytes.Buffer
	if err := binary.Write(&hdr, binary.LittleEndian, h); err != nil {
		t.Fatal(err)
	}
	asset := filepath.Join(app, "cdk.out", "asset.4c6b62df97f1419efd49106ce6e8dbd5057892029fbab3231cd4b5a25a1a97fa")
	if err := os.MkdirAll(asset, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(asset, "bootstrap"), hdr.Bytes(), 0o755); err != nil {
		t.Fatal(err)
	}
	event := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(event, []byte(`{"version":"2.0","rawPath":"/cli"}`), 0o644); err != nil {
		t.Fatal(err)
	}

	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"invoke",
		"--template", filepath.Join(app, "cdk.out", "CdkAsset.template.json"),
		"--source", "HelloFunction=" + filepath.Join(app, "hello"),
		"--cache-dir", t.TempDir(),
		"--event", event, "HelloFunction"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("invoke: %v\n%s", err, stderr.String())
	}
	var res struct {
		StatusCode int
		Body       string
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("stdout is not the function's result: %q", stdout.String())
	}
	if want := `{"message":"hello from a folder asset","path":"/cli"}`; res.StatusCode != 200 || res.Body != want {
		t.Errorf("result = %d %s, want 200 %s", res.StatusCode, res.Body, want)
	}
	if !strings.Contains(stderr.String(), "--source "+filepath.Join(app, "hello")) {
		t.Errorf("the log does not say the code came from --source:\n%s", stderr.String())
	}
}
