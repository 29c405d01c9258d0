package worker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/extract/sandbox"
)

func TestMain(m *testing.M) {
	Register("echo", extract.NamedFunc(func(ctx context.Context, name string, data []byte, mime string, opts extract.Options) (*extract.Result, error) {
		when := time.Date(2017, 5, 5, 20, 0, 0, 0, time.FixedZone("", 7200))
		return &extract.Result{Text: name + "|" + mime + "|" + string(data) + "|" + strings.Join(opts.Passwords, ","),
			Meta:     extract.Metadata{Author: "Рошка", Created: &when, Extra: map[string]string{"k": "v"}},
			Children: []extract.Child{{Path: "a\xffb", Data: []byte{0, 1, 2}}}}, nil
	}))
	Register("encrypted", extract.Func(func(ctx context.Context, data []byte, mime string, opts extract.Options) (*extract.Result, error) {
		return &extract.Result{Meta: extract.Metadata{Encrypted: true}}, fmt.Errorf("zip: %w", extract.ErrEncrypted)
	}))
	Register("panic", extract.Func(func(ctx context.Context, data []byte, mime string, opts extract.Options) (*extract.Result, error) {
		panic("parser bug")
	}))
	Register("hog", extract.Func(func(ctx context.Context, data []byte, mime string, opts extract.Options) (*extract.Result, error) {
		var keep [][]byte
		for {
			b := make([]byte, 64<<20)
			for i := range b {
				b[i] = 1
			}
			keep = append(keep, b)
		}
	}))
	Register("hang", extract.Func(func(ctx context.Context, data []byte, mime string, opts extract.Options) (*extract.Result, error) {
		time.Sleep(time.Hour)
		return nil, nil
	}))
	sandbox.MaybeExec()
	MaybeServe()
	os.Exit(m.Run())
}

func TestRoundTrip(t *testing.T) {
	res, err := Extractor("echo").(extract.Named).ExtractNamed(context.Background(), "r.pdf.gz", []byte("data"), "application/gzip",
		extract.Options{Passwords: []string{"p1", "p2"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "r.pdf.gz|application/gzip|data|p1,p2" || res.Meta.Author != "Рошка" || res.Meta.Created.Format(time.RFC3339) != "2017-05-05T20:00:00+02:00" ||
		res.Meta.Extra["k"] != "v" || len(res.Children) != 1 || res.Children[0].Path != "a\xffb" || string(res.Children[0].Data) != "\x00\x01\x02" {
		t.Errorf("round trip: %+v", res)
	}
}

func TestErrorsKeepTheirKind(t *testing.T) {
	res, err := Extractor("encrypted").Extract(context.Background(), nil, "", extract.Options{})
	if !errors.Is(err, extract.ErrEncrypted) || res == nil || !res.Meta.Encrypted || err.Error() != "zip: "+extract.ErrEncrypted.Error() {
		t.Errorf("encrypted: %v %+v", err, res)
	}
}

// A crash, a memory hog and a hang each fail their item with a reason; the
// parent goes on. The reasons are asserted, not how long they took: the
// hang is stopped by the budget's timeout (a kill that failed would leave
// it sleeping an hour, caught by go test -timeout).
func TestContainment(t *testing.T) {
	if raceEnabled {
		t.Skip("a race-detector build cannot start under an address-space limit; the plain test run covers this")
	}
	opts := extract.Options{Budget: extract.Budget{MaxMemory: 1 << 30, Timeout: 3 * time.Second}}
	for name, want := range map[string]struct {
		msg   string
		kinds []error // the error wraps one of these
	}{
		"panic": {"extractor crashed: parser bug", nil},
		// Stopped by the memory limit; on a machine slow enough to take
		// three seconds to fill 1 GiB, by the timeout.
		"hog":  {"", []error{sandbox.ErrMemory, sandbox.ErrTimeout}},
		"hang": {"timed out", []error{sandbox.ErrTimeout}},
	} {
		start := time.Now()
		_, err := Extractor(name).Extract(context.Background(), []byte("x"), "", opts)
		t.Logf("%s: %v (%v)", name, err, time.Since(start).Round(time.Millisecond))
		if err == nil || !strings.Contains(err.Error(), want.msg) {
			t.Errorf("%s: %v, want an error mentioning %q", name, err, want.msg)
			continue
		}
		if len(want.kinds) > 0 && !slices.ContainsFunc(want.kinds, func(k error) bool { return errors.Is(err, k) }) {
			t.Errorf("%s: %v, want one of %q", name, err, want.kinds)
		}
	}
}
