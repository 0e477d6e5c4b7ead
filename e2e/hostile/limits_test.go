package hostile

import (
	"fmt"
	"strings"
	"testing"
)

// TestLimits sends each limit of docs/limits.md at its value and one past it, through the
// local runtime: the first is accepted, the second refused with the documented status and
// error code. The values here are the documented ones; docs' own test ties the table to the
// constants in the code.
func TestLimits(t *testing.T) {
	w := theWorld(t)
	alice, adm := w.tokens[nonAdmin], w.tokens[admin]
	// Fifty distinct products, for an order of fifty lines (a product may not appear twice).
	var fifty []string
	for i := range 50 {
		fifty = append(fifty, createProduct(t, w, fmt.Sprintf("Limit Line %02d %s", i, newKey()[:6])))
	}
	eventually(t, "the fifty products in the orders service's replica", func() (bool, string) {
		s, b, _ := do(t, "POST", "/orders", alice, orderLines(fifty), map[string]string{"Idempotency-Key": newKey()})
		return s == 201, fmt.Sprintf("%d %.300s", s, b)
	})
	product := func(mut func(name, desc, category, image string, tags []string) (string, string, string, string, []string)) string {
		name, desc, cat, img, tags := mut("Limit Mug", "", "kitchen", "", nil)
		quoted := make([]string, len(tags))
		for i, tag := range tags {
			quoted[i] = `"` + tag + `"`
		}
		return fmt.Sprintf(`{"name":%q,"description":%q,"category":%q,"price":{"amount":100,"currency":"USD"},"imageUrl":%q,"tags":[%s]}`,
			name, desc, cat, img, strings.Join(quoted, ","))
	}
	tagsOf := func(n, size int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("%0*d", size, i)
		}
		return out
	}
	repeat := strings.Repeat
	// padTo pads the JSON object body with spaces to exactly n bytes.
	padTo := func(body string, n int) string { return body[:len(body)-1] + repeat(" ", n-len(body)) + "}" }
	type req struct {
		method, path, token, body string
		header                    map[string]string
	}
	tests := []struct {
		limit      string
		at, over   req
		wantStatus int
		wantCode   string
	}{
		{"request body 1048576 bytes",
			req{"PUT", "/cart/items/" + w.productA, alice, padTo(`{"quantity":1}`, 1<<20), nil},
			req{"PUT", "/cart/items/" + w.productA, alice, padTo(`{"quantity":1}`, 1<<20+1), nil}, 413, "payload_too_large"},
		{"cart quantity 99",
			req{"PUT", "/cart/items/" + w.productA, alice, `{"quantity":99}`, nil},
			req{"PUT", "/cart/items/" + w.productA, alice, `{"quantity":100}`, nil}, 400, "invalid"},
		{"catalog page size 100",
			req{"GET", "/products?limit=100", "", "", nil}, req{"GET", "/products?limit=101", "", "", nil}, 400, "invalid"},
		{"orders page size 100",
			req{"GET", "/orders?limit=100", alice, "", nil}, req{"GET", "/orders?limit=101", alice, "", nil}, 400, "invalid"},
		{"admin orders page size 100",
			req{"GET", "/admin/orders?limit=100", adm, "", nil}, req{"GET", "/admin/orders?limit=101", adm, "", nil}, 400, "invalid"},
		{"product name 200 characters",
			req{"POST", "/products", adm, product(func(n, d, c, i string, t []string) (string, string, string, string, []string) {
				return repeat("é", 200), d, c, i, t
			}), nil},
			req{"POST", "/products", adm, product(func(n, d, c, i string, t []string) (string, string, string, string, []string) {
				return repeat("é", 201), d, c, i, t
			}), nil}, 400, "invalid"},
		{"product description 2000 characters",
			req{"POST", "/products", adm, product(func(n, d, c, i string, t []string) (string, string, string, string, []string) {
				return n, repeat("d", 2000), c, i, t
			}), nil},
			req{"POST", "/products", adm, product(func(n, d, c, i string, t []string) (string, string, string, string, []string) {
				return n, repeat("d", 2001), c, i, t
			}), nil}, 400, "invalid"},
		{"product category 64 characters",
			req{"POST", "/products", adm, product(func(n, d, c, i string, t []string) (string, string, string, string, []string) {
				return n, d, repeat("c", 64), i, t
			}), nil},
			req{"POST", "/products", adm, product(func(n, d, c, i string, t []string) (string, string, string, string, []string) {
				return n, d, repeat("c", 65), i, t
			}), nil}, 400, "invalid"},
		{"product imageUrl 2048 characters",
			req{"POST", "/products", adm, product(func(n, d, c, i string, t []string) (string, string, string, string, []string) {
				return n, d, c, "https://img.example.com/" + repeat("i", 2048-24), t
			}), nil},
			req{"POST", "/products", adm, product(func(n, d, c, i string, t []string) (string, string, string, string, []string) {
				return n, d, c, "https://img.example.com/" + repeat("i", 2049-24), t
			}), nil}, 400, "invalid"},
		{"product tags 20",
			req{"POST", "/products", adm, product(func(n, d, c, i string, t []string) (string, string, string, string, []string) {
				return n, d, c, i, tagsOf(20, 2)
			}), nil},
			req{"POST", "/products", adm, product(func(n, d, c, i string, t []string) (string, string, string, string, []string) {
				return n, d, c, i, tagsOf(21, 2)
			}), nil}, 400, "invalid"},
		{"product tag 40 characters",
			req{"POST", "/products", adm, product(func(n, d, c, i string, t []string) (string, string, string, string, []string) {
				return n, d, c, i, tagsOf(1, 40)
			}), nil},
			req{"POST", "/products", adm, product(func(n, d, c, i string, t []string) (string, string, string, string, []string) {
				return n, d, c, i, tagsOf(1, 41)
			}), nil}, 400, "invalid"},
		{"stock on hand 1000000000",
			req{"PUT", "/inventory/" + w.productA, adm, `{"onHand":1000000000}`, nil},
			req{"PUT", "/inventory/" + w.productA, adm, `{"onHand":1000000001}`, nil}, 400, "invalid"},
		{"shipping quote items 999",
			req{"POST", "/shipping/quote", "", `{"country":"US","items":999}`, nil},
			req{"POST", "/shipping/quote", "", `{"country":"US","items":1000}`, nil}, 400, "invalid"},
		{"order line quantity 99",
			req{"POST", "/orders", alice, strings.Replace(orderBody(w.productA), `"quantity":1`, `"quantity":99`, 1), nil},
			req{"POST", "/orders", alice, strings.Replace(orderBody(w.productA), `"quantity":1`, `"quantity":100`, 1), nil}, 400, "invalid"},
		{"order lines 50",
			req{"POST", "/orders", alice, orderLines(fifty), nil},
			req{"POST", "/orders", alice, orderLines(append(fifty, w.productA)), nil}, 400, "invalid"},
		{"Idempotency-Key 255 bytes",
			req{"POST", "/orders", alice, orderBody(w.productA), map[string]string{"Idempotency-Key": repeat("k", 255)}},
			req{"POST", "/orders", alice, orderBody(w.productA), map[string]string{"Idempotency-Key": repeat("k", 256)}}, 400, "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.limit, func(t *testing.T) {
			for _, r := range []*req{&tt.at, &tt.over} {
				if r.header == nil {
					r.header = map[string]string{"Idempotency-Key": newKey()}
				}
			}
			status, body, _ := do(t, tt.at.method, tt.at.path, tt.at.token, tt.at.body, tt.at.header)
			if status/100 != 2 {
				t.Errorf("at the limit: status %d, want 2xx; body %.300s", status, body)
			}
			status, body, _ = do(t, tt.over.method, tt.over.path, tt.over.token, tt.over.body, tt.over.header)
			if status != tt.wantStatus || !strings.Contains(string(body), `"code":"`+tt.wantCode+`"`) {
				t.Errorf("past the limit: status %d %.300s, want %d %s", status, body, tt.wantStatus, tt.wantCode)
			}
		})
	}
}

// orderLines is an order body with one unit of each product.
func orderLines(products []string) string {
	lines := make([]string, len(products))
	for i, p := range products {
		lines[i] = `{"productId":"` + p + `","quantity":1}`
	}
	return strings.Replace(orderBody(products[0]), `[{"productId":"`+products[0]+`","quantity":1}]`, "["+strings.Join(lines, ",")+"]", 1)
}
