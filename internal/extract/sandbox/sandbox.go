package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/newsroom/dossier/internal/extract"
)

// Defaults for the zero values of [Cmd]'s limits.
const (
	DefaultMaxOutput   = 64 << 20
	DefaultMaxFileSize = 1 << 30
	maxStderr          = 64 << 10
	maxOpenFiles       = 256
)

// Cmd is one run of an external tool.
type Cmd struct {
	// Tool is the program's name, looked up in PATH ("pdftotext").
	Tool string
	Args []string
	// Stdin is given to the tool on its standard input; nil gives it an
	// empty one.
	Stdin []byte
	// Dir is the tool's working directory, HOME and TMPDIR: a fresh
	// directory the caller made (and may have filled with the input
	// file) and removes afterwards. Empty: Run makes a temporary one and
	// removes it when the tool has finished.
	Dir string
	// Env adds "NAME=value" entries to the tool's otherwise empty
	// environment (OMP_THREAD_LIMIT=1 for tesseract).
	Env []string
	// Timeout is the wall-clock limit; 0 means
	// extract.DefaultBudget.Timeout. The CPU-time limit is derived from
	// it.
	Timeout time.Duration
	// MaxMemory is the address-space limit in bytes; 0 means
	// extract.DefaultBudget.MaxMemory.
	MaxMemory int64
	// MaxOutput bounds the bytes kept from stdout; when the tool writes
	// more it is killed and Run returns an error of kind KindOutput with
	// the first MaxOutput bytes. 0 means DefaultMaxOutput.
	MaxOutput int64
	// MaxFileSize bounds each file the tool writes (RLIMIT_FSIZE); 0
	// means DefaultMaxFileSize.
	MaxFileSize int64
	// ReadPaths are directories or files the tool may read beyond the
	// system's (see the package documentation), when the file system is
	// confined.
	ReadPaths []string
}

// Output is what a tool left behind.
type Output struct {
	Stdout []byte
	// Stderr is the tool's standard error, its first 64 KiB.
	Stderr []byte
	// ExitCode is the exit status, or -1 when the tool was killed by a
	// signal.
	ExitCode int
	Elapsed  time.Duration
	// Isolated reports whether the tool ran in a network namespace of
	// its own (no network). When false, Warning says why it could not be
	// cut off.
	Isolated bool
	// Confined reports whether the tool's file system access was limited
	// to the system's files and its work directory (Landlock). When
	// false, Warning says so.
	Confined bool
	Warning  string
}

// Available reports whether tool is installed (found in PATH).
func Available(tool string) bool {
	_, err := exec.LookPath(tool)
	return err == nil
}

// Run runs c.Tool in a child process with the limits of c (see the package
// documentation) and waits for it. It returns the output whenever the tool
// was started, and an *Error when it did not exit with status 0: the
// caller decides whether partial output is worth keeping. A missing tool
// gives an error wrapping extract.ErrToolMissing; a cancelled ctx gives
// ctx's error.
func Run(ctx context.Context, c Cmd) (*Output, error) {
	if c.Timeout <= 0 {
		c.Timeout = extract.DefaultBudget.Timeout
	}
	if c.MaxMemory <= 0 {
		c.MaxMemory = extract.DefaultBudget.MaxMemory
	}
	if c.MaxOutput <= 0 {
		c.MaxOutput = DefaultMaxOutput
	}
	if c.MaxFileSize <= 0 {
		c.MaxFileSize = DefaultMaxFileSize
	}
	path, err := exec.LookPath(c.Tool)
	if err != nil {
		return nil, &Error{Tool: c.Tool, Kind: KindStart, Err: fmt.Errorf("%w: %s", extract.ErrToolMissing, c.Tool)}
	}
	self, err := selfPath()
	if err != nil {
		return nil, &Error{Tool: c.Tool, Kind: KindStart, Err: err}
	}
	if c.Dir == "" {
		dir, err := os.MkdirTemp("", "dossier-sandbox-")
		if err != nil {
			return nil, &Error{Tool: c.Tool, Kind: KindStart, Err: err}
		}
		defer os.RemoveAll(dir)
		c.Dir = dir
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", c.Tool, err)
	}

	for {
		mode, warning := currentMode()
		out, err := run(ctx, c, self, path, mode)
		if errors.Is(err, errNamespace) {
			downgrade(mode, err)
			continue
		}
		if out != nil {
			out.Isolated = mode != modeNone
			out.Confined = landlockABI() > 0
			out.Warning = warning
			if !out.Confined {
				out.Warning = strings.TrimPrefix(out.Warning+"; file system not confined: Landlock is not available in this kernel", "; ")
			}
		}
		return out, err
	}
}

// errNamespace marks a start failure caused by the namespace clone flags.
var errNamespace = errors.New("network namespace refused")

func run(ctx context.Context, c Cmd, self, path string, mode netMode) (*Output, error) {
	tctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()

	cpu := int64((c.Timeout+time.Second-1)/time.Second) + 1
	limits := fmt.Sprintf("%d:%d:%d:%d", c.MaxMemory, cpu, c.MaxFileSize, maxOpenFiles)
	cmd := exec.CommandContext(tctx, self, append([]string{execArg, path, c.Tool}, c.Args...)...)
	cmd.Dir = c.Dir
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + c.Dir,
		"TMPDIR=" + c.Dir,
		"LANG=C.UTF-8",
	}, c.Env...)
	cmd.Env = append(cmd.Env, markerEnv+"=1", limitsEnv+"="+limits)
	if landlockABI() > 0 {
		// The child gets every path it allows: the work directory
		// first, then the read-only ones.
		paths := append([]string{c.Dir}, readOnly...)
		paths = append(paths, filepath.Dir(path))
		if real, err := filepath.EvalSymlinks(path); err == nil {
			paths = append(paths, filepath.Dir(real))
		}
		paths = append(paths, c.ReadPaths...)
		for _, p := range paths {
			if strings.ContainsRune(p, ':') {
				return nil, &Error{Tool: c.Tool, Kind: KindStart, Err: fmt.Errorf("path %q holds a colon", p)}
			}
		}
		cmd.Env = append(cmd.Env, fsEnv+"="+strings.Join(paths, ":"))
	}
	if c.Stdin != nil {
		cmd.Stdin = bytes.NewReader(c.Stdin)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	switch mode {
	case modeNet:
		cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWNET
	case modeUserNet:
		cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET
		uid, gid := os.Getuid(), os.Getgid()
		cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: uid, HostID: uid, Size: 1}}
		cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: gid, HostID: gid, Size: 1}}
		cmd.SysProcAttr.GidMappingsEnableSetgroups = false
	}

	var (
		mu       sync.Mutex
		pid      int
		killedBy string // "", "timeout", "output"
	)
	killGroup := func(why string) {
		mu.Lock()
		defer mu.Unlock()
		if killedBy == "" {
			killedBy = why
		}
		if pid > 0 {
			syscall.Kill(-pid, syscall.SIGKILL)
		}
	}
	stdout := &capWriter{max: c.MaxOutput, over: func() { killGroup("output") }}
	stderr := &capWriter{max: maxStderr}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.Cancel = func() error {
		if ctx.Err() == nil {
			killGroup("timeout")
		} else {
			killGroup("cancel")
		}
		return nil
	}
	cmd.WaitDelay = 2 * time.Second

	start := time.Now()
	if err := cmd.Start(); err != nil {
		if mode != modeNone && isNamespaceErr(err) {
			return nil, fmt.Errorf("%w: %v", errNamespace, err)
		}
		return nil, &Error{Tool: c.Tool, Kind: KindStart, Err: err}
	}
	mu.Lock()
	pid = cmd.Process.Pid
	pending := killedBy != ""
	mu.Unlock()
	if pending {
		syscall.Kill(-pid, syscall.SIGKILL)
	}
	werr := cmd.Wait()
	syscall.Kill(-pid, syscall.SIGKILL) // anything the tool left running
	out := &Output{
		Stdout:   stdout.buf.Bytes(),
		Stderr:   stderr.buf.Bytes(),
		ExitCode: -1,
		Elapsed:  time.Since(start),
	}
	mu.Lock()
	why := killedBy
	mu.Unlock()

	e := &Error{Tool: c.Tool, Timeout: c.Timeout, Memory: c.MaxMemory, FileSize: c.MaxFileSize, Output: c.MaxOutput, Stderr: summary(out.Stderr)}
	var st syscall.WaitStatus
	if ps := cmd.ProcessState; ps != nil {
		st, _ = ps.Sys().(syscall.WaitStatus)
		out.ExitCode = ps.ExitCode()
	}
	switch {
	case why == "cancel":
		return out, fmt.Errorf("%s: %w", c.Tool, ctx.Err())
	case why == "timeout":
		e.Kind = KindTimeout
	case why == "output":
		e.Kind = KindOutput
	case cmd.ProcessState == nil:
		e.Kind, e.Err = KindStart, werr
	case st.Signaled():
		e.Signal = st.Signal()
		switch {
		case e.Signal == syscall.SIGKILL, looksOOM(out.Stderr):
			// Nobody here sent SIGKILL: the kernel did, out of memory.
			e.Kind = KindMemory
		default:
			e.Kind = KindSignal
		}
	case out.ExitCode == 0:
		if werr != nil { // I/O error after a clean exit (WaitDelay)
			e.Kind, e.Err = KindStart, werr
			return out, e
		}
		return out, nil
	case out.ExitCode == childFailed && bytes.HasPrefix(out.Stderr, []byte(childPrefix)):
		e.Kind, e.Err = KindStart, errors.New(strings.TrimSpace(string(out.Stderr)))
	case looksOOM(out.Stderr):
		e.Kind, e.ExitCode = KindMemory, out.ExitCode
	default:
		e.Kind, e.ExitCode = KindExit, out.ExitCode
	}
	return out, e
}

// looksOOM reports whether a tool's stderr says that it ran out of memory.
func looksOOM(stderr []byte) bool {
	s := strings.ToLower(string(stderr))
	for _, w := range []string{"out of memory", "bad_alloc", "cannot allocate", "memoryerror",
		"memory exhausted", "failed to allocate", "allocation failed", "not enough memory", "unable to allocate"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// summary returns the last non-empty lines of a tool's stderr, at most 300
// bytes, for error messages.
func summary(stderr []byte) string {
	lines := strings.Split(strings.TrimSpace(strings.ToValidUTF8(string(stderr), "\uFFFD")), "\n")
	var kept []string
	n := 0
	for i := len(lines) - 1; i >= 0 && len(kept) < 3; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" || len(kept) > 0 && kept[len(kept)-1] == l {
			continue
		}
		if n+len(l) > 300 {
			if len(kept) == 0 {
				kept = append(kept, l[:300]+"...")
			}
			break
		}
		n += len(l)
		kept = append(kept, l)
	}
	for i, j := 0, len(kept)-1; i < j; i, j = i+1, j-1 {
		kept[i], kept[j] = kept[j], kept[i]
	}
	return strings.Join(kept, "; ")
}

// capWriter keeps the first max bytes written to it and discards the rest,
// calling over once when the first byte beyond max arrives.
type capWriter struct {
	buf  bytes.Buffer
	max  int64
	hit  bool
	over func()
}

func (w *capWriter) Write(p []byte) (int, error) {
	if w.hit {
		return len(p), nil
	}
	room := w.max - int64(w.buf.Len())
	if int64(len(p)) <= room {
		return w.buf.Write(p)
	}
	w.buf.Write(p[:room])
	w.hit = true
	if w.over != nil {
		w.over()
	}
	return len(p), nil
}

var selfPath = sync.OnceValues(os.Executable)
