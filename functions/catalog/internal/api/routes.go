package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/shared/correlation"
	"github.com/microshop/microshop/shared/httpapi"
	"github.com/microshop/microshop/shared/idempotency"
)

// Route keys, exactly as the HTTP API's routes are declared. Each is also a Go ServeMux pattern.
const (
	RouteListProducts   = "GET /products"
	RouteGetProduct     = "GET /products/{id}"
	RouteCreateProduct  = "POST /products"
	RouteReplaceProduct = "PUT /products/{id}"
	RouteDeleteProduct  = "DELETE /products/{id}"
)

// AdminGroup is the Cognito group whose members may change the catalog.
const AdminGroup = "admin"

// routes lists every catalog route, keyed by route key. Reads are public; writes need a
// caller in AdminGroup: a request without token claims gets 401 and a caller outside the
// group 403 (see httpapi.RequireGroup). On AWS the routes' JWT authorizer refuses a missing
// or invalid token before the function runs. Writes name the request as the cause of the
// events they emit; POST /products honours an optional Idempotency-Key.
func routes(d Deps) map[string]http.Handler {
	c := d.catalog()
	admin := httpapi.RequireGroup(AdminGroup)
	return map[string]http.Handler{
		RouteListProducts:   handleListProducts(c, d.Log),
		RouteGetProduct:     handleGetProduct(c, d.Log),
		RouteCreateProduct:  admin(emits(d.idempotent(handleCreateProduct(c, d.Log)))),
		RouteReplaceProduct: admin(emits(handleReplaceProduct(c, d.Log))),
		RouteDeleteProduct:  admin(emits(handleDeleteProduct(c, d.Log))),
	}
}

// idempotent wraps a handler in the Idempotency-Key middleware, keyed in the catalog's table;
// without an idempotency store (in-process tests and tools) the handler is returned as is.
func (d Deps) idempotent(next http.Handler) http.Handler {
	if d.Idempotency == nil {
		return next
	}
	return idempotency.Middleware(idempotency.Options{Store: d.Idempotency, Log: d.Log, Now: d.Now})(next)
}

// emits gives a write the context its events carry: the request's correlation id (the
// client's X-Correlation-Id, else API Gateway's request id) unless one is set already, and the
// request id as their cause.
func emits(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		reqID := httpapi.RequestID(ctx)
		if correlation.ID(ctx) == "" {
			id := r.Header.Get(correlation.Header)
			if id == "" {
				id = reqID
			}
			ctx = correlation.With(ctx, id)
		}
		next.ServeHTTP(w, r.WithContext(envelope.WithCausationID(ctx, reqID)))
	})
}

// RouteKeys returns every catalog route key, sorted.
func RouteKeys() []string {
	keys := make([]string, 0, 5)
	for k := range routes(Deps{}) {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Handler returns a handler serving the one route with the given key, as a Lambda function
// does; any other request gets a JSON 404.
func Handler(routeKey string, d Deps) (http.Handler, error) {
	if d.Store == nil {
		return nil, errors.New("catalog api: no store")
	}
	d = d.withDefaults()
	h, err := httpapi.Routes(routes(d)).One(routeKey)
	if err != nil {
		return nil, fmt.Errorf("catalog api: %w", err)
	}
	return h, nil
}

// NewServer returns a handler serving every catalog route, for tests and tools that run the
// API in one process. Requests that match no route get a JSON 404.
func NewServer(d Deps) (http.Handler, error) {
	if d.Store == nil {
		return nil, errors.New("catalog api: no store")
	}
	d = d.withDefaults()
	return httpapi.Routes(routes(d)).All(), nil
}
