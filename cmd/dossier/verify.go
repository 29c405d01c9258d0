package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsroom/dossier/internal/dkim"
	"github.com/newsroom/dossier/internal/ingest"
)

func (a *app) verifyCmd() *cobra.Command {
	var (
		keyFiles []string
		asOf     string
		jsonOut  bool
		all      bool
	)
	cmd := &cobra.Command{
		Use:   "verify [--keys FILE]... [--as-of TIME] [--json] FILE... | verify --all",
		Short: "Check DKIM and ARC signatures of .eml files, or re-verify the whole archive",
		Long: `Verify checks every DKIM-Signature (and the ARC chain) of each message FILE, offline: keys
come from --keys files (zone file or zk-email JSON) and from the archive's key archive when an
archive exists. Nothing is fetched from the network.

Each signature gets pass, fail, permerror or temperror with a reason, and its weaknesses
(rsa-sha1, short keys, l= leaving body bytes unsigned, unsigned or repeated visible headers,
testing keys, expiry). The message gets a verdict: verified, verified-weak, failed,
unverifiable (no key to check with) or unsigned. See docs/authenticity.md for what a verdict
does and does not prove.

--as-of judges x= (expiry) and t= against another time (RFC 3339, YYYY-MM-DD or Unix
seconds); an expired signature that verifies is a pass marked expired.

--all re-verifies every message in the archive from its original bytes against the key
archive, replacing the stored verdicts (after 'dossier keys import').

--json prints one JSON object per file: {"file", "verdict", "signatures": [{"domain",
"selector", "algorithm", "key_bits", "result", "reason", "weak", "signed_headers",
"body_length", "unsigned_body_bytes", "timestamp", "expires", "expired", "aligned",
"key_source", ...}], "arc": {...}}.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			tuneGC()
			when := time.Now()
			if asOf != "" {
				t, err := parseAsOf(asOf)
				if err != nil {
					return withHint(err, "give --as-of as 2022-11-07T17:54:24Z, 2022-11-07 or Unix seconds")
				}
				when = t
			}
			if all {
				if len(args) > 0 || len(keyFiles) > 0 {
					return withHint(errors.New("--all takes no files and no --keys"), "import keys first with 'dossier keys import FILE'")
				}
				return a.verifyArchive(cmd, when)
			}
			if len(args) == 0 {
				return withHint(errors.New("no message files given"), "give .eml files, or --all to re-verify the archive")
			}
			keys, temp, err := keysFromFiles(keyFiles)
			if err != nil {
				return err
			}
			if ar, err := a.openArchive(ctx, false); err == nil {
				archived, err := ar.meta.Keys(ctx)
				ar.Close()
				if err != nil {
					return err
				}
				keys = append(keys, archived...)
			}
			src := dkim.NewMemKeys(keys, temp)
			bw := bufio.NewWriter(a.stdout)
			defer bw.Flush()
			enc := json.NewEncoder(bw)
			failed := 0
			err = verifyFiles(ctx, args, src, when, func(f string, rep *dkim.Report, err error) error {
				if err != nil {
					bw.Flush()
					fmt.Fprintf(a.stderr, "dossier: cannot read %s: %v\n", f, errors.Unwrap(err))
					failed++
					return nil
				}
				if jsonOut {
					return enc.Encode(struct {
						File string `json:"file"`
						*dkim.Report
					}{f, rep})
				}
				fmt.Fprintf(bw, "%s: %s\n", safe(f), rep.Verdict)
				printReport(bw, rep, "  ")
				return nil
			})
			if err != nil {
				return err
			}
			if failed > 0 {
				return &exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&keyFiles, "keys", nil, "key file (zone or zk-email JSON); repeatable")
	cmd.Flags().StringVar(&asOf, "as-of", "", "judge expiry at this time (default: now)")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print one JSON object per file")
	cmd.Flags().BoolVar(&all, "all", false, "re-verify every message in the archive against the key archive")
	return cmd
}

func (a *app) verifyArchive(cmd *cobra.Command, when time.Time) error {
	ctx := cmd.Context()
	ar, err := a.openArchive(ctx, false)
	if err != nil {
		return err
	}
	defer ar.Close()
	keys, err := ar.meta.Keys(ctx)
	if err != nil {
		return err
	}
	counts, err := ingest.Reverify(ctx, ar.blobs, ar.meta, ar.meta, ingest.VerifyOptions{Keys: dkim.NewMemKeys(keys, nil), AsOf: when})
	if err != nil {
		return err
	}
	var total int64
	verdicts := make([]string, 0, len(counts))
	for v, n := range counts {
		total += n
		verdicts = append(verdicts, string(v))
	}
	sort.Strings(verdicts)
	fmt.Fprintf(a.stdout, "%d messages verified against %d key observations, as of %s\n", total, len(keys), when.UTC().Format(time.RFC3339))
	for _, v := range verdicts {
		fmt.Fprintf(a.stdout, "  %-14s %d\n", v, counts[dkim.Verdict(v)])
	}
	return nil
}

// verifyFiles verifies files on every CPU and calls emit for each, in
// the order given. A file that cannot be read is passed with its error.
func verifyFiles(ctx context.Context, files []string, keys dkim.Keys, when time.Time,
	emit func(file string, rep *dkim.Report, err error) error) error {
	type result struct {
		rep *dkim.Report
		err error
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make([]chan result, len(files))
	for i := range out {
		out[i] = make(chan result, 1)
	}
	next := make(chan int)
	go func() {
		defer close(next)
		for i := range files {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	for range runtime.GOMAXPROCS(0) {
		go func() {
			for i := range next {
				raw, err := os.ReadFile(files[i])
				if err != nil {
					out[i] <- result{err: err}
					continue
				}
				rep, err := dkim.Verify(ctx, raw, dkim.Options{Keys: keys, AsOf: when})
				out[i] <- result{rep, err}
			}
		}()
	}
	for i, f := range files {
		var r result
		select {
		case r = <-out[i]:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		if r.rep == nil && ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if err := emit(f, r.rep, r.err); err != nil {
			return err
		}
	}
	return nil
}

// parseAsOf reads RFC 3339, a date, or Unix seconds.
func parseAsOf(s string) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read --as-of %q", s)
}

// printReport prints each signature's result and evidence.
func printReport(w io.Writer, rep *dkim.Report, indent string) {
	if len(rep.Signatures) == 0 {
		fmt.Fprintf(w, "%sno DKIM-Signature\n", indent)
	}
	for i, s := range rep.Signatures {
		key := s.KeyType
		if s.KeyBits > 0 {
			key = fmt.Sprintf("%s-%d", s.KeyType, s.KeyBits)
		}
		fmt.Fprintf(w, "%ssignature %d: %s", indent, i+1, strings.ToUpper(string(s.Result)))
		if s.Reason != "" {
			fmt.Fprintf(w, " (%s)", s.Reason)
		}
		fmt.Fprintf(w, "  d=%s s=%s a=%s c=%s", safe(s.Domain), safe(s.Selector), safe(s.Algorithm), safe(s.Canon))
		if key != "" {
			fmt.Fprintf(w, " key=%s", key)
		}
		if s.Aligned {
			fmt.Fprint(w, " aligned")
		}
		fmt.Fprintln(w)
		if s.Detail != "" {
			fmt.Fprintf(w, "%s  %s\n", indent, safe(s.Detail))
		}
		if len(s.Weak) > 0 {
			fmt.Fprintf(w, "%s  weak: %s\n", indent, strings.Join(s.Weak, ", "))
		}
		if len(s.UnsignedHeaders) > 0 {
			fmt.Fprintf(w, "%s  unsigned visible headers: %s\n", indent, safe(strings.Join(s.UnsignedHeaders, ", ")))
		}
		if len(s.RepeatedHeaders) > 0 {
			fmt.Fprintf(w, "%s  repeated visible headers: %s\n", indent, safe(strings.Join(s.RepeatedHeaders, ", ")))
		}
		fmt.Fprintf(w, "%s  signed headers: %s\n", indent, safe(strings.Join(s.SignedHeaders, ":")))
		if s.BodyLength != nil {
			fmt.Fprintf(w, "%s  body: first %d bytes signed (l=), %d bytes after them NOT signed\n", indent, *s.BodyLength, s.UnsignedBodyBytes)
		}
		if s.Timestamp != nil {
			fmt.Fprintf(w, "%s  signed at %s\n", indent, s.Timestamp.UTC().Format(time.RFC3339))
		}
		if s.Expires != nil {
			state := "expires"
			if s.Expired {
				state = "EXPIRED"
			}
			fmt.Fprintf(w, "%s  %s %s\n", indent, state, s.Expires.UTC().Format(time.RFC3339))
		}
		if s.KeySource != "" {
			fp := s.KeyFingerprint
			if len(fp) > 16 {
				fp = fp[:16]
			}
			fmt.Fprintf(w, "%s  key from %s, sha256:%s\n", indent, safe(s.KeySource), fp)
		}
	}
	if rep.ARC != nil && rep.ARC.Result != "none" {
		fmt.Fprintf(w, "%sARC: %s (%d instances)", indent, rep.ARC.Result, rep.ARC.Instances)
		if rep.ARC.Reason != "" {
			fmt.Fprintf(w, " %s", safe(rep.ARC.Reason))
		}
		fmt.Fprintln(w)
	}
}
