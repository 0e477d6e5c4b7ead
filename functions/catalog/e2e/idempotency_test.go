package e2e

import (
	"crypto/rand"
	"net/http"
	"testing"
)

// The deployed create function honours Idempotency-Key: a retry gets the first response, with
// Idempotent-Replayed, and creates nothing; the same key with another body is a 422.
func TestCreateWithIdempotencyKey(t *testing.T) {
	key := map[string]string{"Idempotency-Key": rand.Text()}
	body := productJSON("Idempotent Mug", "idempotency", 1500)
	first := do(t, http.MethodPost, "/products", body, key)
	if first.status != http.StatusCreated {
		t.Fatalf("first POST: %d %s", first.status, first.body)
	}
	again := do(t, http.MethodPost, "/products", body, key)
	if again.status != http.StatusCreated || string(again.body) != string(first.body) {
		t.Errorf("retry = %d %s, want the first response %s", again.status, again.body, first.body)
	}
	for _, h := range []string{"Location", "Etag", "Content-Type"} {
		if again.header.Get(h) != first.header.Get(h) || first.header.Get(h) == "" {
			t.Errorf("retry %s = %q, want the first response's %q", h, again.header.Get(h), first.header.Get(h))
		}
	}
	if got := again.header.Get("Idempotent-Replayed"); got != "true" {
		t.Errorf("retry Idempotent-Replayed = %q, want true", got)
	}
	if got := first.header.Get("Idempotent-Replayed"); got != "" {
		t.Errorf("first response Idempotent-Replayed = %q, want none", got)
	}
	if got := listAll(t, "category=idempotency"); len(got) != 1 {
		t.Errorf("category holds %d products after a retried create, want 1", len(got))
	}
	other := do(t, http.MethodPost, "/products", productJSON("Other Mug", "idempotency", 1500), key)
	wantError(t, other, http.StatusUnprocessableEntity, "unprocessable")
}
