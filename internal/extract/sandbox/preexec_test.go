package sandbox

import (
	"strings"
	"testing"
)

// TestPreexecSkipsGoStartup checks that a tool starts without the dossier
// binary's Go runtime and package initialisation running first: with
// GODEBUG=inittrace=1, a Go start-up would print a line per package.
func TestPreexecSkipsGoStartup(t *testing.T) {
	if !preexecInC {
		t.Skip("built without cgo: children exec their tool from MaybeExec")
	}
	for _, path := range []string{"c", "go"} {
		out, err := sh(t, "echo ran", Cmd{Dir: t.TempDir(), Env: []string{"GODEBUG=inittrace=1", "DOSSIER_SANDBOX_PREEXEC=" + path}})
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(string(out.Stdout)) != "ran" {
			t.Errorf("%s: stdout %q", path, out.Stdout)
		}
		traced := strings.Contains(string(out.Stderr), "init ")
		if traced != (path == "go") {
			t.Errorf("%s path: Go start-up traced = %v, stderr %q", path, traced, out.Stderr)
		}
	}
}

// TestGoPathLimitsAndConfinement runs the limit and Landlock checks on the
// Go path (MaybeExec), the one builds without cgo take.
func TestGoPathLimitsAndConfinement(t *testing.T) {
	goPath := "DOSSIER_SANDBOX_PREEXEC=go"
	out, err := sh(t, "echo as=$(ulimit -v) core=$(ulimit -c) nofile=$(ulimit -n); env", Cmd{Dir: t.TempDir(), Env: []string{goPath}, MaxMemory: 512 << 20})
	if err != nil {
		t.Fatal(err)
	}
	got := string(out.Stdout)
	for _, want := range []string{"as=524288 ", "core=0 ", "nofile=256"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in %q", want, got)
		}
	}
	if strings.Contains(got, "DOSSIER_SANDBOX") {
		t.Errorf("environment leaks the marker: %q", got)
	}
	out, err = sh(t, "cat /etc/hostname", Cmd{Dir: t.TempDir(), Env: []string{goPath}})
	if out != nil && out.Confined && err == nil {
		t.Errorf("Go path not confined: read /etc/hostname: %q", out.Stdout)
	}
}
