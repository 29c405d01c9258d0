package sandbox

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"
)

// netMode is how the tool's network is cut off.
type netMode int

const (
	modeNet     netMode = iota // CLONE_NEWNET
	modeUserNet                // CLONE_NEWUSER|CLONE_NEWNET, ids mapped to themselves
	modeNone                   // refused: the tool shares our network
)

var (
	modeMu      sync.Mutex
	mode        = modeNet
	modeWarning string
	modeReasons []string
)

// currentMode returns the namespace mode that works (or is still to be
// tried) and, for modeNone, why no namespace could be had.
func currentMode() (netMode, string) {
	modeMu.Lock()
	defer modeMu.Unlock()
	return mode, modeWarning
}

// downgrade records that m was refused with err and moves on to the next
// mode, unless another run already did.
func downgrade(m netMode, err error) {
	modeMu.Lock()
	defer modeMu.Unlock()
	if mode != m {
		return
	}
	modeReasons = append(modeReasons, err.Error())
	mode = m + 1
	if mode == modeNone {
		modeWarning = "network not cut off: no network namespace could be created"
		for _, r := range modeReasons {
			modeWarning += "; " + r
		}
	}
}

// Isolation describes how tools are confined on this machine, for logs
// and `dossier doctor`-style reports: "network namespace; file system
// confined (Landlock ABI 7)", or with warnings saying what is not. It may
// start a short child process to find out.
func Isolation() string {
	m, w := currentMode()
	if m == modeNet || m == modeUserNet {
		probe()
		m, w = currentMode()
	}
	var s string
	switch m {
	case modeNet:
		s = "network namespace"
	case modeUserNet:
		s = "user and network namespace"
	default:
		s = w
	}
	if abi := landlockABI(); abi > 0 {
		return fmt.Sprintf("%s; file system confined (Landlock ABI %d)", s, abi)
	}
	return s + "; file system not confined: Landlock is not available in this kernel"
}

var probe = sync.OnceFunc(func() {
	// Any start settles the mode; /bin/sh -c : is cheap and everywhere.
	Run(context.Background(), Cmd{Tool: "sh", Args: []string{"-c", ":"}})
})

// isNamespaceErr reports whether a start failure is the kernel refusing
// the namespace clone flags.
func isNamespaceErr(err error) bool {
	for _, e := range []error{syscall.EPERM, syscall.EINVAL, syscall.ENOSPC, syscall.EUSERS, syscall.ENOSYS, syscall.EACCES} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
