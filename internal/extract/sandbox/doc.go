// Package sandbox runs external extraction tools (pdftotext, tesseract,
// antiword, readpst, ...) on hostile input inside a child process with
// limits, so that a crash, a hang or a bomb fails one item with a reason
// instead of taking the ingest down.
//
// # How a tool is run
//
// [Run] does not start the tool directly. It re-executes the current binary
// ([os.Executable]) with the marker environment variable DOSSIER_SANDBOX=1
// and the arguments "__sandbox-exec TOOL ARGS...". [MaybeExec], called
// first thing in main (and in TestMain of packages whose tests use the
// sandbox), notices the marker in that child, applies the limits to itself
// with setrlimit and then replaces itself with the tool (execve), which
// inherits them. In a cgo build (dossier's) a C constructor does this
// before the Go runtime starts (preexec.go), so that a tool start costs a
// fork and two execs, about 1 ms, not the dossier binary's Go start-up
// (15 ms); MaybeExec is the same work in Go for other builds. The limits:
//
//   - RLIMIT_AS: [Cmd.MaxMemory], the address space.
//   - RLIMIT_CPU: the timeout rounded up, plus one second of grace.
//   - RLIMIT_FSIZE: [Cmd.MaxFileSize], the largest file the tool may write.
//   - RLIMIT_NOFILE: 256 open files.
//   - RLIMIT_CORE: 0, no core dumps of hostile input.
//
// The child is started in its own process group (so that a timeout kills
// the tool and anything it forked), with SIGKILL as its parent-death
// signal, with an environment holding only PATH, HOME and TMPDIR (both the
// work directory), LANG=C.UTF-8 and what [Cmd.Env] adds, and in a new
// network namespace so that content can never trigger a network fetch.
//
// # The network namespace
//
// The namespace is requested by the parent through clone flags rather than
// by unshare(2) in the child: in a Go process unshare(CLONE_NEWNET) only
// moves the calling thread, and unshare(CLONE_NEWUSER) is refused to any
// multithreaded process, which a Go process always is. Run tries, in
// order, CLONE_NEWNET (allowed with CAP_SYS_ADMIN, e.g. as root),
// CLONE_NEWUSER|CLONE_NEWNET with the caller's uid and gid mapped to
// themselves (allowed to unprivileged users where user namespaces are
// enabled) and finally no namespace. The first mode that works is
// remembered for the life of the process. When none works the tool still
// runs, and [Output.Network] says that it could not be cut off; callers
// put that in their Problems.
//
// # The file system
//
// Where the kernel has Landlock (Linux 5.13 and later; no privilege
// needed), the child confines itself before the exec: the tool may read
// and execute beneath /usr, /lib*, /bin, /sbin, /opt and a short list of
// files in /etc, /proc/self (its own), /sys/devices/system/cpu and a few
// devices; read and write beneath its work directory; and reach nothing
// else, plus [Cmd.ReadPaths]. On kernels with the matching Landlock ABI it
// may also not bind or connect TCP sockets, connect to abstract unix
// sockets or signal processes outside the sandbox. A readpst following a
// folder named ".." or a tool reading a path named in the content stays
// inside. [Output.Confined] says whether this applied; without Landlock
// the tool runs unconfined and [Output.Warning] says so.
//
// # Results and errors
//
// Run returns the captured output (stdout up to [Cmd.MaxOutput], stderr up
// to 64 KiB) whenever the tool ran, together with an [*Error] when it did
// not exit with status 0. The error's message is meant for the ledger:
// "pdftotext timed out after 2m0s", "pdftotext killed by SIGKILL (memory
// limit 2 GiB?)", "pdftotext: exit status 1: Syntax Error: ...". Callers
// branch on it with errors.Is against [ErrTimeout], [ErrMemory],
// [ErrOutputLimit] and [extract.ErrToolMissing], or read [Error.Kind].
//
// # What it does not do
//
// There is no seccomp filter and no mount namespace: a tool exploited by
// its input can still make any system call the kernel allows an
// unprivileged process, within the limits above. Without Landlock it can
// read and write anything the dossier process can. The disk space it
// writes is bounded per file, not in total. The tools run here read one
// input file and write text; the limits are aimed at the failures they
// actually have (parser crashes, decompression bombs, runaway loops,
// paths taken from the content).
package sandbox
