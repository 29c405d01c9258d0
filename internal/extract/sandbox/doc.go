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
// inherits them:
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
// The tool can still read any file the dossier process can read (there is
// no mount namespace or seccomp filter), and the disk space it writes is
// bounded per file, not in total. The tools run here read one input file
// and write text; the limits above are aimed at the failures they actually
// have (parser crashes, decompression bombs, runaway loops).
package sandbox
