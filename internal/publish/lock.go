package publish

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// lock takes the exclusive lock on p.LockFile, waiting for it as long as
// ctx allows, and returns its release. The lock is an flock: held per
// open file, so it excludes other processes and other Publishers of this
// one, and the kernel drops it when a process dies.
func (p *Publisher) lock(ctx context.Context) (func(), error) {
	if p.LockFile == "" {
		return nil, errors.New("publish: no lock file")
	}
	f, err := os.OpenFile(p.LockFile, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("publish: lock: %w", err)
	}
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() {
				unix.Flock(int(f.Fd()), unix.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			f.Close()
			return nil, fmt.Errorf("publish: lock %s: %w", p.LockFile, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("publish: waiting for %s: %w", p.LockFile, context.Cause(ctx))
		case <-time.After(20 * time.Millisecond):
		}
	}
}
