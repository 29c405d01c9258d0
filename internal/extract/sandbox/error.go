package sandbox

import (
	"errors"
	"fmt"
	"syscall"
	"time"
)

// Errors to test a run's failure against with errors.Is.
var (
	ErrTimeout     = errors.New("timed out")
	ErrMemory      = errors.New("over the memory limit")
	ErrOutputLimit = errors.New("over the output limit")
)

// Kind says how a tool failed.
type Kind int

const (
	KindStart   Kind = iota + 1 // could not be started (not installed, sandbox failure)
	KindExit                    // exited with a non-zero status
	KindTimeout                 // killed at the wall-clock timeout
	KindMemory                  // killed or failed for lack of memory
	KindSignal                  // killed by a signal (crash, CPU or file size limit)
	KindOutput                  // killed for writing more than MaxOutput bytes
)

// Error is a failed tool run. Its message is meant for the ledger.
type Error struct {
	Tool     string
	Kind     Kind
	ExitCode int            // KindExit, KindMemory
	Signal   syscall.Signal // KindSignal, KindMemory
	// Stderr is a summary of the tool's last words (its final lines).
	Stderr string
	// The limits the tool ran under.
	Timeout  time.Duration
	Memory   int64
	FileSize int64
	Output   int64
	// Err is the cause of a KindStart failure.
	Err error
}

func (e *Error) Error() string {
	var s string
	switch e.Kind {
	case KindStart:
		return fmt.Sprintf("%s: %v", e.Tool, e.Err)
	case KindTimeout:
		return fmt.Sprintf("%s timed out after %v", e.Tool, e.Timeout)
	case KindOutput:
		return fmt.Sprintf("%s wrote more than %s of output, stopped", e.Tool, Size(e.Output))
	case KindMemory:
		if e.Signal != 0 {
			s = fmt.Sprintf("%s killed by %s (memory limit %s?)", e.Tool, sigName(e.Signal), Size(e.Memory))
		} else {
			s = fmt.Sprintf("%s ran out of memory (limit %s), exit status %d", e.Tool, Size(e.Memory), e.ExitCode)
		}
	case KindSignal:
		s = fmt.Sprintf("%s killed by %s", e.Tool, sigName(e.Signal))
		switch e.Signal {
		case syscall.SIGXCPU:
			s += fmt.Sprintf(" (CPU time limit %v)", e.Timeout)
		case syscall.SIGXFSZ:
			s += fmt.Sprintf(" (file size limit %s)", Size(e.FileSize))
		case syscall.SIGSEGV, syscall.SIGABRT, syscall.SIGBUS:
			s += fmt.Sprintf(" (crashed; its memory limit was %s)", Size(e.Memory))
		}
	default:
		s = fmt.Sprintf("%s: exit status %d", e.Tool, e.ExitCode)
	}
	if e.Stderr != "" {
		s += ": " + e.Stderr
	}
	return s
}

// Is makes errors.Is(err, ErrTimeout) (ErrMemory, ErrOutputLimit) true for
// runs that failed that way.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrTimeout:
		return e.Kind == KindTimeout
	case ErrMemory:
		return e.Kind == KindMemory
	case ErrOutputLimit:
		return e.Kind == KindOutput
	}
	return false
}

func (e *Error) Unwrap() error { return e.Err }

func sigName(s syscall.Signal) string {
	names := map[syscall.Signal]string{
		syscall.SIGKILL: "SIGKILL", syscall.SIGSEGV: "SIGSEGV", syscall.SIGABRT: "SIGABRT",
		syscall.SIGBUS: "SIGBUS", syscall.SIGXCPU: "SIGXCPU", syscall.SIGXFSZ: "SIGXFSZ",
		syscall.SIGTERM: "SIGTERM", syscall.SIGFPE: "SIGFPE", syscall.SIGILL: "SIGILL",
		syscall.SIGPIPE: "SIGPIPE", syscall.SIGSYS: "SIGSYS",
	}
	if n, ok := names[s]; ok {
		return n
	}
	return fmt.Sprintf("signal %d (%v)", int(s), s)
}

// Size formats a byte count the way limits are written: "2 GiB", "512 MiB".
func Size(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
