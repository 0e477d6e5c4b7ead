package console_test

import (
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/console"
)

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	c := console.New()
	page := template.Must(template.New("p").Parse(`<p id="greeting">{{.}}</p>`))
	c.HandlePage(console.Page{Path: "things", Title: "Things", Summary: "what there is"},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { c.Render(w, r, "Things", page, "<hello>") }))
	c.HandleAPI("GET things/{name}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		console.WriteJSON(w, http.StatusOK, map[string]string{"name": r.PathValue("name")})
	}))
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

func TestPagesAreListedAndRenderedInTheLayout(t *testing.T) {
	srv := newServer(t)
	status, body := get(t, srv.URL+"/_console/things")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	for _, want := range []string{`<p id="greeting">&lt;hello&gt;</p>`, `href="/_console/things" aria-current="page"`, `/_console/static/console.css`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q:\n%s", want, body)
		}
	}
	_, index := get(t, srv.URL+"/_console/")
	if !strings.Contains(index, "what there is") {
		t.Errorf("index does not list the page:\n%s", index)
	}
	_, css := get(t, srv.URL+"/_console/static/console.css")
	if !strings.Contains(css, "--accent") {
		t.Errorf("stylesheet not served: %.80s", css)
	}
}

func TestAPIRoutesAndErrors(t *testing.T) {
	srv := newServer(t)
	status, body := get(t, srv.URL+"/_console/api/things/a-b")
	if status != http.StatusOK || strings.TrimSpace(body) != `{"name":"a-b"}` {
		t.Errorf("GET things/a-b = %d %s", status, body)
	}
	var pages struct{ Pages []console.Page }
	_, body = get(t, srv.URL+"/_console/api/pages")
	if err := json.Unmarshal([]byte(body), &pages); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]console.Page{{Path: "things", Title: "Things", Summary: "what there is"}}, pages.Pages); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
	status, body = get(t, srv.URL+"/_console/api/nothing")
	var e struct {
		Error     struct{ Code, Message string }
		RequestID string
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatal(err)
	}
	if status != http.StatusNotFound || e.Error.Code != "NotFound" || e.RequestID == "" {
		t.Errorf("unknown API path = %d %s", status, body)
	}
}

func TestOnlyLoopbackClients(t *testing.T) {
	c := console.New()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/_console/", nil)
	req.RemoteAddr = "192.0.2.7:5555"
	c.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("remote client: status %d, want 403", rec.Code)
	}
	rec = httptest.NewRecorder()
	req.RemoteAddr = "127.0.0.1:5555"
	c.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("loopback client: status %d, want 200", rec.Code)
	}
}
