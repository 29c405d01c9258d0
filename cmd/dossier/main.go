// Command dossier is a leak archive: it ingests leaked email collections,
// keeps every original byte for byte, accounts for every file, and searches
// them in French and English. Run `dossier --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/newsroom/dossier/internal/extract/sandbox"
	"github.com/newsroom/dossier/internal/extract/worker"
)

func main() {
	sandbox.MaybeExec() // in a sandboxed tool's child process: become the tool (never returns)
	worker.MaybeServe() // in an extraction worker: extract one document and exit
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	if p := os.Getenv("DOSSIER_CPUPROFILE"); p != "" { // for profiling: go tool pprof
		if f, err := os.Create(p); err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if code != 0 {
		pprof.StopCPUProfile()
		os.Exit(code)
	}
}
