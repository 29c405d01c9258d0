//go:build linux && cgo

package sandbox

// The fast path of the sandboxed child. A C constructor runs when the
// dynamic loader starts the program, before the Go runtime and every Go
// package's init: when the process is a sandbox child (the marker, the
// "__sandbox-exec" argument), it applies the limits and the Landlock rules
// and execs the tool right there. The dossier binary's Go start-up (about
// 15 ms, most of it package initialisation such as phone-number metadata)
// is paid by the tools' parent, not by every tool start. It is the same
// job as MaybeExec and the same protocol (child.go); MaybeExec remains for
// builds without cgo, and for children started with
// DOSSIER_SANDBOX_PREEXEC=go (which its tests use).

/*
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DS_MARKER "DOSSIER_SANDBOX"
#define DS_LIMITS "DOSSIER_SANDBOX_LIMITS"
#define DS_FS "DOSSIER_SANDBOX_FS"
#define DS_PREEXEC "DOSSIER_SANDBOX_PREEXEC"
#define DS_ARG "__sandbox-exec"
#define DS_FAILED 126

#define LL_CREATE 444
#define LL_ADD 445
#define LL_RESTRICT 446
#define LL_EXECUTE (1ULL << 0)
#define LL_WRITE (1ULL << 1)
#define LL_READ (1ULL << 2)
#define LL_READDIR (1ULL << 3)
#define LL_TRUNCATE (1ULL << 14)
#define LL_IOCTL_DEV (1ULL << 15)

struct ds_path_beneath {
	uint64_t allowed;
	int32_t fd;
} __attribute__((packed));

// ds_fail reports as MaybeExec does: "dossier-sandbox: WHAT NAME: DETAIL".
static void ds_fail(const char *what, const char *name, const char *detail) {
	const char *parts[] = {"dossier-sandbox: ", what, *name ? " " : "", name, ": ", detail, "\n"};
	for (int i = 0; i < 7; i++) {
		size_t n = strlen(parts[i]);
		if (write(2, parts[i], n) < 0) break;
	}
	_exit(DS_FAILED);
}

// ds_limits parses "as:cpu:fsize:nofile" into v.
static int ds_limits(const char *s, unsigned long long v[4]) {
	for (int i = 0; i < 4; i++) {
		char *end;
		if (*s < '0' || *s > '9') return -1;
		errno = 0;
		v[i] = strtoull(s, &end, 10);
		if (errno != 0) return -1;
		if (i < 3 && *end != ':') return -1;
		if (i == 3 && *end != 0) return -1;
		s = end + 1;
	}
	return 0;
}

static void ds_allow(int rfd, uint64_t handled, const char *path, uint64_t access) {
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0) return; // absent here: nothing to allow
	struct stat st;
	if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
		access &= LL_EXECUTE | LL_READ | LL_WRITE | LL_TRUNCATE | LL_IOCTL_DEV;
	struct ds_path_beneath rule = {access & handled, fd};
	if (syscall(LL_ADD, rfd, 1, &rule, 0) != 0) ds_fail("confine: landlock_add_rule", path, strerror(errno));
	close(fd);
}

// ds_confine mirrors confine in landlock.go: full access beneath the
// first path of list (colon-separated), read and execute beneath the rest.
static void ds_confine(char *list) {
	long abi = syscall(LL_CREATE, NULL, 0, 1);
	if (abi < 1) ds_fail("confine", "", "Landlock is not available in this kernel");
	uint64_t fs = (1ULL << 13) - 1;
	if (abi >= 2) fs |= 1ULL << 13;
	if (abi >= 3) fs |= LL_TRUNCATE;
	if (abi >= 5) fs |= LL_IOCTL_DEV;
	uint64_t attr[3] = {fs, 0, 0};
	size_t size = 8;
	if (abi >= 4) { attr[1] = 3; size = 16; } // no TCP bind or connect
	if (abi >= 6) { attr[2] = 3; size = 24; } // no abstract sockets, no signals out
	int rfd = syscall(LL_CREATE, attr, size, 0);
	if (rfd < 0) ds_fail("confine: landlock_create_ruleset", "", strerror(errno));
	char *work = list, *p = strchr(list, ':');
	if (p) *p++ = 0;
	while (p && *p) {
		char *next = strchr(p, ':');
		if (next) *next++ = 0;
		ds_allow(rfd, fs, p, LL_EXECUTE | LL_READ | LL_READDIR);
		p = next;
	}
	ds_allow(rfd, fs, "/dev/null", LL_READ | LL_WRITE | LL_TRUNCATE | LL_IOCTL_DEV);
	ds_allow(rfd, fs, work, fs);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ds_fail("confine: prctl(PR_SET_NO_NEW_PRIVS)", "", strerror(errno));
	if (syscall(LL_RESTRICT, rfd, 0) != 0) ds_fail("confine: landlock_restrict_self", "", strerror(errno));
	close(rfd);
}

__attribute__((constructor)) static void ds_preexec(int argc, char **argv, char **envp) {
	const char *marker = getenv(DS_MARKER);
	if (marker == NULL || strcmp(marker, "1") != 0 || argc < 4 || strcmp(argv[1], DS_ARG) != 0) return;
	const char *path = getenv(DS_PREEXEC);
	if (path != NULL && strcmp(path, "go") == 0) return; // the tests of the Go path
	unsigned long long v[4];
	const char *limits = getenv(DS_LIMITS);
	if (limits == NULL || ds_limits(limits, v) != 0) ds_fail("exec", "", "bad limits");
	char *fs = getenv(DS_FS);
	if (fs != NULL && *fs != 0) ds_confine(strdup(fs));

	// The tool's environment: the parent's, without the marker variables.
	size_t n = 0;
	for (char **e = envp; *e; e++) n++;
	char **env = calloc(n + 1, sizeof(char *));
	if (env == NULL) ds_fail("exec", "", "out of memory");
	size_t k = 0;
	for (char **e = envp; *e; e++)
		if (strncmp(*e, DS_MARKER, strlen(DS_MARKER)) != 0) env[k++] = *e;

	struct { int res; struct rlimit lim; } rl[] = {
		{RLIMIT_CORE, {0, 0}},
		{RLIMIT_NOFILE, {v[3], v[3]}},
		{RLIMIT_FSIZE, {v[2], v[2]}},
		{RLIMIT_CPU, {v[1], v[1] + 1}},
		{RLIMIT_AS, {v[0], v[0]}},
	};
	for (size_t i = 0; i < sizeof rl / sizeof rl[0]; i++)
		if (setrlimit(rl[i].res, &rl[i].lim) != 0) ds_fail("exec: setrlimit", "", strerror(errno));
	execve(argv[2], argv + 3, env);
	ds_fail("exec", argv[3], strerror(errno));
}
*/
import "C"

// preexecInC reports that sandbox children exec their tool from the C
// constructor above.
const preexecInC = true
