package structured

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
)

func TestSVG(t *testing.T) {
	svg := `<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY x "EXPANDED">]>
<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50">
  <title>Organigramme du cabinet</title>
  <style>.a { fill: #000 }</style>
  <script>alert("no")</script>
  <rect class="a" x="1" y="2" width="3" height="4" style="stroke:#000"/>
  <text x="10" y="20">Directeur <tspan>de cabinet</tspan> &x;</text>
</svg>`
	res, err := Extract(context.Background(), []byte(svg), "image/svg+xml", extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(res.Text), " ")
	for _, want := range []string{"Organigramme du cabinet", "Directeur de cabinet"} {
		if !strings.Contains(text, want) {
			t.Errorf("%q lacks %q", text, want)
		}
	}
	for _, bad := range []string{"stroke", "fill", "alert", "EXPANDED", "100"} {
		if strings.Contains(text, bad) {
			t.Errorf("%q holds %q", text, bad)
		}
	}
	data, err := os.ReadFile(testutil.Corpus(t, "docs/aleph-ingest-file/image.svg"))
	if err != nil {
		t.Fatal(err)
	}
	res, err = Extract(context.Background(), data, "image/svg+xml", extract.Options{})
	if err != nil || strings.TrimSpace(res.Text) != "TEST" {
		t.Errorf("image.svg: %v %q", err, res.Text)
	}
}
