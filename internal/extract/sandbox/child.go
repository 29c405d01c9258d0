package sandbox

import (
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

const (
	markerEnv   = "DOSSIER_SANDBOX"
	limitsEnv   = "DOSSIER_SANDBOX_LIMITS"
	fsEnv       = "DOSSIER_SANDBOX_FS" // work dir, then read-only paths; absent: no Landlock
	execArg     = "__sandbox-exec"
	childPrefix = "dossier-sandbox: "
	childFailed = 126
)

// MaybeExec turns the process into a sandboxed tool when it was started by
// [Run] (the DOSSIER_SANDBOX marker and the "__sandbox-exec" argument are
// present): it applies the limits and replaces itself with the tool, never
// returning. Otherwise it does nothing. Call it first thing in main, and in
// TestMain of packages whose tests run tools through the sandbox.
func MaybeExec() {
	if os.Getenv(markerEnv) != "1" || len(os.Args) < 4 || os.Args[1] != execArg {
		return
	}
	// Landlock and the exec must happen on one thread: both act on the
	// calling thread only.
	runtime.LockOSThread()
	if fs := os.Getenv(fsEnv); fs != "" {
		paths := strings.Split(fs, ":")
		if err := confine(paths[0], paths[1:]); err != nil {
			os.Stderr.WriteString(childPrefix + "confine: " + err.Error() + "\n")
			os.Exit(childFailed)
		}
	}
	err := execTool(os.Args[2], os.Args[3:], os.Getenv(limitsEnv))
	os.Stderr.WriteString(childPrefix + "exec " + os.Args[3] + ": " + err.Error() + "\n")
	os.Exit(childFailed)
}

// execTool sets the limits and execs path. Everything that allocates is
// done before the address-space limit is set, so that the Go runtime does
// not have to map memory under it; the rlimits and execve are raw system
// calls.
func execTool(path string, argv []string, limits string) error {
	f := strings.Split(limits, ":")
	if len(f) != 4 {
		return errors.New("bad limits " + strconv.Quote(limits))
	}
	var v [4]uint64
	for i, s := range f {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return errors.New("bad limits " + strconv.Quote(limits))
		}
		v[i] = n
	}
	rl := []struct {
		res int
		lim syscall.Rlimit
	}{
		{syscall.RLIMIT_CORE, syscall.Rlimit{}},
		{syscall.RLIMIT_NOFILE, syscall.Rlimit{Cur: v[3], Max: v[3]}},
		{syscall.RLIMIT_FSIZE, syscall.Rlimit{Cur: v[2], Max: v[2]}},
		{syscall.RLIMIT_CPU, syscall.Rlimit{Cur: v[1], Max: v[1] + 1}},
		{syscall.RLIMIT_AS, syscall.Rlimit{Cur: v[0], Max: v[0]}},
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, markerEnv) {
			env = append(env, kv)
		}
	}
	pathp, err := syscall.BytePtrFromString(path)
	if err != nil {
		return err
	}
	argvp, err := syscall.SlicePtrFromStrings(argv)
	if err != nil {
		return err
	}
	envp, err := syscall.SlicePtrFromStrings(env)
	if err != nil {
		return err
	}
	// The pdeath signal survives execve; stdin/stdout/stderr are the
	// parent's pipes; every other descriptor Go opened is close-on-exec.
	for i := range rl {
		if _, _, e := syscall.RawSyscall6(syscall.SYS_PRLIMIT64, 0, uintptr(rl[i].res),
			uintptr(unsafe.Pointer(&rl[i].lim)), 0, 0, 0); e != 0 {
			return errors.New("setrlimit: " + e.Error())
		}
	}
	_, _, e := syscall.RawSyscall(syscall.SYS_EXECVE,
		uintptr(unsafe.Pointer(pathp)),
		uintptr(unsafe.Pointer(&argvp[0])),
		uintptr(unsafe.Pointer(&envp[0])))
	return e
}
