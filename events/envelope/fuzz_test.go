package envelope_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/envelope"
)

// FuzzDecode: Decode never panics, and an envelope it accepts survives Encode and Decode
// unchanged, with every field Decode requires present.
func FuzzDecode(f *testing.F) {
	goldens, err := filepath.Glob(filepath.Join("..", "*", "testdata", "*.v1.json"))
	if err != nil || len(goldens) == 0 {
		f.Fatalf("no golden envelopes (%v)", err)
	}
	for _, g := range goldens {
		b, err := os.ReadFile(g)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"id":"1","type":"T","version":0,"source":"s","time":"2026-01-01T00:00:00Z","data":{}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		env, err := envelope.Decode(b)
		if err != nil {
			return
		}
		if env.ID == "" || env.Type == "" || env.Version < 1 || env.Source == "" || env.Time.IsZero() {
			t.Fatalf("accepted an envelope missing a required field: %+v", env)
		}
		out, err := env.Encode()
		if err != nil {
			t.Fatalf("accepted %q but cannot encode it: %v", b, err)
		}
		again, err := envelope.Decode(out)
		if err != nil {
			t.Fatalf("accepted %q but not its own encoding %s: %v", b, out, err)
		}
		out2, err := again.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(out), string(out2)); diff != "" {
			t.Fatalf("round trip changed the envelope (-first +second):\n%s", diff)
		}
	})
}
