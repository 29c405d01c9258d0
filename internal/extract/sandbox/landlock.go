package sandbox

import (
	"encoding/binary"
	"errors"
	"strconv"
	"sync"
	"syscall"
	"unsafe"
)

// Landlock (Linux 5.13+) confines the tool's file system access without
// privileges: it may read and execute the system's programs, libraries
// and data, read and write beneath its work directory, and nothing else.
// A tool that follows a path found in the content (an archive member
// named ../../x, a folder named "..", an included file) cannot write
// outside the work directory nor read the archive, the configuration or
// the keys of the machine.

const (
	sysLandlockCreateRuleset = 444
	sysLandlockAddRule       = 445
	sysLandlockRestrictSelf  = 446

	llExecute    = 1 << 0
	llWriteFile  = 1 << 1
	llReadFile   = 1 << 2
	llReadDir    = 1 << 3
	llTruncate   = 1 << 14
	llIoctlDev   = 1 << 15
	llNetBindTCP = 1 << 0
	llNetConnTCP = 1 << 1
	llScopeAbstr = 1 << 0
	llScopeSig   = 1 << 1
	llRulePath   = 1
	prSetNoNew   = 38
	oPath        = 0x200000 // O_PATH
)

// readOnly are the paths a tool may read and execute beneath: what
// programs, their libraries and their data need. /etc is listed file by
// file so that /etc/shadow and the like stay out of reach.
var readOnly = []string{
	"/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin", "/opt",
	"/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/fonts",
	"/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/alternatives", "/etc/locale.alias",
	"/etc/papersize", "/etc/mime.types", "/etc/ImageMagick-6", "/etc/antiword", "/etc/unrtf",
	"/var/cache/fontconfig", "/var/lib/dpkg/alternatives",
	"/proc/self", "/proc/cpuinfo", "/proc/meminfo", "/proc/stat",
	"/sys/devices/system/cpu", "/sys/fs/cgroup",
	"/dev/urandom", "/dev/random", "/dev/zero",
}

// landlockABI returns the kernel's Landlock ABI version, 0 without it.
var landlockABI = sync.OnceValue(func() int {
	v, _, e := syscall.RawSyscall(sysLandlockCreateRuleset, 0, 0, 1) // LANDLOCK_CREATE_RULESET_VERSION
	if e != 0 {
		return 0
	}
	return int(v)
})

// confine restricts the calling thread, and the program it will exec, to
// full access beneath work and read and execute access beneath ro (which
// the parent builds from readOnly and the tool's own paths). The caller has
// locked the goroutine to its thread. preexec.go does the same in C.
func confine(work string, ro []string) error {
	abi := landlockABI()
	if abi < 1 {
		return errors.New("Landlock is not available in this kernel")
	}
	fs := uint64(1<<13 - 1) // ABI 1: execute ... make_sym
	if abi >= 2 {
		fs |= 1 << 13 // refer
	}
	if abi >= 3 {
		fs |= llTruncate
	}
	if abi >= 5 {
		fs |= llIoctlDev
	}
	var attr [3]uint64
	attr[0] = fs
	size := 8
	if abi >= 4 {
		// No TCP at all: a second wall behind the network namespace.
		attr[1] = llNetBindTCP | llNetConnTCP
		size = 16
	}
	if abi >= 6 {
		// No abstract unix sockets (D-Bus and friends), no signals
		// to processes outside the sandbox.
		attr[2] = llScopeAbstr | llScopeSig
		size = 24
	}
	rfd, _, e := syscall.RawSyscall(sysLandlockCreateRuleset, uintptr(unsafe.Pointer(&attr[0])), uintptr(size), 0)
	if e != 0 {
		return errors.New("landlock_create_ruleset: " + e.Error())
	}
	defer syscall.Close(int(rfd))
	add := func(path string, access uint64) error {
		fd, err := syscall.Open(path, oPath|syscall.O_CLOEXEC, 0)
		if err != nil {
			return nil // absent here: nothing to allow
		}
		defer syscall.Close(fd)
		var st syscall.Stat_t
		if syscall.Fstat(fd, &st) == nil && st.Mode&syscall.S_IFMT != syscall.S_IFDIR {
			access &= llExecute | llReadFile | llWriteFile | llTruncate | llIoctlDev // rights a file can have
		}
		access &= fs
		var rule [12]byte // struct landlock_path_beneath_attr is packed
		binary.NativeEndian.PutUint64(rule[:], access)
		binary.NativeEndian.PutUint32(rule[8:], uint32(fd))
		if _, _, e := syscall.RawSyscall6(sysLandlockAddRule, rfd, llRulePath, uintptr(unsafe.Pointer(&rule[0])), 0, 0, 0); e != 0 {
			return errors.New("landlock_add_rule " + strconv.Quote(path) + ": " + e.Error())
		}
		return nil
	}
	rights := uint64(llExecute | llReadFile | llReadDir)
	for _, p := range ro {
		if err := add(p, rights); err != nil {
			return err
		}
	}
	if err := add("/dev/null", llReadFile|llWriteFile|llTruncate|llIoctlDev); err != nil {
		return err
	}
	if err := add(work, fs); err != nil {
		return err
	}
	if _, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, prSetNoNew, 1, 0, 0, 0, 0); e != 0 {
		return errors.New("prctl(PR_SET_NO_NEW_PRIVS): " + e.Error())
	}
	if _, _, e := syscall.RawSyscall(sysLandlockRestrictSelf, rfd, 0, 0); e != 0 {
		return errors.New("landlock_restrict_self: " + e.Error())
	}
	return nil
}
