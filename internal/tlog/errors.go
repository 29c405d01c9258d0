package tlog

import (
	"errors"
	"fmt"
)

var (
	// ErrNotFound is returned for an entry index that is not covered by the
	// log's latest checkpoint.
	ErrNotFound = errors.New("tlog: entry not in log")

	// ErrCorrupt is returned when the log's data does not match its signed
	// checkpoint: a checkpoint whose signature does not verify, tiles or
	// entries that do not hash to the checkpoint's root, malformed files.
	ErrCorrupt = errors.New("tlog: log data does not match its signed checkpoint")

	// ErrRewritten is returned by [Monitor] when the log's history changed:
	// a checkpoint smaller than one verified before, a different root at the
	// same size, or a signed tree that does not contain the previously
	// verified one. The checkpoints are signed, so this is evidence that the
	// log key signed two incompatible histories.
	ErrRewritten = errors.New("tlog: log history was rewritten")
)

// dataError marks an error caused by log data failing verification; the
// exported function that returns it wraps it with [ErrCorrupt].
type dataError struct{ err error }

func (e *dataError) Error() string { return e.err.Error() }
func (e *dataError) Unwrap() error { return e.err }

// corrupt returns a dataError with a formatted message.
func corrupt(format string, a ...any) error {
	return &dataError{fmt.Errorf(format, a...)}
}

// opError builds the error an exported function returns for operation op:
// "tlog: op: err", or "<ErrCorrupt>: op: err" when err marks corrupt data,
// so that the sentinel leads the message and errors.Is finds it. Errors
// already built around a sentinel pass unchanged.
func opError(op string, err error) error {
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrCorrupt) || errors.Is(err, ErrRewritten) {
		return err
	}
	var de *dataError
	if errors.As(err, &de) {
		return fmt.Errorf("%w: %s: %w", ErrCorrupt, op, err)
	}
	return fmt.Errorf("tlog: %s: %w", op, err)
}
