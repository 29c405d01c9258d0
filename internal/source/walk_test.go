package source

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

func collect(t *testing.T, root string) []Item {
	t.Helper()
	var items []Item
	if err := Walk(context.Background(), root, func(it Item) error {
		items = append(items, it)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return items
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWalkTree(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "leak")
	write(t, filepath.Join(root, "b", "z.txt"), "z")
	write(t, filepath.Join(root, "a.eml"), "Subject: a\n\nhi\n")
	write(t, filepath.Join(root, "empty"), "")
	latin1 := "caf\xe9.txt" // not UTF-8
	write(t, filepath.Join(root, latin1), "latin-1 name")
	if err := os.Symlink("a.eml", filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "b"), filepath.Join(root, "dirlink")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(root, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", filepath.Join(root, "sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	items := collect(t, root)
	var rels []string
	for _, it := range items {
		rels = append(rels, it.Rel)
	}
	want := []string{"leak/a.eml", "leak/b/z.txt", "leak/caf\xe9.txt", "leak/dirlink", "leak/empty", "leak/link", "leak/pipe", "leak/sock"}
	if !slices.Equal(rels, want) {
		t.Fatalf("rels\n got %q\nwant %q", rels, want)
	}
	by := map[string]Item{}
	for _, it := range items {
		by[it.Rel] = it
		if !filepath.IsAbs(it.Path) {
			t.Errorf("%s: path %q not absolute", it.Rel, it.Path)
		}
	}
	for rel, skip := range map[string]string{"leak/link": SkipSymlink, "leak/dirlink": SkipSymlink, "leak/pipe": SkipFIFO, "leak/sock": SkipSocket} {
		if by[rel].Skipped != skip || by[rel].Err != nil {
			t.Errorf("%s: skipped %q err %v, want %q", rel, by[rel].Skipped, by[rel].Err, skip)
		}
	}
	for _, rel := range []string{"leak/a.eml", "leak/b/z.txt", "leak/caf\xe9.txt", "leak/empty"} {
		it := by[rel]
		if it.Skipped != "" || it.Err != nil || !it.Mode.IsRegular() || it.ModTime.IsZero() {
			t.Errorf("%s: %+v", rel, it)
		}
	}
	if by["leak/empty"].Size != 0 || by["leak/a.eml"].Size != 15 {
		t.Errorf("sizes: %d %d", by["leak/empty"].Size, by["leak/a.eml"].Size)
	}
	// The raw name round-trips: the path opens the file.
	it := by["leak/caf\xe9.txt"]
	if b, err := os.ReadFile(it.Path); err != nil || string(b) != "latin-1 name" {
		t.Errorf("read %q: %q %v", it.Path, b, err)
	}
	if got := it.Display(); got != `leak/caf\xe9.txt` {
		t.Errorf("display %q", got)
	}

	// A single file: its base name.
	single := collect(t, filepath.Join(root, "a.eml"))
	if len(single) != 1 || single[0].Rel != "a.eml" || single[0].Size != 15 {
		t.Errorf("single file: %+v", single)
	}
	// A relative root resolves to an absolute path.
	t.Chdir(base)
	if rel := collect(t, "leak"); len(rel) != len(items) || rel[0].Path != items[0].Path {
		t.Errorf("relative root: %+v", rel)
	}
}

func TestWalkUnreadable(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "locked", "secret"), "s")
	write(t, filepath.Join(root, "shut"), "s")
	write(t, filepath.Join(root, "z"), "z")
	if err := os.Chmod(filepath.Join(root, "shut"), 0); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(root, "locked"), 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(filepath.Join(root, "locked"), 0o755) })
	items := collect(t, root)
	if os.Geteuid() == 0 {
		// Root reads through mode 000: only check the walk completes.
		if len(items) != 3 {
			t.Fatalf("as root: %d items", len(items))
		}
		t.Skip("running as root: permission errors cannot be produced")
	}
	if len(items) != 3 || items[0].Err == nil || items[0].Mode&os.ModeDir == 0 || items[1].Err == nil || items[2].Err != nil {
		t.Fatalf("items: %+v", items)
	}
	if !errors.Is(items[1].Err, os.ErrPermission) {
		t.Errorf("err %v", items[1].Err)
	}
}

func TestWalkMaildir(t *testing.T) {
	root := filepath.Join(t.TempDir(), "mail")
	write(t, filepath.Join(root, "cur", "1000.M1P1.host:2,FRS"), "x")
	write(t, filepath.Join(root, "cur", "1001.M1P1.host;2,S"), "x")
	write(t, filepath.Join(root, "new", "1002.M1P1.host"), "x")
	write(t, filepath.Join(root, "tmp", "1003.M1P1.host"), "x")
	write(t, filepath.Join(root, "dovecot-uidlist"), "x")
	write(t, filepath.Join(root, ".Sent", "cur", "1004.M1P1.host:2,S"), "x")
	write(t, filepath.Join(root, ".Sent", "new", "keep"), "")
	write(t, filepath.Join(root, "notmaildir", "cur", "x:2,S"), "x")
	items := collect(t, root)
	got := map[string]MaildirEntry{}
	for _, it := range items {
		if it.Maildir != nil {
			got[it.Rel] = *it.Maildir
		}
	}
	want := map[string]MaildirEntry{
		"mail/cur/1000.M1P1.host:2,FRS":     {Folder: "mail", Sub: "cur", Flags: "FRS"},
		"mail/cur/1001.M1P1.host;2,S":       {Folder: "mail", Sub: "cur", Flags: "S"},
		"mail/new/1002.M1P1.host":           {Folder: "mail", Sub: "new"},
		"mail/tmp/1003.M1P1.host":           {Folder: "mail", Sub: "tmp"},
		"mail/.Sent/cur/1004.M1P1.host:2,S": {Folder: "mail/.Sent", Sub: "cur", Flags: "S"},
		"mail/.Sent/new/keep":               {Folder: "mail/.Sent", Sub: "new"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %+v, want %+v", k, got[k], v)
		}
	}
	if len(items) != 8 {
		t.Errorf("%d items", len(items))
	}
}

func TestWalkStops(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "a"), "")
	write(t, filepath.Join(root, "b"), "")
	stop := errors.New("stop")
	n := 0
	err := Walk(context.Background(), root, func(Item) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("err %v after %d items", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Walk(ctx, root, func(Item) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled walk: %v", err)
	}
	if err := Walk(context.Background(), filepath.Join(root, "missing"), func(Item) error { return nil }); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing root: %v", err)
	}
}

func TestDisplay(t *testing.T) {
	for in, want := range map[string]string{
		"plain/été.eml": "plain/été.eml",
		"a\xffb":        `a\xffb`,
		"tab\there":     `tab\x09here`,
		`back\slash`:    `back\\slash`,
		"\xef\xbf\xbd":  "\ufffd",
	} {
		if got := Display(in); got != want {
			t.Errorf("Display(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkWalkEnron(b *testing.B) {
	root := filepath.Join(corpusDir(), "enron", "maildir")
	if _, err := os.Stat(root); err != nil {
		b.Skip("enron corpus absent")
	}
	for range b.N {
		n := 0
		if err := Walk(context.Background(), root, func(Item) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n), "items")
	}
}
