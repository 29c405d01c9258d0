package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsroom/dossier/internal/web"
	"github.com/newsroom/dossier/internal/web/websqlite"
)

func (a *app) serveCmd() *cobra.Command {
	var (
		addr          string
		baseURL       string
		secureCookies bool
	)
	cmd := &cobra.Command{
		Use:   "serve [--addr 127.0.0.1:8080]",
		Short: "Serve the reading room: search and read the archive in a browser, and a JSON API",
		Long: `Serve runs the reading room over the archive: a search page, a page per document
(/doc/N) with its original one click away, threads, collections, and a JSON API under
/api/v1/ (described at /api/v1/openapi.json). It reads the archive while an ingest runs
and shows new documents as they are committed.

The reading room is a private workspace. It listens on loopback by default; to listen on
any other address, set an access token in $DOSSIER_TOKEN (at least 16 characters). Every
request must then present it: the /login form sets a cookie, and API clients send
Authorization: Bearer TOKEN. Put the server behind TLS when others can reach it
(--secure-cookies when TLS ends at a proxy). See docs/web.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			token := os.Getenv("DOSSIER_TOKEN")
			if token != "" && len(token) < web.MinTokenLen {
				return withHint(fmt.Errorf("DOSSIER_TOKEN is too short (%d characters)", len(token)),
					"use at least %d random characters, e.g. DOSSIER_TOKEN=$(openssl rand -hex 24)", web.MinTokenLen)
			}
			loopback, err := web.Loopback(addr)
			if err != nil {
				return withHint(err, "give --addr HOST:PORT, e.g. --addr 127.0.0.1:8080")
			}
			if !loopback && token == "" {
				return withHint(fmt.Errorf("refusing to serve the archive on %s without an access token", addr),
					"set DOSSIER_TOKEN (e.g. DOSSIER_TOKEN=$(openssl rand -hex 24)) or listen on loopback (--addr 127.0.0.1:8080)")
			}
			ar, err := a.openArchive(ctx, false)
			if err != nil {
				return err
			}
			defer ar.Close()
			logger := slog.New(slog.NewTextHandler(a.stderr, nil))
			h, err := web.New(web.Config{Store: websqlite.New(ar.meta), Blobs: ar.blobs, Token: token,
				SecureCookies: secureCookies, BaseURL: baseURL, Logger: logger})
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return withHint(fmt.Errorf("listen on %s: %w", addr, err), "choose another port with --addr")
			}
			return serveHTTP(ctx, ln, h, logger, a, token != "")
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on (non-loopback needs $DOSSIER_TOKEN)")
	cmd.Flags().StringVar(&baseURL, "base-url", "", "public address of the site, for absolute links in link previews (default: from the request)")
	cmd.Flags().BoolVar(&secureCookies, "secure-cookies", false, "mark the login cookie Secure even on plain HTTP (TLS ends at a proxy)")
	return cmd
}

// serveHTTP serves h on ln until ctx is cancelled (SIGINT, SIGTERM), then
// shuts down gracefully: no new connections, requests in flight finish
// (up to shutdownGrace).
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger, a *app, withToken bool) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Minute, // large originals on slow links
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	access := "loopback only, no token"
	if withToken {
		access = "access token required"
	}
	fmt.Fprintf(a.stderr, "dossier: serving the reading room at http://%s/ (%s); Ctrl-C stops\n", ln.Addr(), access)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	fmt.Fprintln(a.stderr, "dossier: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

const shutdownGrace = 10 * time.Second
