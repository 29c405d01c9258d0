// Package pst unpacks Outlook personal folders (PST) and offline folders
// (OST) with readpst (libpst), run in the sandbox: every message becomes a
// child document in RFC 5322 form with its attachments inside, every
// contact a vCard and every calendar item an iCalendar file, with the
// folder path kept.
//
// # Children
//
// A child's Path is the file readpst wrote, relative to its output
// directory: "Top of Personal Folders/Inbox/12.eml". readpst numbers the
// items of each folder in the order the PST's descriptor tree lists them,
// so the same PST gives the same paths. Name is the folder path, MIME is
// message/rfc822, text/vcard or text/calendar. Children are sorted by
// folder, then by number.
//
// # Stable bytes
//
// Two things readpst writes change from one run to the next, which would
// give the same message a different blob and id at every ingest: the
// random number in its MIME boundaries ("--boundary-LibPST-iamunique-
// 1577318213_-_-") and the DTSTAMP of calendar items (the time of the
// run). The extractor replaces the boundary numbers by their order of
// appearance in each file and each DTSTAMP by the item's LAST-MOD (or
// CREATED) time. readpst's parallel mode (its default) also drops items at
// random under load; it is run with -j 0.
//
// # What it cannot do
//
// readpst skips items it cannot decode (it says nothing about them with
// -q); the count of what it wrote is all there is. Distribution lists are
// written as vCards of their members' addresses. The "password" of a PST
// is a flag that protects nothing, and is ignored. Budgets bound the
// number and total size of children; what does not fit is listed with
// Skip set.
package pst

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/extract/sandbox"
)

// Extractor unpacks PST and OST files. The zero value is ready to use.
type Extractor struct{}

// New returns an Extractor.
func New() *Extractor { return &Extractor{} }

var _ extract.Extractor = (*Extractor)(nil)

// IsPST reports whether data starts like a PST or OST file ("!BDN").
func IsPST(data []byte) bool { return bytes.HasPrefix(data, []byte("!BDN")) }

// Extract implements extract.Extractor.
func (x *Extractor) Extract(ctx context.Context, data []byte, mime string, opts extract.Options) (*extract.Result, error) {
	if !IsPST(data) {
		return nil, fmt.Errorf("pst: %w: no !BDN signature", extract.ErrUnsupported)
	}
	b := budget(opts.Budget)
	dir, err := os.MkdirTemp("", "dossier-pst-")
	if err != nil {
		return nil, fmt.Errorf("pst: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "in.pst"), data, 0o600); err != nil {
		return nil, fmt.Errorf("pst: %w", err)
	}
	if err := os.Mkdir(filepath.Join(dir, "out"), 0o700); err != nil {
		return nil, fmt.Errorf("pst: %w", err)
	}
	// readpst reads the whole PST: give it a second per 4 MB beyond the
	// budget's timeout.
	timeout := b.Timeout + time.Duration(len(data)/(4<<20))*time.Second
	out, err := sandbox.Run(ctx, sandbox.Cmd{
		Tool:        "readpst",
		Args:        []string{"-j", "0", "-e", "-D", "-b", "-q", "-8", "-o", "out", "in.pst"},
		Dir:         dir,
		Timeout:     timeout,
		MaxMemory:   b.MaxMemory,
		MaxFileSize: min(b.MaxBytes, 1<<30),
		MaxOutput:   1 << 20,
	})
	res := &extract.Result{}
	if err != nil {
		if out == nil || ctx.Err() != nil {
			return nil, fmt.Errorf("pst: %w", err)
		}
		// Keep what was written before the failure. readpst says why
		// on stdout.
		reason := err.Error()
		var se *sandbox.Error
		if errors.As(err, &se) && se.Stderr == "" {
			if last := lastLine(out.Stdout); last != "" {
				reason += ": " + last
			}
		}
		res.Problems = append(res.Problems, reason)
	}
	if err := collect(filepath.Join(dir, "out"), b, res); err != nil {
		return nil, fmt.Errorf("pst: %w", err)
	}
	if len(res.Children) == 0 && len(res.Problems) > 0 {
		return nil, fmt.Errorf("pst: %s", res.Problems[0])
	}
	counts := map[string]int{}
	for _, c := range res.Children {
		counts[path.Ext(c.Path)]++
	}
	res.Meta.Extra = map[string]string{
		"pst:messages": strconv.Itoa(counts[".eml"]),
		"pst:contacts": strconv.Itoa(counts[".vcf"]),
		"pst:calendar": strconv.Itoa(counts[".ics"]),
	}
	return res, nil
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(strings.ToValidUTF8(string(b), "\uFFFD")), "\n")
	l := strings.TrimSpace(lines[len(lines)-1])
	if len(l) > 200 {
		l = strings.ToValidUTF8(l[:200], "")
	}
	return l
}

func budget(b extract.Budget) extract.Budget {
	d := extract.DefaultBudget
	if b.MaxBytes <= 0 {
		b.MaxBytes = d.MaxBytes
	}
	if b.MaxMembers <= 0 {
		b.MaxMembers = d.MaxMembers
	}
	if b.Timeout <= 0 {
		b.Timeout = d.Timeout
	}
	if b.MaxMemory <= 0 {
		b.MaxMemory = d.MaxMemory
	}
	return b
}

// item is a file readpst wrote.
type item struct {
	rel    string // slash-separated, relative to the output directory
	folder string
	num    int
	size   int64
}

// collect turns the files under root into children, within the budget.
// Only regular files are read; anything else readpst might have left
// (it writes none) is listed as skipped.
func collect(root string, b extract.Budget, res *extract.Result) error {
	var items []item
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if !d.Type().IsRegular() {
			res.Children = append(res.Children, extract.Child{Path: rel, Skip: "not a regular file, not followed"})
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		folder, base := path.Split(rel)
		n, _ := strconv.Atoi(strings.TrimSuffix(base, path.Ext(base)))
		items = append(items, item{rel: rel, folder: strings.TrimSuffix(folder, "/"), num: n, size: info.Size()})
		return nil
	})
	if err != nil {
		return err
	}
	sort.Slice(items, func(i, j int) bool {
		a, c := items[i], items[j]
		if a.folder != c.folder {
			return a.folder < c.folder
		}
		if a.num != c.num {
			return a.num < c.num
		}
		return a.rel < c.rel
	})
	var spent int64
	for i, it := range items {
		c := extract.Child{Path: it.rel, Name: it.folder, MIME: mimeOf(it.rel)}
		switch {
		case i >= b.MaxMembers:
			c.Skip = fmt.Sprintf("over the budget of %d members", b.MaxMembers)
		case spent+it.size > b.MaxBytes:
			c.Skip = fmt.Sprintf("over the budget of %s", sandbox.Size(b.MaxBytes))
		default:
			data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(it.rel)))
			if err != nil {
				c.Failed = err.Error()
				break
			}
			c.Data = Stabilize(it.rel, data)
			spent += int64(len(c.Data))
		}
		res.Children = append(res.Children, c)
	}
	if len(items) > b.MaxMembers {
		res.Problems = append(res.Problems, fmt.Sprintf("%d items, more than the budget of %d: the rest are listed without their bytes", len(items), b.MaxMembers))
	}
	return nil
}

func mimeOf(name string) string {
	switch path.Ext(name) {
	case ".eml":
		return "message/rfc822"
	case ".vcf":
		return "text/vcard"
	case ".ics":
		return "text/calendar"
	}
	return "application/octet-stream"
}

var (
	boundaryRE = regexp.MustCompile(`boundary-LibPST-iamunique-(\d+)_-_-`)
	dtstampRE  = regexp.MustCompile(`(?m)^DTSTAMP:[0-9TZ]+\r?$`)
	lastModRE  = regexp.MustCompile(`(?m)^LAST-MOD(?:IFIED)?:([0-9TZ]+)\r?$`)
	createdRE  = regexp.MustCompile(`(?m)^CREATED:([0-9TZ]+)\r?$`)
)

// Stabilize rewrites what readpst makes different at every run (see the
// package documentation) in one file it wrote, named name.
func Stabilize(name string, data []byte) []byte {
	switch path.Ext(name) {
	case ".eml":
		ids := map[string]string{}
		return boundaryRE.ReplaceAllFunc(data, func(m []byte) []byte {
			n := string(boundaryRE.FindSubmatch(m)[1])
			id, ok := ids[n]
			if !ok {
				id = strconv.Itoa(len(ids) + 1)
				ids[n] = id
			}
			return []byte("boundary-LibPST-iamunique-" + id + "_-_-")
		})
	case ".ics":
		// Each VEVENT's DTSTAMP takes the LAST-MOD (or CREATED) that
		// follows it in the same event.
		var out bytes.Buffer
		rest := data
		for {
			loc := dtstampRE.FindIndex(rest)
			if loc == nil {
				out.Write(rest)
				return out.Bytes()
			}
			out.Write(rest[:loc[0]])
			stamp := "19700101T000000Z"
			event := rest[loc[1]:]
			if end := bytes.Index(event, []byte("END:VEVENT")); end >= 0 {
				event = event[:end]
			}
			if m := lastModRE.FindSubmatch(event); m != nil {
				stamp = string(m[1])
			} else if m := createdRE.FindSubmatch(event); m != nil {
				stamp = string(m[1])
			}
			out.WriteString("DTSTAMP:" + stamp)
			if bytes.HasSuffix(rest[loc[0]:loc[1]], []byte("\r")) {
				out.WriteByte('\r')
			}
			rest = rest[loc[1]:]
		}
	}
	return data
}
