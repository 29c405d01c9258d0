// Package worker runs extractors written in Go in a child process: a
// re-execution of the dossier binary inside the sandbox (address-space,
// CPU and file limits, no network, a wall-clock timeout). A parser that
// crashes, hangs or allocates without bound (a 170-byte 7z declaring four
// billion files) takes down its child, and the item fails with a reason;
// the ingest goes on. The document's bytes go to the child on stdin and
// the result comes back gob-encoded on stdout.
package worker

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/extract/sandbox"
)

// arg is the first argument that turns the binary into a worker.
const arg = "__extract-worker"

var (
	mu       sync.Mutex
	registry = map[string]extract.NamedFunc{}
)

// Register makes an extractor available to workers under name. Both the
// parent and the child must register the same names (do it at start-up,
// before MaybeServe).
func Register(name string, ex extract.Extractor) {
	f, ok := ex.(extract.Named)
	var fn extract.NamedFunc
	if ok {
		fn = f.ExtractNamed
	} else {
		fn = func(ctx context.Context, _ string, data []byte, mime string, opts extract.Options) (*extract.Result, error) {
			return ex.Extract(ctx, data, mime, opts)
		}
	}
	mu.Lock()
	registry[name] = fn
	mu.Unlock()
}

type request struct {
	Name, FileName, MIME string
	Data                 []byte
	Opts                 extract.Options
}

type response struct {
	Result *extract.Result
	Err    string
	Kind   string // which sentinel Err wraps: encrypted, tool, budget, unsupported
}

var sentinels = map[string]error{
	"encrypted":   extract.ErrEncrypted,
	"tool":        extract.ErrToolMissing,
	"budget":      extract.ErrBudget,
	"unsupported": extract.ErrUnsupported,
}

// MaybeServe turns the process into a worker when it was started as one:
// it runs one extraction and exits. Call it first thing in main, after
// registering extractors.
func MaybeServe() {
	if len(os.Args) < 2 || os.Args[1] != arg {
		return
	}
	os.Exit(serve(os.Stdin, os.Stdout))
}

func serve(in io.Reader, out io.Writer) int {
	var req request
	if err := gob.NewDecoder(in).Decode(&req); err != nil {
		fmt.Fprintln(os.Stderr, "worker: read request:", err)
		return 2
	}
	mu.Lock()
	fn := registry[req.Name]
	mu.Unlock()
	var resp response
	if fn == nil {
		resp.Err = "no extractor " + req.Name
	} else {
		// Keep well inside the address-space limit the sandbox set.
		if req.Opts.Budget.MaxMemory > 0 {
			debug.SetMemoryLimit(req.Opts.Budget.MaxMemory / 2)
		}
		res, err := call(fn, &req)
		resp.Result = res
		if err != nil {
			resp.Err = err.Error()
			for k, s := range sentinels {
				if errors.Is(err, s) {
					resp.Kind = k
				}
			}
		}
	}
	if err := gob.NewEncoder(out).Encode(&resp); err != nil {
		fmt.Fprintln(os.Stderr, "worker: write result:", err)
		return 2
	}
	return 0
}

// call runs fn, turning a panic into an error that names it.
func call(fn extract.NamedFunc, req *request) (res *extract.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("extractor crashed: %v", p)
			fmt.Fprintf(os.Stderr, "worker: %s extractor panic: %v\n%s", req.Name, p, debug.Stack())
		}
	}()
	return fn(context.Background(), req.FileName, req.Data, req.MIME, req.Opts)
}

// Extractor returns an extractor that runs the registered extractor name
// in a sandboxed child process.
func Extractor(name string) extract.Extractor {
	return extract.NamedFunc(func(ctx context.Context, fileName string, data []byte, mime string, opts extract.Options) (*extract.Result, error) {
		return run(ctx, name, fileName, data, mime, opts)
	})
}

func run(ctx context.Context, name, fileName string, data []byte, mime string, opts extract.Options) (*extract.Result, error) {
	b := opts.Budget
	if b.MaxBytes <= 0 {
		b.MaxBytes = extract.DefaultBudget.MaxBytes
	}
	if b.MaxMemory <= 0 {
		b.MaxMemory = extract.DefaultBudget.MaxMemory
	}
	if b.Timeout <= 0 {
		b.Timeout = extract.DefaultBudget.Timeout
	}
	opts.Budget = b
	var in bytes.Buffer
	if err := gob.NewEncoder(&in).Encode(&request{Name: name, FileName: fileName, MIME: mime, Data: data, Opts: opts}); err != nil {
		return nil, fmt.Errorf("worker: %w", err)
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("worker: %w", err)
	}
	out, err := sandbox.Run(ctx, sandbox.Cmd{
		Tool: self, Args: []string{arg}, Stdin: in.Bytes(), Timeout: b.Timeout, MaxMemory: b.MaxMemory,
		MaxOutput: b.MaxBytes + 64<<20 + int64(len(data)),
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, fmt.Errorf("%s extractor: %w", name, err)
	}
	var resp response
	if err := gob.NewDecoder(bytes.NewReader(out.Stdout)).Decode(&resp); err != nil {
		return nil, fmt.Errorf("%s extractor: bad result from worker: %w", name, err)
	}
	if resp.Err != "" {
		return resp.Result, &childError{msg: resp.Err, kind: sentinels[resp.Kind]}
	}
	return resp.Result, nil
}

// childError is an extractor's error as the child reported it, still
// matching the sentinel it wrapped there.
type childError struct {
	msg  string
	kind error
}

func (e *childError) Error() string { return e.msg }
func (e *childError) Unwrap() error { return e.kind }
