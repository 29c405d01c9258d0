//go:build !linux || !cgo

package sandbox

// preexecInC reports that sandbox children exec their tool from the C
// constructor of preexec.go; without cgo, MaybeExec does it in Go.
const preexecInC = false
