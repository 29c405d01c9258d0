package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// cliError is an error with a hint that tells the user what to do next.
type cliError struct {
	err  error
	hint string
}

func (e *cliError) Error() string { return e.err.Error() }
func (e *cliError) Unwrap() error { return e.err }

func withHint(err error, format string, args ...any) error {
	return &cliError{err: err, hint: fmt.Sprintf(format, args...)}
}

// app holds what every command shares.
type app struct {
	archiveDir string
	stdout     io.Writer
	stderr     io.Writer
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "dossier",
		Short: "dossier is a leak archive: ingest, keep, verify, search and publish leaked documents",
		Long: `dossier takes in a leaked email collection (Maildir, mbox, .eml files, any directory tree),
keeps every original byte for byte in a content-addressed store, accounts for every file in a
ledger, and answers full-text searches in French and English.

The archive is a directory (--archive, or $DOSSIER_ARCHIVE, default ` + defaultArchiveHint() + `).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&a.archiveDir, "archive", "", "archive directory (default $DOSSIER_ARCHIVE or "+defaultArchiveHint()+")")
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetArgs(args)
	root.AddCommand(
		a.ingestCmd(), a.searchCmd(), a.showCmd(), a.catCmd(), a.statsCmd(), a.ledgerCmd(),
		a.reindexCmd(), a.fsckCmd(), a.generateCmd(), a.demoCmd(), a.serveCmd(),
	)
	root.AddCommand(a.keysCmd(), a.verifyCmd(), a.metadataCmd())
	root.AddCommand(a.watchCmd(), a.peopleCmd(), a.personCmd(), a.batchSearchCmd(), a.correspondentsCmd())
	root.AddCommand(a.logCmd(), a.releaseCmd(), a.exportSiteCmd())
	root.CompletionOptions.DisableDefaultCmd = true
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var exit *exitError
	if errors.As(err, &exit) {
		return exit.code
	}
	msg := err.Error()
	fmt.Fprintf(stderr, "dossier: %s\n", strings.TrimPrefix(msg, "dossier: "))
	var ce *cliError
	if errors.As(err, &ce) && ce.hint != "" {
		fmt.Fprintf(stderr, "hint: %s\n", ce.hint)
	} else if strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "unknown flag") ||
		strings.Contains(msg, "accepts") || strings.Contains(msg, "requires") {
		fmt.Fprintf(stderr, "hint: run 'dossier --help' or 'dossier COMMAND --help'\n")
	}
	return 1
}

// exitError ends the program with a status and no further message (the
// command has printed what it had to say).
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func defaultArchiveHint() string {
	return "~/.local/share/dossier"
}

// resolveArchiveDir applies --archive, $DOSSIER_ARCHIVE and the default.
func (a *app) resolveArchiveDir() (string, error) {
	if a.archiveDir != "" {
		return a.archiveDir, nil
	}
	if d := os.Getenv("DOSSIER_ARCHIVE"); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return d + "/dossier", nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", withHint(err, "give the archive with --archive DIR")
	}
	return home + "/.local/share/dossier", nil
}
