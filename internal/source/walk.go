package source

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"
)

// Reasons an [Item] is skipped rather than read.
const (
	SkipSymlink   = "symlink"   // symbolic links are recorded, never followed
	SkipFIFO      = "fifo"      // named pipe
	SkipSocket    = "socket"    // Unix domain socket
	SkipDevice    = "device"    // block or character device
	SkipIrregular = "irregular" // any other non-regular file
)

// Item is one entry of a walked source: a regular file to ingest, or an
// entry that was not read, with the reason (Skipped) or the failure (Err).
// Every entry the walk meets is reported, so that the ledger can account for
// it; directories are reported only when they cannot be listed.
type Item struct {
	// Path is the absolute path. File names are kept as the raw bytes the
	// file system returned, valid UTF-8 or not, so Path always opens the
	// file; use [Display] to show it.
	Path string
	// Rel is the path relative to the parent of the walk root, with '/'
	// separators: walking /data/leak yields "leak/a/b.eml"; walking a single
	// file yields its base name.
	Rel string
	// Size and ModTime come from lstat; Mode holds the type bits.
	Size    int64
	ModTime time.Time
	Mode    fs.FileMode
	// Skipped is set for entries that are not regular files (see the Skip
	// constants). They are not opened.
	Skipped string
	// Err is set when the entry could not be read: its metadata or, for a
	// directory, its listing. The walk goes on. Regular files are not
	// opened by the walk; whoever reads them reports failures to open.
	Err error
	// Maildir is set for files directly inside the cur, new or tmp
	// directory of a Maildir.
	Maildir *MaildirEntry
}

// Display returns Rel for humans, see [Display].
func (it Item) Display() string { return Display(it.Rel) }

// MaildirEntry describes a file's place in a Maildir: a directory that holds
// cur/ and new/ (tmp/ is often lost when Maildirs are copied, so it is not
// required).
type MaildirEntry struct {
	// Folder is the Rel path of the Maildir directory.
	Folder string
	// Sub is "cur", "new" or "tmp". Files in tmp/ may be incomplete
	// deliveries; they are yielded anyway.
	Sub string
	// Flags are the flag letters after ":2," in the file name ("FRS" for
	// Flagged, Replied, Seen), as written; ";" and "!" are accepted in
	// place of ":" as some platforms write them. Empty if there are none.
	Flags string
}

// Walk calls fn for every entry under root in lexical order of the raw
// names, or once if root is not a directory. root itself is followed if it
// is a symbolic link; nothing below it is. A failure to read one entry is
// reported on its Item and does not stop the walk. Walk returns the first
// error from fn, the context's error if it is cancelled, or an error if root
// cannot be resolved.
func Walk(ctx context.Context, root string, fn func(Item) error) error {
	abs, err := filepath.Abs(root)
	if err != nil {
		return fmt.Errorf("walk %s: %w", Display(root), err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return fmt.Errorf("walk %s: %w", Display(root), err)
	}
	rel := filepath.Base(abs)
	if rel == string(filepath.Separator) {
		rel = ""
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if !fi.IsDir() {
		return fn(fileItem(abs, rel, fi, nil))
	}
	return walkDir(ctx, abs, rel, nil, fn)
}

func walkDir(ctx context.Context, dir, rel string, md *MaildirEntry, fn func(Item) error) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		it := Item{Path: dir, Rel: rel, Mode: fs.ModeDir, Err: fmt.Errorf("read directory: %w", err)}
		if err := fn(it); err != nil {
			return err
		}
	}
	isMaildir := hasDir(entries, "cur") && hasDir(entries, "new")
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := e.Name()
		p := filepath.Join(dir, name)
		r := name
		if rel != "" {
			r = rel + "/" + name
		}
		if e.IsDir() {
			var sub *MaildirEntry
			if isMaildir && (name == "cur" || name == "new" || name == "tmp") {
				sub = &MaildirEntry{Folder: rel, Sub: name}
			}
			if err := walkDir(ctx, p, r, sub, fn); err != nil {
				return err
			}
			continue
		}
		var it Item
		if fi, err := e.Info(); err != nil {
			it = Item{Path: p, Rel: r, Mode: e.Type(), Err: fmt.Errorf("stat: %w", err)}
		} else {
			it = fileItem(p, r, fi, md)
		}
		if err := fn(it); err != nil {
			return err
		}
	}
	return nil
}

func hasDir(entries []os.DirEntry, name string) bool {
	for _, e := range entries {
		if e.Name() == name && e.IsDir() {
			return true
		}
	}
	return false
}

// fileItem describes a non-directory entry. Regular files are not opened:
// the caller opens them to read them and reports a failure then, so the walk
// costs one stat per file.
func fileItem(path, rel string, fi fs.FileInfo, md *MaildirEntry) Item {
	it := Item{Path: path, Rel: rel, Size: fi.Size(), ModTime: fi.ModTime(), Mode: fi.Mode()}
	switch t := fi.Mode().Type(); {
	case t == 0:
		if md != nil {
			e := *md
			e.Flags = maildirFlags(fi.Name())
			it.Maildir = &e
		}
	case t&fs.ModeSymlink != 0:
		it.Skipped = SkipSymlink
	case t&fs.ModeNamedPipe != 0:
		it.Skipped = SkipFIFO
	case t&fs.ModeSocket != 0:
		it.Skipped = SkipSocket
	case t&fs.ModeDevice != 0, t&fs.ModeCharDevice != 0:
		it.Skipped = SkipDevice
	default:
		it.Skipped = SkipIrregular
	}
	return it
}

// maildirFlags returns the flags of a Maildir file name: the letters after
// the last ":2," (or ";2,", "!2,").
func maildirFlags(name string) string {
	i := max(strings.LastIndex(name, ":2,"), strings.LastIndex(name, ";2,"), strings.LastIndex(name, "!2,"))
	if i < 0 {
		return ""
	}
	return name[i+3:]
}

// Display returns s with invalid UTF-8 bytes and control characters written
// as \xNN and backslashes doubled, so that any name can be shown on one line
// and the raw bytes can be recovered from the display form.
func Display(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7F || c == '\\' || c >= utf8.RuneSelf {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1, r < 0x20, r == 0x7F:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r >= 0x80 && r < 0xA0:
			fmt.Fprintf(&b, `\u%04x`, r)
		case r == '\\':
			b.WriteString(`\\`)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
