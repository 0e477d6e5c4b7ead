package seed_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/microshop/microshop/functions/catalog/seed"
)

// site is the storefront's folder, which serves the sample products' drawings.
const site = "../../../web/site"

// TestImagesAreOnTheSite: every sample product's imageUrl is a path on the shop's own site
// and the storefront has that file, an SVG drawn for the project.
func TestImagesAreOnTheSite(t *testing.T) {
	products, err := seed.Products()
	if err != nil {
		t.Fatal(err)
	}
	if len(products) == 0 {
		t.Fatal("no sample products")
	}
	for _, raw := range products {
		var p struct {
			Name     string `json:"name"`
			ImageURL string `json:"imageUrl"`
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(p.ImageURL, "/img/") || !strings.HasSuffix(p.ImageURL, ".svg") {
			t.Errorf("%s: imageUrl %q, want /img/<name>.svg on the site", p.Name, p.ImageURL)
			continue
		}
		b, err := os.ReadFile(filepath.Join(site, filepath.FromSlash(p.ImageURL)))
		if err != nil {
			t.Errorf("%s: %v", p.Name, err)
			continue
		}
		if !strings.HasPrefix(string(b), "<svg ") || len(b) > 8*1024 {
			t.Errorf("%s: %s is not a small SVG (%d bytes)", p.Name, p.ImageURL, len(b))
		}
	}
}
