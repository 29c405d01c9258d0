package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
)

func TestMain(m *testing.M) {
	MaybeExec()
	os.Exit(m.Run())
}

func sh(t *testing.T, script string, c Cmd) (*Output, error) {
	t.Helper()
	testutil.Tool(t, "sh")
	c.Tool = "sh"
	c.Args = []string{"-c", script}
	return Run(context.Background(), c)
}

func TestExitStatusAndOutput(t *testing.T) {
	out, err := sh(t, "echo out; echo first >&2; echo last words >&2; exit 3", Cmd{})
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindExit || e.ExitCode != 3 {
		t.Fatalf("err = %v, want exit status 3", err)
	}
	if got := string(out.Stdout); got != "out\n" {
		t.Errorf("stdout = %q", got)
	}
	if out.ExitCode != 3 {
		t.Errorf("ExitCode = %d", out.ExitCode)
	}
	if want := "sh: exit status 3: first; last words"; err.Error() != want {
		t.Errorf("message %q, want %q", err.Error(), want)
	}
}

func TestStdinAndWorkDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "in.txt"), []byte("from file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := sh(t, "cat; cat in.txt; echo x > made.txt", Cmd{Stdin: []byte("from stdin\n"), Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(out.Stdout); got != "from stdin\nfrom file\n" {
		t.Errorf("stdout = %q", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "made.txt")); err != nil {
		t.Errorf("tool did not write in its work dir: %v", err)
	}
}

func TestEnvironmentAndLimits(t *testing.T) {
	dir := t.TempDir()
	out, err := sh(t, "env; echo as=$(ulimit -v) core=$(ulimit -c) nofile=$(ulimit -n) fsize=$(ulimit -f) cpu=$(ulimit -t)",
		Cmd{Dir: dir, Env: []string{"EXTRA=1"}, MaxMemory: 512 << 20, MaxFileSize: 8 << 20, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	got := string(out.Stdout)
	for _, want := range []string{"HOME=" + dir, "TMPDIR=" + dir, "LANG=C.UTF-8", "EXTRA=1", "PATH=",
		"as=524288 ", "core=0 ", "nofile=256 ", "fsize=16384 ", "cpu=11"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	for _, leak := range []string{"DOSSIER_SANDBOX", "GOPATH", "USER="} {
		if strings.Contains(got, leak) {
			t.Errorf("environment leaks %q:\n%s", leak, got)
		}
	}
}

func TestTimeoutKillsGroup(t *testing.T) {
	dir := t.TempDir()
	start := time.Now()
	// The background sleep is a grandchild holding stdout open: the whole
	// group must die, not only sh. The sleeps outlast any test timeout,
	// so a run that waited for them would hang (caught by go test
	// -timeout) rather than pass late.
	_, err := sh(t, "(sleep 3600; touch late) & sleep 3600", Cmd{Dir: dir, Timeout: 300 * time.Millisecond})
	t.Logf("returned after %v", time.Since(start).Round(time.Millisecond))
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want timeout", err)
	}
	if want := "sh timed out after 300ms"; err.Error() != want {
		t.Errorf("message %q, want %q", err.Error(), want)
	}
	// Every process of the run works in dir: none may be left running.
	if left := waitGone(t, dir); len(left) > 0 {
		t.Errorf("still running in %s: %q", dir, left)
	}
}

// waitGone waits until no process whose working directory is dir is
// running (zombies awaiting their reaper count as gone), and returns those
// still running when it gives up, after killing them. SIGKILL takes effect
// asynchronously, so it polls; the bound only turns a survivor into a
// failure rather than a hang, and is far beyond any scheduling delay.
func waitGone(t *testing.T, dir string) []string {
	t.Helper()
	abs, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	var pids []int
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		left, pids = left[:0], pids[:0]
		procs, err := os.ReadDir("/proc")
		if err != nil {
			t.Skipf("cannot list processes: %v", err)
		}
		for _, p := range procs {
			pid, err := strconv.Atoi(p.Name())
			if err != nil {
				continue
			}
			if cwd, err := os.Readlink(filepath.Join("/proc", p.Name(), "cwd")); err != nil || cwd != abs {
				continue // exited, a zombie, not ours, or elsewhere
			}
			stat, err := os.ReadFile(filepath.Join("/proc", p.Name(), "stat"))
			if err != nil {
				continue
			}
			// pid (comm) state ...; comm may hold spaces and parentheses.
			if i := bytes.LastIndexByte(stat, ')'); i > 0 && i+2 < len(stat) && (stat[i+2] == 'Z' || stat[i+2] == 'X') {
				continue
			}
			cmdline, _ := os.ReadFile(filepath.Join("/proc", p.Name(), "cmdline"))
			left = append(left, p.Name()+": "+strings.TrimSpace(strings.ReplaceAll(string(cmdline), "\x00", " ")))
			pids = append(pids, pid)
		}
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			for _, pid := range pids {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			return left
		}
	}
}

func TestCancel(t *testing.T) {
	testutil.Tool(t, "sleep")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	_, err := Run(ctx, Cmd{Tool: "sleep", Args: []string{"30"}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// python returns the system's python3: a version manager's shim would
// need its own directories, which the sandbox does not let it read.
func python(t *testing.T) string {
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	return testutil.Tool(t, "python3")
}

func TestMemoryLimit(t *testing.T) {
	py := python(t)
	// python3 reports MemoryError and exits 1 when malloc fails.
	out, err := Run(context.Background(), Cmd{Tool: py, Args: []string{"-c", "b = bytearray(1 << 30); print(len(b))"},
		MaxMemory: 256 << 20, Timeout: 20 * time.Second})
	if !errors.Is(err, ErrMemory) {
		t.Fatalf("err = %v (stderr %q), want memory limit", err, out.Stderr)
	}
	if !strings.Contains(err.Error(), "256 MiB") || !strings.HasPrefix(err.Error(), "/usr/bin/python3 ran out of memory") && !strings.Contains(err.Error(), "ran out of memory") {
		t.Errorf("message %q does not name the limit", err)
	}
	// The same allocation passes under a larger limit.
	if _, err := Run(context.Background(), Cmd{Tool: py, Args: []string{"-c", "b = bytearray(1 << 28)"},
		MaxMemory: 1 << 30, Timeout: 20 * time.Second}); err != nil {
		t.Errorf("256 MiB allocation under 1 GiB: %v", err)
	}
}

func TestMemoryLimitShell(t *testing.T) {
	// Without python: the shell's command substitution grows its heap
	// until the address-space limit stops it.
	testutil.Tool(t, "head")
	testutil.Tool(t, "tr")
	out, err := sh(t, `x=$(head -c 400000000 /dev/zero | tr '\0' a); echo ${#x}`, Cmd{MaxMemory: 128 << 20, Timeout: 30 * time.Second})
	if err == nil {
		t.Fatalf("no error; stdout %q", out.Stdout)
	}
	var e *Error
	if !errors.As(err, &e) || (e.Kind != KindMemory && e.Kind != KindSignal && e.Kind != KindExit) {
		t.Fatalf("err = %v", err)
	}
	t.Logf("shell over 128 MiB: %v", err)
}

func TestOutputCap(t *testing.T) {
	testutil.Tool(t, "yes")
	out, err := Run(context.Background(), Cmd{Tool: "yes", MaxOutput: 1 << 20, Timeout: 20 * time.Second})
	if !errors.Is(err, ErrOutputLimit) {
		t.Fatalf("err = %v, want output limit", err)
	}
	if len(out.Stdout) != 1<<20 || !bytes.HasPrefix(out.Stdout, []byte("y\ny\n")) {
		t.Errorf("kept %d bytes", len(out.Stdout))
	}
	if want := "yes wrote more than 1 MiB of output, stopped"; err.Error() != want {
		t.Errorf("message %q, want %q", err.Error(), want)
	}
	// The tool is killed when it goes over, not left to run to its
	// timeout: head, writing 8 MiB, cannot finish before at most 1 MiB
	// and a pipe's worth are read, so sh never gets to write the marker
	// unless the kill failed.
	testutil.Tool(t, "head")
	dir := t.TempDir()
	out, err = sh(t, "head -c 8388608 /dev/zero; echo > finished", Cmd{Dir: dir, MaxOutput: 1 << 20, Timeout: 20 * time.Second})
	if !errors.Is(err, ErrOutputLimit) {
		t.Fatalf("sh: err = %v, want output limit", err)
	}
	if len(out.Stdout) != 1<<20 {
		t.Errorf("sh: kept %d bytes", len(out.Stdout))
	}
	if _, err := os.Stat(filepath.Join(dir, "finished")); err == nil {
		t.Error("sh ran on after going over the output limit")
	}
}

func TestFileSizeLimit(t *testing.T) {
	testutil.Tool(t, "head")
	_, err := sh(t, "head -c 3000000 /dev/zero > big", Cmd{Dir: t.TempDir(), MaxFileSize: 1 << 20})
	if err == nil {
		t.Fatal("3 MB file written under a 1 MiB limit")
	}
	// head is killed by SIGXFSZ, and sh reports it as status 153.
	t.Logf("file size limit: %v", err)
}

func TestSignal(t *testing.T) {
	_, err := sh(t, "kill -SEGV $$", Cmd{})
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindSignal || e.Signal != syscall.SIGSEGV {
		t.Fatalf("err = %v, want SIGSEGV", err)
	}
	if want := "sh killed by SIGSEGV (crashed; its memory limit was 2 GiB)"; err.Error() != want {
		t.Errorf("message %q, want %q", err.Error(), want)
	}
	// A SIGKILL nobody here sent is the kernel's OOM killer.
	_, err = sh(t, "kill -KILL $$", Cmd{MaxMemory: 2 << 30})
	if !errors.Is(err, ErrMemory) || err.Error() != "sh killed by SIGKILL (memory limit 2 GiB?)" {
		t.Errorf("err = %v, want SIGKILL read as memory", err)
	}
}

func TestToolMissing(t *testing.T) {
	_, err := Run(context.Background(), Cmd{Tool: "dossier-no-such-tool"})
	if !errors.Is(err, extract.ErrToolMissing) {
		t.Fatalf("err = %v, want ErrToolMissing", err)
	}
	if Available("dossier-no-such-tool") || !Available("sh") {
		t.Error("Available is wrong")
	}
}

func TestNetworkCutOff(t *testing.T) {
	testutil.Tool(t, "bash")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	out, err := Run(context.Background(), Cmd{Tool: "bash", Args: []string{"-c", fmt.Sprintf("echo hi > /dev/tcp/127.0.0.1/%d && echo connected", port)}})
	t.Logf("isolation on this machine: %s", Isolation())
	if out == nil {
		t.Fatal(err)
	}
	if !out.Isolated {
		if out.Warning == "" {
			t.Error("not isolated and no warning")
		}
		t.Skipf("unshare not permitted here: %s", out.Warning)
	}
	if err == nil || strings.Contains(string(out.Stdout), "connected") {
		t.Fatalf("connected to the host's loopback from the sandbox (err %v)", err)
	}
	// Interfaces seen from inside: only a loopback, down.
	// (Read by the shell itself: a child's /proc/self is not readable
	// under Landlock, only the tool's own.)
	out, err = sh(t, "while read -r l; do echo \"$l\"; done < /proc/self/net/dev", Cmd{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(out.Stdout), "\n")[2:] {
		if name, _, ok := strings.Cut(strings.TrimSpace(l), ":"); ok && name != "lo" {
			t.Errorf("interface %q visible in the sandbox", name)
		}
	}
}

func TestConcurrentRuns(t *testing.T) {
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			out, err := sh(t, fmt.Sprintf("echo %d", i), Cmd{})
			if err == nil && strings.TrimSpace(string(out.Stdout)) != fmt.Sprint(i) {
				err = fmt.Errorf("run %d got %q", i, out.Stdout)
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{2 << 30: "2 GiB", 512 << 20: "512 MiB", 1536 << 20: "1.5 GiB", 2048: "2 KiB", 12: "12 bytes"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestNoNamespace(t *testing.T) {
	modeMu.Lock()
	saved, savedWarning := mode, modeWarning
	mode, modeWarning = modeNone, "network not cut off: refused in this test"
	modeMu.Unlock()
	defer func() {
		modeMu.Lock()
		mode, modeWarning = saved, savedWarning
		modeMu.Unlock()
	}()
	out, err := sh(t, "echo ran", Cmd{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Isolated || out.Warning != "network not cut off: refused in this test" || string(out.Stdout) != "ran\n" {
		t.Errorf("got %+v", out)
	}
}

func TestFileSystemConfined(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "escaped")
	out, err := sh(t, "echo inside > in.txt && mkdir -p a/b && echo deep > a/b/c.txt && echo out > "+outside, Cmd{Dir: dir})
	if out == nil {
		t.Fatal(err)
	}
	if !out.Confined {
		if !strings.Contains(out.Warning, "not confined") {
			t.Errorf("not confined, warning %q", out.Warning)
		}
		t.Skipf("Landlock not available: %s", out.Warning)
	}
	if err == nil {
		t.Error("wrote outside its work directory")
	}
	if _, err := os.Stat(outside); err == nil {
		t.Errorf("%s was written", outside)
	}
	for _, f := range []string{"in.txt", "a/b/c.txt"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("inside the work dir: %v", err)
		}
	}
	// Reading: the system's files yes, the rest of /etc and other
	// directories no.
	out, err = sh(t, "cat /etc/ld.so.conf >/dev/null && echo ok", Cmd{Dir: dir})
	if err != nil || strings.TrimSpace(string(out.Stdout)) != "ok" {
		t.Errorf("system file: %v %q", err, out.Stdout)
	}
	secret := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secret, []byte("key"), 0o600)
	for _, f := range []string{secret, "/etc/hostname"} {
		if out, err := sh(t, "cat "+f, Cmd{Dir: dir}); err == nil {
			t.Errorf("read %s: %q", f, out.Stdout)
		}
	}
	// ReadPaths opens more.
	if _, err := sh(t, "cat "+secret, Cmd{Dir: dir, ReadPaths: []string{secret}}); err != nil {
		t.Errorf("ReadPaths: %v", err)
	}
}
