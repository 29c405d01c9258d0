package tlog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/transparency-dev/tessera/api/layout"
)

const (
	hashSize = 32
	// maxEntrySize is the largest entry tlog-tiles can hold (uint16 length).
	maxEntrySize = 1<<16 - 1
	// fullTileSize is the size of a full hash tile: 256 hashes.
	fullTileSize = layout.TileWidth * hashSize
	// maxBundleSize bounds an entry bundle: 256 maximal entries.
	maxBundleSize = layout.EntryBundleWidth * (2 + maxEntrySize)
)

// Fetcher reads the resources of a tlog-tiles log: the checkpoint, hash
// tiles and entry bundles. Its methods have the shapes of tessera's
// client.CheckpointFetcherFunc, client.TileFetcherFunc and
// client.EntryBundleFetcherFunc, so method values can be passed to
// tessera's client package.
//
// Contract, as in tessera's client package:
//   - a resource that does not exist yields an error wrapping fs.ErrNotExist;
//   - asked for a partial tile or bundle (p > 0) that does not exist, the
//     Fetcher returns the full one instead (logs may delete partial tiles
//     once the full tile exists);
//   - returned bytes are not verified beyond their length; callers verify
//     them against a checkpoint.
//
// Implementations must be safe for concurrent use.
type Fetcher interface {
	ReadCheckpoint(ctx context.Context) ([]byte, error)
	ReadTile(ctx context.Context, level, index uint64, p uint8) ([]byte, error)
	ReadEntryBundle(ctx context.Context, index uint64, p uint8) ([]byte, error)
}

// NewFetcher returns an [HTTPFetcher] if location is an http or https URL
// (the log prefix, e.g. "https://dossier.example/log/"), and a [DirFetcher]
// otherwise. c may be nil to use http.DefaultClient.
func NewFetcher(location string, c *http.Client) (Fetcher, error) {
	if strings.HasPrefix(location, "http://") || strings.HasPrefix(location, "https://") {
		return NewHTTPFetcher(location, c)
	}
	return DirFetcher{Dir: location}, nil
}

// DirFetcher reads a log from a local directory in the tlog-tiles layout,
// such as the one [Open] writes.
type DirFetcher struct {
	Dir string
}

// ReadCheckpoint implements [Fetcher].
func (d DirFetcher) ReadCheckpoint(ctx context.Context) ([]byte, error) {
	return d.read(ctx, layout.CheckpointPath, maxCheckpointSize)
}

// ReadTile implements [Fetcher].
func (d DirFetcher) ReadTile(ctx context.Context, level, index uint64, p uint8) ([]byte, error) {
	return readTile(ctx, level, index, p, d.read)
}

// ReadEntryBundle implements [Fetcher].
func (d DirFetcher) ReadEntryBundle(ctx context.Context, index uint64, p uint8) ([]byte, error) {
	return readBundle(ctx, index, p, d.read)
}

func (d DirFetcher) read(ctx context.Context, p string, limit int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Join(d.Dir, filepath.FromSlash(p)))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimited(f, p, limit)
}

// HTTPFetcher reads a log served over HTTP(S) under a URL prefix, e.g. by
// [Handler] mounted at /log/.
type HTTPFetcher struct {
	base *url.URL
	c    *http.Client
}

// NewHTTPFetcher returns a fetcher for the log under prefix (for example
// "https://dossier.example/log/"; a missing trailing slash is added). c may
// be nil to use http.DefaultClient.
func NewHTTPFetcher(prefix string, c *http.Client) (*HTTPFetcher, error) {
	u, err := url.Parse(prefix)
	if err != nil {
		return nil, fmt.Errorf("tlog: log url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("tlog: log url %q: want an absolute http or https url", prefix)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawQuery, u.Fragment, u.RawPath = "", "", ""
	if c == nil {
		c = http.DefaultClient
	}
	return &HTTPFetcher{base: u, c: c}, nil
}

// ReadCheckpoint implements [Fetcher].
func (h *HTTPFetcher) ReadCheckpoint(ctx context.Context) ([]byte, error) {
	return h.get(ctx, layout.CheckpointPath, maxCheckpointSize)
}

// ReadTile implements [Fetcher].
func (h *HTTPFetcher) ReadTile(ctx context.Context, level, index uint64, p uint8) ([]byte, error) {
	return readTile(ctx, level, index, p, h.get)
}

// ReadEntryBundle implements [Fetcher].
func (h *HTTPFetcher) ReadEntryBundle(ctx context.Context, index uint64, p uint8) ([]byte, error) {
	return readBundle(ctx, index, p, h.get)
}

func (h *HTTPFetcher) get(ctx context.Context, p string, limit int64) ([]byte, error) {
	u := h.base.JoinPath(p).String()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", u, err)
	}
	resp, err := h.c.Do(req)
	if err != nil {
		return nil, err // already names the url
	}
	defer func() {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
	}()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return nil, fmt.Errorf("get %s: %w", u, fs.ErrNotExist)
	default:
		return nil, fmt.Errorf("get %s: %s", u, resp.Status)
	}
	return readLimited(resp.Body, u, limit)
}

// readLimited reads r to the end, failing if it holds more than limit bytes.
func readLimited(r io.Reader, name string, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("read %s: larger than %d bytes", name, limit)
	}
	return b, nil
}

type readFunc func(ctx context.Context, path string, limit int64) ([]byte, error)

// readTile reads tile (level, index), partial width p, falling back to the
// full tile, and checks its length.
func readTile(ctx context.Context, level, index uint64, p uint8, read readFunc) ([]byte, error) {
	if p > 0 {
		pth := layout.TilePath(level, index, p)
		b, err := read(ctx, pth, fullTileSize)
		if err == nil {
			if len(b) != int(p)*hashSize {
				return nil, corrupt("tile %s: %d bytes, want %d", pth, len(b), int(p)*hashSize)
			}
			return b, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	pth := layout.TilePath(level, index, 0)
	b, err := read(ctx, pth, fullTileSize)
	if err != nil {
		return nil, err
	}
	if len(b) != fullTileSize {
		return nil, corrupt("tile %s: %d bytes, want %d", pth, len(b), fullTileSize)
	}
	return b, nil
}

// readBundle reads entry bundle index, partial width p, falling back to the
// full bundle.
func readBundle(ctx context.Context, index uint64, p uint8, read readFunc) ([]byte, error) {
	if p > 0 {
		b, err := read(ctx, layout.EntriesPath(index, p), maxBundleSize)
		if err == nil || !errors.Is(err, fs.ErrNotExist) {
			return b, err
		}
	}
	return read(ctx, layout.EntriesPath(index, 0), maxBundleSize)
}
