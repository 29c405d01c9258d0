// Package testutil holds helpers shared by dossier's tests: locating the
// shared third-party corpus and requiring external tools, with the rule that
// a missing dependency skips a test on a developer machine but fails it when
// CI=true.
package testutil

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// InCI reports whether the tests run under continuous integration, where
// every optional dependency is required.
func InCI() bool { return os.Getenv("CI") == "true" }

// Missing skips the test with msg, or fails it under CI.
func Missing(t testing.TB, msg string) {
	t.Helper()
	if InCI() {
		t.Fatalf("CI=true but %s", msg)
	}
	t.Skip(msg)
}

// CorpusDir returns the shared corpus directory: $DOSSIER_CORPUS if set,
// otherwise ../shared/corpus beside the repository, otherwise
// /work/shared/corpus (where the workplace keeps it for fresh clones).
func CorpusDir() string {
	if d := os.Getenv("DOSSIER_CORPUS"); d != "" {
		return d
	}
	_, file, _, _ := runtime.Caller(0)
	// file is <repo>/internal/testutil/testutil.go
	repo := filepath.Dir(filepath.Dir(filepath.Dir(file)))
	beside := filepath.Join(filepath.Dir(repo), "shared", "corpus")
	if _, err := os.Stat(beside); err == nil {
		return beside
	}
	return "/work/shared/corpus"
}

// Corpus returns the path of sub inside the shared corpus, skipping the test
// (failing it under CI) when it is absent.
func Corpus(t testing.TB, sub string) string {
	t.Helper()
	p := filepath.Join(CorpusDir(), sub)
	if _, err := os.Stat(p); err != nil {
		Missing(t, "corpus "+p+" is absent (set DOSSIER_CORPUS)")
	}
	return p
}

// Tool returns the path of an external program, skipping the test (failing
// it under CI) when it is not installed.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name+" is not installed")
	}
	return p
}

// Allocated returns the bytes the heap allocated while f ran (after a
// collection, so that earlier garbage is not counted): a bound on the
// memory a parser used that does not depend on the machine's speed.
func Allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
