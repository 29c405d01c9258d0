package gen

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
)

// Output formats.
const (
	FormatMaildir = "maildir" // every message in dir/maildir/<mailbox>/{cur,new}
	FormatMbox    = "mbox"    // every message in dir/mbox/<mailbox>.mbox
	FormatBoth    = "both"    // messages split between the two, a few in both
)

// Options configures [Generate]. The zero value of every field but Messages
// selects a default.
type Options struct {
	// Seed selects the collection; the same Seed and Options always give
	// byte-identical output.
	Seed int64
	// Messages is the number of distinct messages to write.
	Messages int
	// Format is FormatMaildir, FormatMbox or FormatBoth (the default).
	Format string
	// Mailboxes is the number of custodians, each with one folder
	// (default 6, at most 1000).
	Mailboxes int
	// AttachmentRate is the fraction of ordinary messages with attachments
	// (default 0.15; negative for none). Planted facts add attachments of
	// their own whatever the rate.
	AttachmentRate float64
	// LineEndings is "mixed" (the default: every third mailbox uses CRLF),
	// "lf" or "crlf".
	LineEndings string
	// MarkerCopies is how many messages carry each planted marker
	// (default 3; negative for no markers).
	MarkerCopies int
	// SharedCopies is how many messages carry the shared attachment
	// (default 5; negative for none).
	SharedCopies int
	// Duplicates is how many messages FormatBoth writes to both a Maildir
	// and an mbox file (default 1% of Messages, from 2 to 50; negative for
	// none). Other formats ignore it.
	Duplicates int
	// Signed is the fraction (0 to 1) of messages from the signing domains
	// that carry a DKIM signature (default 0: none). Some ordinary signed
	// messages are then altered as a leak's would be: body changed after
	// signing, an l= footer added, a From: prepended, a key rotated away;
	// Manifest.DKIM has the keys and every expected verdict.
	Signed float64
}

func (o Options) normalize() (Options, error) {
	if o.Messages < 0 {
		return o, fmt.Errorf("gen: negative message count %d", o.Messages)
	}
	switch o.Format {
	case "":
		o.Format = FormatBoth
	case FormatMaildir, FormatMbox, FormatBoth:
	default:
		return o, fmt.Errorf("gen: unknown format %q (want maildir, mbox or both)", o.Format)
	}
	switch {
	case o.Mailboxes == 0:
		o.Mailboxes = 6
	case o.Mailboxes < 0 || o.Mailboxes > 1000:
		return o, fmt.Errorf("gen: mailbox count %d out of range 1..1000", o.Mailboxes)
	}
	switch o.LineEndings {
	case "":
		o.LineEndings = "mixed"
	case "mixed", "lf", "crlf":
	default:
		return o, fmt.Errorf("gen: unknown line endings %q (want mixed, lf or crlf)", o.LineEndings)
	}
	if o.AttachmentRate == 0 {
		o.AttachmentRate = 0.15
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		} else if *v < 0 {
			*v = 0
		}
	}
	if o.Signed < 0 || o.Signed > 1 {
		return o, fmt.Errorf("gen: signed fraction %v out of range 0..1", o.Signed)
	}
	def(&o.MarkerCopies, 3)
	def(&o.SharedCopies, 5)
	def(&o.Duplicates, min(50, max(2, o.Messages/100)))
	return o, nil
}

// Generate writes a synthetic leaked mail collection under dir (created if
// needed; dir/maildir and dir/mbox must not exist yet) and returns its
// manifest. Output depends only on opts, not on GOMAXPROCS or timing.
// Memory use does not grow with opts.Messages. On error or cancellation the
// partial output is left in place.
func Generate(ctx context.Context, dir string, opts Options) (*Manifest, error) {
	opts, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	g := newGenerator(opts)
	w, err := g.openOutput(dir)
	if err != nil {
		return nil, err
	}
	werr := g.run(ctx, w)
	if err := w.close(); err != nil && werr == nil {
		werr = err
	}
	if werr != nil {
		return nil, werr
	}
	return w.man, nil
}

// output is the single writer of mbox files and of the manifest.
type output struct {
	dir   string
	mbox  []*os.File
	bufs  []*bufio.Writer
	man   *Manifest
	hits  map[int][]Hit // marker -> hits
	fresh bool
}

func (g *generator) openOutput(dir string) (*output, error) {
	w := &output{dir: dir, hits: map[int][]Hit{}}
	for _, sub := range []string{"maildir", "mbox"} {
		if _, err := os.Lstat(filepath.Join(dir, sub)); err == nil {
			return nil, fmt.Errorf("gen: output %s already exists", filepath.Join(dir, sub))
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("gen: check output: %w", err)
		}
	}
	m := &Manifest{
		Version: ManifestVersion, Seed: g.opts.Seed, Format: g.opts.Format, Messages: g.n,
		AttachmentTypes: map[string]int{}, Charsets: map[string]int{}, Encodings: map[string]int{},
		Kinds: map[string]int{}, Threads: []Thread{}, Markers: []Marker{}, Duplicates: []Duplicate{},
	}
	w.man = m
	if g.keys != nil {
		m.DKIM = &DKIMFacts{Verdicts: map[string]int{}, Samples: map[string][]string{}}
		for _, s := range signers {
			k := g.keys[s.domain]
			m.DKIM.Keys = append(m.DKIM.Keys, KeyRecord{Domain: k.domain, Selector: k.selector, Record: k.record})
		}
	}
	for _, b := range g.boxes {
		le := "lf"
		if b.crlf {
			le = "crlf"
		}
		m.Mailboxes = append(m.Mailboxes, Mailbox{Name: b.name, Address: g.people[b.person].addr, LineEnding: le})
		if g.opts.Format != FormatMbox {
			for _, sub := range []string{"cur", "new", "tmp"} {
				if err := os.MkdirAll(filepath.Join(dir, "maildir", b.name, sub), 0o755); err != nil {
					return nil, fmt.Errorf("gen: create maildir: %w", err)
				}
			}
		}
	}
	if g.opts.Format != FormatMaildir {
		if err := os.MkdirAll(filepath.Join(dir, "mbox"), 0o755); err != nil {
			return nil, fmt.Errorf("gen: create mbox dir: %w", err)
		}
		for _, b := range g.boxes {
			f, err := os.OpenFile(filepath.Join(dir, "mbox", b.name+".mbox"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
			if err != nil {
				w.close()
				return nil, fmt.Errorf("gen: create mbox: %w", err)
			}
			w.mbox = append(w.mbox, f)
			w.bufs = append(w.bufs, bufio.NewWriterSize(f, 32<<10))
		}
	}
	return w, nil
}

func (w *output) close() error {
	var errs []error
	for i, f := range w.mbox {
		if err := w.bufs[i].Flush(); err != nil {
			errs = append(errs, fmt.Errorf("gen: write mbox: %w", err))
		}
		if err := f.Close(); err != nil {
			errs = append(errs, fmt.Errorf("gen: close mbox: %w", err))
		}
	}
	w.mbox = nil
	return errors.Join(errs...)
}

// blockResult is one rendered block, handed from a worker to the writer.
type blockResult struct {
	b       int
	msgs    []*rendered
	threads []thread
	cores   []core
	err     error
}

type job struct {
	b   int
	out chan *blockResult
}

// run renders blocks on GOMAXPROCS workers and writes them in block order.
// Workers write Maildir files themselves (their names are fixed by the
// plan); the single writer appends to mbox files and fills the manifest, so
// the output is the same whatever the scheduling.
func (g *generator) run(ctx context.Context, w *output) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	nb := (g.n + blockSize - 1) / blockSize
	workers := max(1, min(runtime.GOMAXPROCS(0), nb))
	jobs := make(chan job)
	order := make(chan chan *blockResult, 2*workers)
	go func() {
		defer close(order)
		defer close(jobs)
		for b := range nb {
			out := make(chan *blockResult, 1)
			select {
			case jobs <- job{b, out}:
			case <-ctx.Done():
				return
			}
			select {
			case order <- out:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var buf []byte
			for j := range jobs {
				var res *blockResult
				res, buf = g.renderBlock(ctx, w.dir, j.b, buf)
				j.out <- res
			}
		})
	}
	var err error
	for out := range order {
		res := <-out
		if err = res.err; err == nil {
			err = w.writeBlock(g, res)
		}
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			cancel()
			for range order {
			}
			break
		}
	}
	wg.Wait()
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	w.finish(g)
	return nil
}

func (g *generator) renderBlock(ctx context.Context, dir string, b int, buf []byte) (*blockResult, []byte) {
	res := &blockResult{b: b}
	if err := ctx.Err(); err != nil {
		res.err = err
		return res, buf
	}
	res.threads = g.planBlock(b)
	res.cores = g.planCores(b, res.threads)
	lo := b * blockSize
	var crlf, signed []byte
	for i := range res.cores {
		var m *rendered
		m, buf = g.render(&res.cores[i], res.cores, lo, buf)
		data := buf
		data, m.dkim = g.sign(m, data, signed)
		if m.dkim != "" && m.dkim != signUnsigned {
			signed = data
		}
		if g.boxes[m.box].crlf {
			crlf = toCRLF(crlf[:0], data)
			data = crlf
		}
		if m.toMdir {
			if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(m.mdirPath)), data, 0o644); err != nil {
				res.err = fmt.Errorf("gen: write maildir message: %w", err)
				return res, buf
			}
		}
		if m.toMbox {
			m.data = slices.Clone(data)
		}
		res.msgs = append(res.msgs, m)
	}
	return res, buf
}

// mboxFromLine is the asctime date of mbox separator lines.
const mboxFromLine = "Mon Jan _2 15:04:05 2006"

func (w *output) writeBlock(g *generator, res *blockResult) error {
	m := w.man
	for _, r := range res.msgs {
		box := &m.Mailboxes[r.box]
		var where string
		if r.toMdir {
			m.MaildirMessages++
			box.Maildir++
			where = r.mdirPath
		}
		if r.toMbox {
			m.MboxMessages++
			box.Mbox++
			where = "mbox/" + box.Name + ".mbox"
			if err := w.appendMbox(r, g.boxes[r.box].crlf); err != nil {
				return err
			}
		}
		m.Charsets[r.charset]++
		m.Encodings[r.encoding]++
		m.Kinds[r.kind]++
		m.Attachments += len(r.attachTypes)
		for _, t := range r.attachTypes {
			m.AttachmentTypes[t]++
		}
		m.Forwarded += r.forwarded
		if r.fromLine {
			m.FromLines++
		}
		if r.role.marker >= 0 {
			w.hits[r.role.marker] = append(w.hits[r.role.marker], Hit{MessageID: r.msgID, Path: where})
		}
		if r.role.shared {
			if m.Shared == nil {
				sum := sha256.Sum256(g.sharedData)
				m.Shared = &SharedAttachment{Filename: g.sharedName, ContentType: g.sharedType,
					SHA256: hex.EncodeToString(sum[:]), Size: len(g.sharedData), Messages: []string{}}
			}
			m.Shared.Messages = append(m.Shared.Messages, r.msgID)
		}
		if d := m.DKIM; d != nil {
			v := r.dkim
			if v == signForged {
				v = signLength
				d.Forged++
			}
			d.Verdicts[v]++
			if len(d.Samples[v]) < maxDKIMSample {
				d.Samples[v] = append(d.Samples[v], r.msgID)
			}
		}
		if r.role.dup {
			m.Duplicates = append(m.Duplicates, Duplicate{MessageID: r.msgID, Maildir: r.mdirPath, Mbox: where})
		}
	}
	lo := res.b * blockSize
	for _, t := range res.threads {
		if len(t.members) < 2 {
			continue
		}
		m.ThreadCount++
		m.Replies += len(t.members) - 1
		depth := 0
		for _, i := range t.members {
			depth = max(depth, res.cores[i-lo].depth)
		}
		m.MaxDepth = max(m.MaxDepth, depth)
		if len(m.Threads) >= MaxRecordedThreads {
			continue
		}
		root := &res.cores[t.members[0]-lo]
		th := Thread{Root: root.msgID, Subject: root.subject, Depth: depth}
		for k, i := range t.members {
			tm := ThreadMember{MessageID: res.cores[i-lo].msgID}
			if p := t.parent[k]; p >= 0 {
				tm.InReplyTo = res.cores[p-lo].msgID
			}
			th.Members = append(th.Members, tm)
		}
		m.Threads = append(m.Threads, th)
	}
	return nil
}

// appendMbox writes one message to its mbox file: a "From " separator line,
// the message with mboxrd quoting (a '>' added before any line matching
// ^>*From ), and an empty line.
func (w *output) appendMbox(r *rendered, crlf bool) error {
	bw := w.bufs[r.box]
	nl := "\n"
	if crlf {
		nl = "\r\n"
	}
	bw.WriteString("From " + r.from + " " + r.date.UTC().Format(mboxFromLine) + nl)
	data := r.data
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line = data[:i+1]
		}
		if isFromLine(line) {
			bw.WriteByte('>')
		}
		bw.Write(line)
		data = data[len(line):]
	}
	if _, err := bw.WriteString(nl); err != nil {
		return fmt.Errorf("gen: write mbox: %w", err)
	}
	return nil
}

// isFromLine reports whether line matches ^>*From .
func isFromLine(line []byte) bool {
	i := 0
	for i < len(line) && line[i] == '>' {
		i++
	}
	return len(line)-i >= 5 && string(line[i:i+5]) == "From "
}

func (w *output) finish(g *generator) {
	m := w.man
	for k, s := range markerSpecs {
		hits := w.hits[k]
		if len(hits) == 0 {
			continue
		}
		m.Markers = append(m.Markers, Marker{Word: s.word, Query: s.query, Match: s.match, Where: s.where,
			Charset: s.charset, Encoding: s.encoding, Hits: hits})
	}
}
