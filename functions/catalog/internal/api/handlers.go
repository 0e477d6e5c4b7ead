package api

import (
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/microshop/microshop/functions/catalog/internal/app"
	"github.com/microshop/microshop/functions/catalog/internal/product"
	"github.com/microshop/microshop/shared/fault"
	"github.com/microshop/microshop/shared/httpapi"
	"github.com/microshop/microshop/shared/money"
)

// productJSON is a product as the API shows it.
type productJSON struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Category    string    `json:"category"`
	Price       priceJSON `json:"price"`
	ImageURL    string    `json:"imageUrl"`
	Tags        []string  `json:"tags"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
	Version     int       `json:"version"`
}

type priceJSON struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

func toJSON(p *product.Product) productJSON {
	d := p.Details()
	tags := d.Tags
	if tags == nil {
		tags = []string{}
	}
	return productJSON{
		ID:          p.ID().String(),
		Name:        d.Name,
		Description: d.Description,
		Category:    d.Category,
		Price:       priceJSON{Amount: int64(d.Price.Amount()), Currency: d.Price.Currency().String()},
		ImageURL:    d.ImageURL,
		Tags:        tags,
		CreatedAt:   p.CreatedAt(),
		UpdatedAt:   p.UpdatedAt(),
		Version:     p.Version(),
	}
}

// productInput is the body of POST /products and PUT /products/{id}: the fields a client sets.
// Pointers tell a missing value from a zero one.
type productInput struct {
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Category    string      `json:"category"`
	Price       *priceInput `json:"price"`
	ImageURL    string      `json:"imageUrl"`
	Tags        []string    `json:"tags"`
}

type priceInput struct {
	Amount   *int64 `json:"amount"`
	Currency string `json:"currency"`
}

// details converts the input to domain details. It checks the price, which the domain receives
// already parsed; product.New and Replace validate the rest.
func (in productInput) details() (product.Details, error) {
	if in.Price == nil {
		return product.Details{}, fault.New(fault.Invalid, "price is required")
	}
	if in.Price.Amount == nil {
		return product.Details{}, fault.New(fault.Invalid, "price.amount is required")
	}
	currency, err := money.ParseCurrency(in.Price.Currency)
	if err != nil {
		return product.Details{}, errBadCurrency
	}
	price, err := money.NewPrice(money.Cents(*in.Price.Amount), currency)
	if err != nil {
		return product.Details{}, fault.Errorf(fault.Invalid, "price.amount must be a whole number of minor units from 0 to %d", money.MaxAmount)
	}
	return product.Details{
		Name:        in.Name,
		Description: in.Description,
		Category:    in.Category,
		Price:       price,
		ImageURL:    in.ImageURL,
		Tags:        in.Tags,
	}, nil
}

var errBadCurrency = fault.New(fault.Invalid, `price.currency must be an active ISO 4217 currency code in upper case, e.g. "USD"`)

// listResponse is the body of GET /products. NextCursor is absent on the last page.
type listResponse struct {
	Items      []productJSON `json:"items"`
	NextCursor string        `json:"nextCursor,omitempty"`
}

// handleListProducts serves GET /products?category=&limit=&cursor=.
func handleListProducts(c *app.Catalog, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, err := listQuery(r.URL.RawQuery)
		if err != nil {
			httpapi.WriteError(w, r, log, err)
			return
		}
		page, err := c.List(r.Context(), q)
		if err != nil {
			httpapi.WriteError(w, r, log, err)
			return
		}
		resp := listResponse{Items: make([]productJSON, 0, len(page.Products)), NextCursor: page.NextCursor}
		for _, p := range page.Products {
			resp.Items = append(resp.Items, toJSON(p))
		}
		httpapi.WriteJSON(w, r, http.StatusOK, resp)
	})
}

// listQuery reads the list parameters. Empty parameters count as absent. A query string that
// does not parse is the client's error: r.URL.Query would drop the bad pair and serve the
// first page or the default limit instead.
func listQuery(rawQuery string) (product.ListQuery, error) {
	v, err := url.ParseQuery(rawQuery)
	if err != nil {
		// url.ParseQuery's errors quote the client's own input, e.g. invalid URL escape "%zz".
		return product.ListQuery{}, fault.Errorf(fault.Invalid, "malformed query string: %v", err)
	}
	limit := product.DefaultLimit
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return product.ListQuery{}, product.ErrBadLimit
		}
		limit = n
	}
	return product.NewListQuery(v.Get("category"), limit, v.Get("cursor"))
}

// handleGetProduct serves GET /products/{id}, with the version as ETag.
func handleGetProduct(c *app.Catalog, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := product.ParseID(r.PathValue("id"))
		var p *product.Product
		if err == nil {
			p, err = c.Get(r.Context(), id)
		}
		if err != nil {
			httpapi.WriteError(w, r, log, err)
			return
		}
		writeProduct(w, r, http.StatusOK, p)
	})
}

// handleCreateProduct serves POST /products: it assigns the id and answers 201 with a Location.
func handleCreateProduct(c *app.Catalog, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := createProduct(w, r, c)
		if err != nil {
			httpapi.WriteError(w, r, log, err)
			return
		}
		w.Header().Set("Location", "/products/"+p.ID().String())
		writeProduct(w, r, http.StatusCreated, p)
	})
}

func createProduct(w http.ResponseWriter, r *http.Request, c *app.Catalog) (*product.Product, error) {
	var in productInput
	if err := httpapi.DecodeJSON(w, r, &in); err != nil {
		return nil, err
	}
	d, err := in.details()
	if err != nil {
		return nil, err
	}
	return c.Create(r.Context(), d)
}

// handleReplaceProduct serves PUT /products/{id}. The client must send If-Match with the version
// it read; a stale version gets 412 and a missing header 428, so no update is ever lost.
func handleReplaceProduct(c *app.Catalog, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := replaceProduct(w, r, c)
		if err != nil {
			httpapi.WriteError(w, r, log, err)
			return
		}
		writeProduct(w, r, http.StatusOK, p)
	})
}

func replaceProduct(w http.ResponseWriter, r *http.Request, c *app.Catalog) (*product.Product, error) {
	id, err := product.ParseID(r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	version, err := httpapi.IfMatchVersion(r)
	if err != nil {
		return nil, err
	}
	var in productInput
	if err := httpapi.DecodeJSON(w, r, &in); err != nil {
		return nil, err
	}
	d, err := in.details()
	if err != nil {
		return nil, err
	}
	return c.Replace(r.Context(), id, version, d)
}

// handleDeleteProduct serves DELETE /products/{id}: 204, or 404 if there is no such product
// (so a repeated delete reports that it found nothing).
func handleDeleteProduct(c *app.Catalog, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := product.ParseID(r.PathValue("id"))
		if err == nil {
			err = c.Delete(r.Context(), id)
		}
		if err != nil {
			httpapi.WriteError(w, r, log, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// writeProduct writes p with its version as ETag.
func writeProduct(w http.ResponseWriter, r *http.Request, status int, p *product.Product) {
	w.Header().Set("ETag", httpapi.ETag(p.Version()))
	httpapi.WriteJSON(w, r, status, toJSON(p))
}
