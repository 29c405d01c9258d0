package tlog

import (
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/transparency-dev/tessera/api/layout"
)

// Handler serves the log in dir read-only, as the tlog-tiles HTTP API
// expects: GET or HEAD of /checkpoint, /tile/<L>/<N>[.p/<W>] and
// /tile/entries/<N>[.p/<W>], relative to where it is mounted (e.g.
// http.StripPrefix("/log", tlog.Handler(dir)) serves /log/checkpoint).
//
// Only canonical tlog-tiles paths are served; anything else, including
// dir/.state, temporary files, directories and "..", is 404, and files are
// opened through an os.Root so symlinks cannot lead outside dir. The
// checkpoint is text/plain; charset=utf-8 with Cache-Control: no-cache;
// tiles and entry bundles are application/octet-stream and, being
// immutable, cacheable for a year.
func Handler(dir string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name, ok := strings.CutPrefix(r.URL.Path, "/")
		if !ok || !isLogPath(name) {
			http.NotFound(w, r)
			return
		}
		root, err := os.OpenRoot(dir)
		if err != nil {
			http.Error(w, "log unavailable", http.StatusServiceUnavailable)
			return
		}
		defer root.Close()
		f, err := root.Open(name)
		if err != nil {
			// Missing, or a symlink leading out of dir: either way, not
			// part of the log.
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil || !st.Mode().IsRegular() {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		modtime := st.ModTime()
		if name == layout.CheckpointPath {
			h.Set("Content-Type", "text/plain; charset=utf-8")
			h.Set("Cache-Control", "no-cache")
			// The checkpoint can change twice within a second, finer than
			// Last-Modified can say: do not offer conditional requests.
			modtime = time.Time{}
		} else {
			h.Set("Content-Type", "application/octet-stream")
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		http.ServeContent(w, r, "", modtime, f)
	})
}

// isLogPath reports whether name is a canonical tlog-tiles resource path:
// "checkpoint", "tile/<L>/<N>[.p/<W>]" or "tile/entries/<N>[.p/<W>]".
func isLogPath(name string) bool {
	if name == layout.CheckpointPath {
		return true
	}
	rest, ok := strings.CutPrefix(name, "tile/")
	if !ok {
		return false
	}
	if n, ok := strings.CutPrefix(rest, "entries/"); ok {
		idx, w, ok := parseTileN(n)
		return ok && layout.EntriesPath(idx, w) == name
	}
	l, n, ok := strings.Cut(rest, "/")
	if !ok {
		return false
	}
	level, err := parseDecimal(l)
	if err != nil || level > 63 {
		return false
	}
	idx, w, ok := parseTileN(n)
	return ok && layout.TilePath(level, idx, w) == name
}

// parseTileN parses "<N>[.p/<W>]" as in tlog-tiles paths. The caller checks
// canonical form by re-encoding.
func parseTileN(s string) (index uint64, width uint8, ok bool) {
	base, ws, partial := strings.Cut(s, ".p/")
	if partial {
		w, err := parseDecimal(ws)
		if err != nil || w < 1 || w > 255 {
			return 0, 0, false
		}
		width = uint8(w)
	}
	groups := strings.Split(base, "/")
	for i, g := range groups {
		if i < len(groups)-1 {
			if g, ok = strings.CutPrefix(g, "x"); !ok {
				return 0, 0, false
			}
		}
		if len(g) != 3 {
			return 0, 0, false
		}
		d, err := strconv.ParseUint(g, 10, 64)
		if err != nil || g[0] == '+' || g[0] == '-' {
			return 0, 0, false
		}
		if index > (1<<64-1-d)/1000 {
			return 0, 0, false
		}
		index = index*1000 + d
	}
	return index, width, true
}
