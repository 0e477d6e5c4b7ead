// Command greeter is a test function for shared/start's HTTP entry point: GET /hello logs one
// line and answers 200.
package main

import (
	"log/slog"
	"net/http"
	"os"

	"github.com/microshop/microshop/shared/httpapi"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.HTTP("test", build); err != nil {
		os.Exit(1)
	}
}

func build(env *start.Env) (http.Handler, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		env.Log.InfoContext(r.Context(), "greeting")
		httpapi.WriteJSON(w, r, http.StatusOK, map[string]string{"hello": "world"})
	})
	slog.Info("greeter built")
	return mux, nil
}
