package code

import (
	"bytes"
	"debug/elf"
	"debug/macho"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
)

// Target is the OS and architecture an executable is built for, in Go's names. A script
// (a file starting with "#!") has neither and runs anywhere.
type Target struct {
	OS, Arch string
	Script   bool
}

// Host is this machine's target.
func Host() Target { return Target{OS: runtime.GOOS, Arch: runtime.GOARCH} }

// RunsHere reports whether this machine can run the executable.
func (t Target) RunsHere() bool {
	return t.Script || t == Host()
}

func (t Target) String() string {
	if t.Script {
		return "script"
	}
	return t.OS + "/" + t.Arch
}

var elfArch = map[elf.Machine]string{
	elf.EM_X86_64:  "amd64",
	elf.EM_AARCH64: "arm64",
	elf.EM_386:     "386",
	elf.EM_ARM:     "arm",
	elf.EM_RISCV:   "riscv64",
	elf.EM_PPC64:   "ppc64le",
	elf.EM_S390:    "s390x",
}

var machoArch = map[macho.Cpu]string{
	macho.CpuAmd64: "amd64",
	macho.CpuArm64: "arm64",
}

// Platform reads the target of the executable at path from its header: ELF (Lambda's and
// Linux's format; the OS is taken to be linux, as Go writes no OS ABI into its ELF files),
// Mach-O, or a "#!" script.
func Platform(path string) (Target, error) {
	f, err := os.Open(path)
	if err != nil {
		return Target{}, err
	}
	defer f.Close()
	head := make([]byte, 4)
	if _, err := io.ReadFull(f, head); err != nil {
		return Target{}, errors.New("not an executable (too short)")
	}
	switch {
	case bytes.HasPrefix(head, []byte("#!")):
		return Target{Script: true}, nil
	case bytes.Equal(head, []byte(elf.ELFMAG)):
		ef, err := elf.NewFile(f)
		if err != nil {
			return Target{}, fmt.Errorf("bad ELF header: %w", err)
		}
		arch, ok := elfArch[ef.Machine]
		if !ok {
			arch = ef.Machine.String()
		}
		return Target{OS: "linux", Arch: arch}, nil
	}
	if mf, err := macho.NewFile(f); err == nil {
		arch, ok := machoArch[mf.Cpu]
		if !ok {
			arch = mf.Cpu.String()
		}
		return Target{OS: "darwin", Arch: arch}, nil
	}
	return Target{}, errors.New("not an executable this machine or Lambda knows (no ELF, Mach-O or #! header)")
}
