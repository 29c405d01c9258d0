package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/web"
)

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o644) }

func decode(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("bad JSON: %v\n%.2000s", err, b)
	}
}

// asJSON round-trips v through JSON into generic values, for comparing
// shapes.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	decode(t, b, &out)
	return out
}

// TestAPISearchShape: the API's search result is what `dossier search
// --json` prints for the same request: the store's meta.SearchResult with
// facets (an empty object rather than null when none).
func TestAPISearchShape(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		url string
		req meta.SearchRequest
	}{
		{"/api/v1/search?q=" + q("type:email"), meta.SearchRequest{Query: "type:email", Limit: 20, Facets: true}},
		{"/api/v1/search?q=xsscanary&sort=date&limit=5", meta.SearchRequest{Query: "xsscanary", Limit: 5, Sort: "date", Facets: true}},
		{"/api/v1/search?q=" + q("type:email") + "&limit=7&offset=9&facets=false", meta.SearchRequest{Query: "type:email", Limit: 7, Offset: 9}},
	} {
		want, err := fx.store.Search(ctx, c.req)
		if err != nil {
			t.Fatal(err)
		}
		if want.Facets == nil {
			want.Facets = map[string][]meta.FacetCount{}
		}
		resp, b := get(t, c.url)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("%s: %d %s", c.url, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var got any
		decode(t, b, &got)
		if !reflect.DeepEqual(got, asJSON(t, want)) {
			t.Errorf("%s: API result differs from the CLI's JSON\n got %.1000s\nwant %.1000v", c.url, b, asJSON(t, want))
		}
	}
}

func TestAPIStatsShape(t *testing.T) {
	st, err := fx.store.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got any
	decode(t, mustGet(t, "/api/v1/stats", http.StatusOK), &got)
	if !reflect.DeepEqual(got, asJSON(t, st)) {
		t.Errorf("API stats differ from `dossier stats --json`:\n got %v\nwant %v", got, asJSON(t, st))
	}
}

func TestAPIDoc(t *testing.T) {
	d := docByMID(t, "hostile-2@evil.example")
	var byNum, byID map[string]any
	decode(t, mustGet(t, fmt.Sprintf("/api/v1/doc/%d", d.Num), http.StatusOK), &byNum)
	decode(t, mustGet(t, "/api/v1/doc/id/"+d.ID, http.StatusOK), &byID)
	if !reflect.DeepEqual(byNum, byID) {
		t.Error("document by number and by id differ")
	}
	for _, k := range []string{"number", "id", "sha256", "display_path", "email", "locations", "children", "parents", "text", "url", "raw_url"} {
		if _, ok := byNum[k]; !ok {
			t.Errorf("document JSON lacks %q", k)
		}
	}
	if a, ok := byNum["authenticity"]; ok {
		t.Errorf("unverified message has authenticity %v", a)
	}
	if kids := byNum["children"].([]any); len(kids) != 1 {
		t.Errorf("children: %v", kids)
	}
	if p := byNum["display_path"].(string); !strings.HasPrefix(p, "hostile:") || !strings.HasSuffix(p, "02-rtl-attachment.eml") {
		t.Errorf("display_path %v", byNum["display_path"])
	}
	var noText map[string]any
	decode(t, mustGet(t, fmt.Sprintf("/api/v1/doc/%d?text=false", d.Num), http.StatusOK), &noText)
	if noText["text"] != "" {
		t.Error("text=false still sends the text")
	}
	var th struct {
		Thread   string           `json:"thread"`
		Messages []*meta.Document `json:"messages"`
	}
	root := docByMID(t, "thread-root@example.org")
	decode(t, mustGet(t, "/api/v1/thread/"+root.ThreadID, http.StatusOK), &th)
	if th.Thread != root.ThreadID || len(th.Messages) != 2 || th.Messages[0].Num != root.Num {
		t.Errorf("thread JSON: %+v", th)
	}
	var cols struct {
		Collections []struct {
			Name      string `json:"name"`
			Documents int64  `json:"documents"`
		} `json:"collections"`
	}
	decode(t, mustGet(t, "/api/v1/collections", http.StatusOK), &cols)
	all, _ := fx.store.Collections(context.Background())
	if len(cols.Collections) != len(all) {
		t.Errorf("collections: %+v, want %v", cols, all)
	}
	for _, c := range cols.Collections {
		if all[c.Name] != c.Documents {
			t.Errorf("collection %s: %d, want %d", c.Name, c.Documents, all[c.Name])
		}
	}
}

// apiError is the body of an API error.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Offset  *int   `json:"offset"`
		Column  *int   `json:"column"`
	} `json:"error"`
}

func TestAPIErrors(t *testing.T) {
	for _, c := range []struct {
		method, path string
		code         int
		errCode      string
	}{
		{"GET", "/api/v1/search?q=" + q(`compte "societe`), 400, "bad_query"},
		{"GET", "/api/v1/search?q=", 400, "empty_query"},
		{"GET", "/api/v1/search?q=%21%21%21", 400, "bad_query"},
		{"GET", "/api/v1/search?q=a&sort=x", 400, "bad_request"},
		{"GET", "/api/v1/search?q=a&limit=0", 400, "bad_request"},
		{"GET", "/api/v1/search?q=a&limit=1001", 400, "bad_request"},
		{"GET", "/api/v1/search?q=a&offset=-1", 400, "bad_request"},
		{"GET", "/api/v1/search?q=a&facets=maybe", 400, "bad_request"},
		{"GET", "/api/v1/search?q=" + strings.Repeat("x", 1100), 414, "query_too_long"},
		{"GET", "/api/v1/search?q=" + strings.Repeat("x", 5000), 414, "uri_too_long"},
		{"GET", "/api/v1/doc/999999999", 404, "not_found"},
		{"GET", "/api/v1/doc/0", 404, "not_found"},
		{"GET", "/api/v1/doc/abc", 404, "not_found"},
		{"GET", "/api/v1/doc/999999999/raw", 404, "not_found"},
		{"GET", "/api/v1/doc/id/" + strings.Repeat("0", 32), 404, "not_found"},
		{"GET", "/api/v1/doc/id/zz", 404, "not_found"},
		{"GET", "/api/v1/thread/none", 404, "not_found"},
		{"GET", "/api/v1/nope", 404, "not_found"},
		{"GET", "/api/v2/search?q=a", 404, "not_found"},
		{"GET", "/api/v1/doc/1/raw/extra", 404, "not_found"},
		{"POST", "/api/v1/search?q=a", 405, "method_not_allowed"},
		{"DELETE", "/api/v1/doc/1", 405, "method_not_allowed"},
	} {
		resp, b := do(t, fx.srv, c.method, c.path, nil, nil)
		if resp.StatusCode != c.code {
			t.Errorf("%s %.80s: status %d, want %d", c.method, c.path, resp.StatusCode, c.code)
			continue
		}
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s %.80s: Content-Type %q", c.method, c.path, resp.Header.Get("Content-Type"))
			continue
		}
		var e apiError
		decode(t, b, &e)
		if e.Error.Code != c.errCode || e.Error.Message == "" {
			t.Errorf("%s %.80s: error %+v, want code %s", c.method, c.path, e.Error, c.errCode)
		}
		if c.code == 405 && resp.Header.Get("Allow") == "" {
			t.Errorf("%s %s: 405 without Allow", c.method, c.path)
		}
	}
	_, b := get(t, "/api/v1/search?q="+q(`compte "societe`))
	var e apiError
	decode(t, b, &e)
	if e.Error.Offset == nil || *e.Error.Offset != 7 || e.Error.Column == nil || *e.Error.Column != 8 {
		t.Errorf("syntax error position: %+v", e.Error)
	}
}

// openAPI is the part of an OpenAPI document the tests read.
type openAPI struct {
	OpenAPI    string                              `json:"openapi"`
	Paths      map[string]map[string]openAPIOp     `json:"paths"`
	Components struct{ Schemas map[string]schema } `json:"components"`
}

type openAPIOp struct {
	// PublicOnly marks the public site's own routes (404 elsewhere).
	PublicOnly bool `json:"x-dossier-public-only"`
	Parameters []struct {
		Name     string `json:"name"`
		In       string `json:"in"`
		Required bool   `json:"required"`
	} `json:"parameters"`
	Responses map[string]struct {
		Content map[string]struct {
			Schema schema `json:"schema"`
		} `json:"content"`
	} `json:"responses"`
}

type schema struct {
	Ref        string            `json:"$ref"`
	Type       any               `json:"type"`
	Properties map[string]schema `json:"properties"`
	Required   []string          `json:"required"`
	Items      *schema           `json:"items"`
	AllOf      []schema          `json:"allOf"`
	OneOf      []schema          `json:"oneOf"`
	Enum       []any             `json:"enum"`
	AddProps   *schema           `json:"additionalProperties"`
}

// TestOpenAPI walks every path of the OpenAPI document against the real
// server, checks responses against their schemas, and checks that the
// router serves exactly the documented routes.
func TestOpenAPI(t *testing.T) {
	var doc openAPI
	decode(t, mustGet(t, "/api/v1/openapi.json", http.StatusOK), &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	var documented []string
	for p, ops := range doc.Paths {
		for m := range ops {
			documented = append(documented, strings.ToUpper(m)+" "+p)
		}
	}
	sort.Strings(documented)
	routes := web.APIRoutes()
	sort.Strings(routes)
	if !slices.Equal(documented, routes) {
		t.Errorf("OpenAPI paths and router differ:\ndocumented %v\nrouted     %v", documented, routes)
	}

	email := docByMID(t, "hostile-2@evil.example")
	values := map[string]string{"number": fmt.Sprint(email.Num), "id": email.ID, "name": url.PathEscape(fillonName)}
	thread := docByMID(t, "thread-root@example.org").ThreadID
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if op.PublicOnly {
				// walked against the public site (TestPublicOpenAPI)
				if resp, _ := get(t, strings.NewReplacer("{number}", "1", "{name}", "x").Replace(path)); resp.StatusCode != http.StatusNotFound {
					t.Errorf("%s: status %d outside the public site, want 404", path, resp.StatusCode)
				}
				continue
			}
			u := path
			for k, v := range values {
				u = strings.ReplaceAll(u, "{"+k+"}", v)
			}
			if strings.HasPrefix(path, "/api/v1/thread/") {
				u = strings.ReplaceAll(path, "{id}", thread)
			}
			if strings.Contains(u, "{") {
				t.Errorf("%s: no test value for a path parameter", path)
				continue
			}
			var query []string
			for _, p := range op.Parameters {
				if p.In == "query" && p.Required {
					query = append(query, p.Name+"=budget")
				}
			}
			if len(query) > 0 {
				u += "?" + strings.Join(query, "&")
			}
			resp, b := do(t, fx.srv, strings.ToUpper(method), u, nil, nil)
			code := fmt.Sprint(resp.StatusCode)
			r, ok := op.Responses[code]
			if !ok || resp.StatusCode != http.StatusOK {
				t.Errorf("%s %s: status %d (documented: %v)", method, u, resp.StatusCode, keys(op.Responses))
				continue
			}
			ct := strings.Split(resp.Header.Get("Content-Type"), ";")[0]
			c, ok := r.Content[ct]
			if !ok {
				t.Errorf("%s %s: content type %q not documented", method, u, ct)
				continue
			}
			if ct == "application/json" {
				var v any
				decode(t, b, &v)
				checkSchema(t, method+" "+u, &doc, c.Schema, v, "$")
			}
			// a path parameter that names nothing is a documented 404
			if strings.Contains(path, "{") {
				bad := strings.NewReplacer("{number}", "999999999", "{id}", strings.Repeat("0", 32), "{name}", "Nobody").Replace(path)
				resp, b := get(t, bad)
				if _, ok := op.Responses["404"]; !ok || resp.StatusCode != http.StatusNotFound {
					t.Errorf("%s: status %d, want a documented 404", bad, resp.StatusCode)
				} else {
					var e any
					decode(t, b, &e)
					checkSchema(t, bad, &doc, op.Responses["404"].Content["application/json"].Schema, e, "$")
				}
			}
		}
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkSchema checks v against a JSON schema: types, required
// properties, enums, recursively through $ref, allOf, oneOf, items and
// properties.
func checkSchema(t *testing.T, what string, doc *openAPI, s schema, v any, at string) {
	t.Helper()
	if s.Ref != "" {
		name := strings.TrimPrefix(s.Ref, "#/components/schemas/")
		rs, ok := doc.Components.Schemas[name]
		if !ok {
			t.Errorf("%s: unknown schema %s", what, s.Ref)
			return
		}
		checkSchema(t, what, doc, rs, v, at)
		return
	}
	for _, sub := range s.AllOf {
		checkSchema(t, what, doc, sub, v, at)
	}
	if len(s.OneOf) > 0 {
		ok := false
		for _, sub := range s.OneOf {
			if matchesType(doc, sub, v) {
				ok = true
				checkSchema(t, what, doc, sub, v, at)
				break
			}
		}
		if !ok {
			t.Errorf("%s: %s matches none of oneOf", what, at)
		}
	}
	if s.Type != nil && !typeOK(s.Type, v) {
		t.Errorf("%s: %s is %T, schema type %v", what, at, v, s.Type)
		return
	}
	if len(s.Enum) > 0 && !slices.Contains(s.Enum, v) {
		t.Errorf("%s: %s = %v not in %v", what, at, v, s.Enum)
	}
	switch x := v.(type) {
	case map[string]any:
		for _, r := range s.Required {
			if _, ok := x[r]; !ok {
				t.Errorf("%s: %s lacks required %q", what, at, r)
			}
		}
		for k, val := range x {
			if ps, ok := s.Properties[k]; ok {
				checkSchema(t, what, doc, ps, val, at+"."+k)
			} else if s.AddProps != nil {
				checkSchema(t, what, doc, *s.AddProps, val, at+"."+k)
			}
		}
	case []any:
		if s.Items != nil {
			for i, val := range x {
				checkSchema(t, what, doc, *s.Items, val, fmt.Sprintf("%s[%d]", at, i))
			}
		}
	}
}

func matchesType(doc *openAPI, s schema, v any) bool {
	for s.Ref != "" {
		s = doc.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")]
	}
	return s.Type == nil || typeOK(s.Type, v)
}

func typeOK(typ any, v any) bool {
	var types []string
	switch x := typ.(type) {
	case string:
		types = []string{x}
	case []any:
		for _, e := range x {
			types = append(types, fmt.Sprint(e))
		}
	}
	for _, ty := range types {
		switch ty {
		case "object":
			if _, ok := v.(map[string]any); ok {
				return true
			}
		case "array":
			if _, ok := v.([]any); ok {
				return true
			}
		case "string":
			if _, ok := v.(string); ok {
				return true
			}
		case "integer":
			if f, ok := v.(float64); ok && f == float64(int64(f)) {
				return true
			}
		case "number":
			if _, ok := v.(float64); ok {
				return true
			}
		case "boolean":
			if _, ok := v.(bool); ok {
				return true
			}
		case "null":
			if v == nil {
				return true
			}
		}
	}
	return false
}
