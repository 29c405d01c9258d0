package web

// Hooks for the external tests (package web_test) into unexported knobs.

// SetSitemapSize makes sitemaps hold at most n URLs until restore is
// called, so a test can see a sitemap index without 50,000 documents.
func SetSitemapSize(n int) (restore func()) {
	old := sitemapSize
	sitemapSize = n
	return func() { sitemapSize = old }
}
