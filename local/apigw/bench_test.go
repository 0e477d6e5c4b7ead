package apigw_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/microshop/microshop/local/apigw"
	"github.com/microshop/microshop/local/lambdahost"
)

// nopInvoker answers at once, so the benchmarks measure the HTTP API's own overhead.
type nopInvoker struct{ payload []byte }

func (n nopInvoker) Invoke(context.Context, string, []byte) (*lambdahost.Result, error) {
	return &lambdahost.Result{Payload: n.payload}, nil
}

var benchResponse = []byte(`{"statusCode":200,"headers":{"content-type":"application/json"},"body":"{\"id\":\"p1\",\"name\":\"Lamp\",\"price\":1999}"}`)

func benchServer() http.Handler {
	api, functions := testAPI("GET /products", "POST /products", "GET /products/{id}", "PUT /products/{id}", "DELETE /products/{id}", "ANY /{proxy+}")
	return apigw.New(api, functions, nopInvoker{benchResponse}, apigw.Options{})
}

func BenchmarkServeGET(b *testing.B) {
	srv := benchServer()
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("GET", "/products/p1?fields=name&fields=price", nil)
		r.Header.Set("User-Agent", "bench")
		r.Header.Set("Cookie", "session=abc; theme=dark")
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

func BenchmarkServePOSTJSON(b *testing.B) {
	srv := benchServer()
	body := `{"name":"Lamp","price":1999,"category":"lighting","description":"` + strings.Repeat("x", 1000) + `"}`
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("POST", "/products", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

// BenchmarkServeLoopback includes a real HTTP round trip over loopback.
func BenchmarkServeLoopback(b *testing.B) {
	ts := httptest.NewServer(benchServer())
	defer ts.Close()
	client := ts.Client()
	b.ReportAllocs()
	for b.Loop() {
		resp, err := client.Get(ts.URL + "/products/p1")
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
