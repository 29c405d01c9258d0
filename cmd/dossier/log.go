package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/klog/v2"

	"github.com/newsroom/dossier/internal/publish"
	"github.com/newsroom/dossier/internal/tlog"
)

// The transparency log lives in the archive: log/ holds the tiles and
// checkpoints (C2SP tlog-tiles, served read-only under /log/), log.key the
// signer key (never served, never exported) and log.pub its verifier key.

func (ar *archive) logDir() string     { return filepath.Join(ar.dir, "log") }
func (ar *archive) logKeyPath() string { return filepath.Join(ar.dir, "log.key") }
func (ar *archive) logPubPath() string { return filepath.Join(ar.dir, "log.pub") }

// defaultOrigin names a new archive's log when $DOSSIER_LOG_ORIGIN does not:
// unique, so two archives' checkpoints are never confused.
func defaultOrigin() string {
	if o := os.Getenv("DOSSIER_LOG_ORIGIN"); o != "" {
		return o
	}
	b := make([]byte, 6)
	rand.Read(b)
	return "dossier.local/" + hex.EncodeToString(b)
}

// ensureLogKey creates the archive's log key pair if there is none, and
// returns the signer and verifier keys.
func (ar *archive) ensureLogKey(origin string) (skey, vkey string, err error) {
	b, err := os.ReadFile(ar.logKeyPath())
	if err == nil {
		skey = strings.TrimSpace(string(b))
		vkey, err = tlog.VerifierKey(skey)
		return skey, vkey, err
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", "", fmt.Errorf("log key: %w", err)
	}
	if origin == "" {
		origin = defaultOrigin()
	}
	skey, vkey, err = tlog.GenerateKey(origin)
	if err != nil {
		return "", "", err
	}
	if err := writeFileAtomic(ar.logPubPath(), []byte(vkey+"\n"), 0o644); err != nil {
		return "", "", fmt.Errorf("log key: %w", err)
	}
	// The secret last, with O_EXCL: two processes creating the key at once
	// cannot both win.
	f, err := os.OpenFile(ar.logKeyPath(), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return ar.ensureLogKey(origin)
	}
	if err != nil {
		return "", "", fmt.Errorf("log key: %w", err)
	}
	if _, err := f.WriteString(skey + "\n"); err != nil {
		f.Close()
		return "", "", fmt.Errorf("log key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", "", fmt.Errorf("log key: %w", err)
	}
	return skey, vkey, f.Close()
}

func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func (a *app) logCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "log",
		Short: "The transparency log of publications: its key, proofs, monitoring",
		Long: `Every publication and withdrawal appends an entry (docs/formats/log-entry.md) to the archive's
transparency log, in the C2SP tlog-tiles layout with checkpoints signed by an Ed25519 key
(C2SP tlog-checkpoint, signed note). 'dossier serve --public' serves it under /log/, and
every published document has a proof bundle at /doc/N/proof (docs/formats/proof-bundle.md)
that anyone can check offline with 'dossier log verify-proof'.`,
	}
	cmd.AddCommand(a.logKeyCmd(), a.logVerifyProofCmd(), a.logMonitorCmd())
	return cmd
}

func (a *app) logKeyCmd() *cobra.Command {
	var origin string
	cmd := &cobra.Command{
		Use:   "key [--origin NAME]",
		Short: "Print the log's verifier key (what readers verify proofs with)",
		Long: `Key prints the verifier key of the archive's log, creating the key pair if the archive has
none. --origin names the log (the first line of every checkpoint, e.g.
"leaks.example.org/log"); it can be set only while nothing has been published (a new key
pair replaces the old one). Otherwise a new archive's log is named from $DOSSIER_LOG_ORIGIN,
or gets a unique name "dossier.local/<random>".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ar, err := a.openArchive(ctx, true)
			if err != nil {
				return err
			}
			defer ar.Close()
			if origin != "" {
				_, vkey, err := ar.ensureLogKey(origin)
				if err != nil {
					return err
				}
				if name, _, _ := strings.Cut(vkey, "+"); name != origin {
					if _, err := os.Stat(filepath.Join(ar.logDir(), "checkpoint")); err == nil {
						return withHint(fmt.Errorf("the log is already named %s and has a checkpoint", name),
							"a published log cannot be renamed; readers hold its key")
					}
					os.Remove(ar.logKeyPath())
					if _, _, err := ar.ensureLogKey(origin); err != nil {
						return err
					}
				}
			}
			_, vkey, err := ar.ensureLogKey("")
			if err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, vkey)
			return nil
		},
	}
	cmd.Flags().StringVar(&origin, "origin", "", "the log's name (only before the first publication)")
	return cmd
}

// readKeyArg reads a verifier key given inline or as a file.
func readKeyArg(s string) (string, error) {
	if s == "" {
		return "", withHint(errors.New("no verifier key"), "give --key with the log's verifier key (from 'dossier log key') or a file holding it")
	}
	if _, err := tlog.NewVerifier(strings.TrimSpace(s)); err == nil {
		return strings.TrimSpace(s), nil
	}
	b, err := os.ReadFile(s)
	if err != nil {
		return "", withHint(fmt.Errorf("verifier key: %w", err), "give the key itself or a file holding it")
	}
	return strings.TrimSpace(string(b)), nil
}

func (a *app) logVerifyProofCmd() *cobra.Command {
	var (
		file    string
		key     string
		jsonOut bool
	)
	cmd := &cobra.Command{
		Use:   "verify-proof BUNDLE --key VKEY [--file ORIGINAL]",
		Short: "Check a proof bundle offline: the entry is in the log the key signs",
		Long: `Verify-proof checks a proof bundle (from /doc/N/proof, or an exported site's proofs/ folder)
with no network and no archive: the checkpoint's signature by the log key, its origin, and the
inclusion proof of the entry. With --file, it also checks that the file's SHA-256 is one the
entry lists as published. VKEY is the verifier key or a file holding it.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			vkey, err := readKeyArg(key)
			if err != nil {
				return err
			}
			raw, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			v, err := tlog.Verify(raw, vkey)
			if err != nil {
				return withHint(fmt.Errorf("proof does not verify: %w", err), "the bundle, the key or the log do not match")
			}
			e, err := publish.Parse(v.Entry)
			if err != nil {
				return withHint(fmt.Errorf("proof verifies but its entry is not a dossier log entry: %w", err), "see docs/formats/log-entry.md")
			}
			fileOK := ""
			if file != "" {
				sum, err := fileSHA256(file)
				if err != nil {
					return err
				}
				found := false
				for _, f := range e.Files {
					if f.SHA256 == sum {
						found = true
					}
				}
				if !found {
					return withHint(fmt.Errorf("%s (sha256 %s) is not a file this entry published", file, sum),
						"the file was altered, or belongs to another document")
				}
				fileOK = sum
			}
			if jsonOut {
				return writeJSON(a.stdout, map[string]any{"verified": true, "index": v.Index, "log_size": v.Checkpoint.Size,
					"origin": v.Checkpoint.Origin, "entry": e, "file_sha256": fileOK})
			}
			fmt.Fprintf(a.stdout, "OK: entry %d of log %s (size %d)\n", v.Index, safe(v.Checkpoint.Origin), v.Checkpoint.Size)
			fmt.Fprintf(a.stdout, "  %s\n", safe(describeEntry(e)))
			if fileOK != "" {
				fmt.Fprintf(a.stdout, "  %s matches the published file (sha256 %s)\n", safe(file), fileOK)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "a downloaded original to check against the entry")
	cmd.Flags().StringVar(&key, "key", "", "the log's verifier key, or a file holding it")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print as JSON")
	return cmd
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (a *app) logMonitorCmd() *cobra.Command {
	var (
		key, state string
		jsonOut    bool
	)
	cmd := &cobra.Command{
		Use:   "monitor URL|DIR --key VKEY [--state FILE]",
		Short: "Follow a log: verify its new checkpoint is consistent with the last one seen",
		Long: `Monitor reads a published log (the /log/ URL of a public site or mirror, or a log directory),
verifies the checkpoint's signature, proves it consistent with the last checkpoint this
monitor verified (kept in --state), re-hashes every new entry and tile, and only then records
the new checkpoint. Any rewrite of history — a smaller log, another root at the same size, an
inconsistent tree, a damaged tile — fails loudly with a non-zero exit status and leaves the
state untouched. Run it from cron.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			vkey, err := readKeyArg(key)
			if err != nil {
				return err
			}
			loc := args[0]
			if state == "" {
				dir, err := os.UserConfigDir()
				if err != nil {
					return withHint(err, "give --state FILE")
				}
				sum := sha256.Sum256([]byte(loc + "\n" + vkey))
				state = filepath.Join(dir, "dossier", "monitor", hex.EncodeToString(sum[:8])+".checkpoint")
			}
			if err := os.MkdirAll(filepath.Dir(state), 0o700); err != nil {
				return err
			}
			f, err := tlog.NewFetcher(loc, nil)
			if err != nil {
				return err
			}
			res, err := tlog.Monitor(cmd.Context(), f, vkey, state)
			if err != nil {
				if errors.Is(err, tlog.ErrRewritten) {
					return withHint(fmt.Errorf("LOG HISTORY WAS REWRITTEN: %w", err), "keep %s as evidence; the log's operator must explain", state)
				}
				return withHint(err, "the log could not be verified; the last verified state in %s is unchanged", state)
			}
			if jsonOut {
				out := map[string]any{"size": res.Current.Size, "origin": res.Current.Origin, "new_entries": res.Entries, "state": state,
					"checked_at": time.Now().UTC()}
				if res.Previous != nil {
					out["previous_size"] = res.Previous.Size
				}
				return writeJSON(a.stdout, out)
			}
			if res.Previous == nil {
				fmt.Fprintf(a.stdout, "OK: first check of %s: size %d, %d entries verified\n", safe(res.Current.Origin), res.Current.Size, res.Entries)
			} else {
				fmt.Fprintf(a.stdout, "OK: %s grew from %d to %d, consistent; %d new entries verified\n",
					safe(res.Current.Origin), res.Previous.Size, res.Current.Size, res.Entries)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "the log's verifier key, or a file holding it")
	cmd.Flags().StringVar(&state, "state", "", "where the last verified checkpoint is kept (default: in the user config dir)")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print as JSON")
	return cmd
}

// describeEntry says what a log entry records, in one line.
func describeEntry(e *publish.Entry) string {
	when := e.Time.UTC().Format(time.RFC3339)
	if e.Type == publish.TypeWithdraw {
		return fmt.Sprintf("document #%d (%s) withdrawn from release %q at %s: %s", e.Number, e.ID, e.Release, when, e.Reason)
	}
	var files []string
	for _, f := range e.Files {
		files = append(files, fmt.Sprintf("%s %s (%d bytes)", f.Role, f.SHA256, f.Size))
	}
	s := fmt.Sprintf("document #%d (%s) published in release %q at %s: %s", e.Number, e.ID, e.Release, when, strings.Join(files, ", "))
	if e.Commitment != "" {
		s += "; redacted, original committed to as " + e.Commitment
	}
	if e.DKIM != nil {
		s += "; DKIM " + e.DKIM.Verdict
	}
	return s
}

// quietTessera silences Tessera's klog lines ("initialising a new log"):
// dossier reports what matters itself.
func quietTessera() {
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	fs.Set("logtostderr", "false")
	fs.Set("stderrthreshold", "FATAL")
	klog.SetOutput(io.Discard)
}
