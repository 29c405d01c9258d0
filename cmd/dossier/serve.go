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
		public        bool
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
(--secure-cookies when TLS ends at a proxy). See docs/web.md.

--public serves the public site instead: only published documents (the projection that
'dossier release publish' writes), to anonymous readers, on any address without a token, with
the releases' Atom feed, a sitemap, withdrawal notices, the transparency log under /log/ and a
proof bundle for every document (/doc/N/proof). Nothing unpublished is reachable: not its
text, its existence or a count. Scheduled releases are published when their time comes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if public {
				return a.servePublic(ctx, addr, baseURL)
			}
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
			access := "the reading room (loopback only, no token)"
			if token != "" {
				access = "the reading room (access token required)"
			}
			return serveHTTP(ctx, ln, h, logger, a, access)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on (non-loopback needs $DOSSIER_TOKEN)")
	cmd.Flags().StringVar(&baseURL, "base-url", "", "public address of the site, for absolute links in link previews (default: from the request)")
	cmd.Flags().BoolVar(&secureCookies, "secure-cookies", false, "mark the login cookie Secure even on plain HTTP (TLS ends at a proxy)")
	cmd.Flags().BoolVar(&public, "public", false, "serve the public site: published documents only, to anyone")
	return cmd
}

// publishTick is how often the public server publishes due releases.
const publishTick = 30 * time.Second

// servePublic serves the public projection.
func (a *app) servePublic(ctx context.Context, addr, baseURL string) error {
	ar, err := a.openArchive(ctx, false)
	if err != nil {
		return err
	}
	defer ar.Close()
	logger := slog.New(slog.NewTextHandler(a.stderr, nil))
	// Publish what is due before serving, then on a ticker.
	pub, err := a.openPublishing(ctx, ar, true)
	if err != nil {
		return err
	}
	defer pub.Close()
	due := func() {
		res, err := pub.PublishDue(ctx)
		if err != nil {
			logger.Error("publishing due releases", "err", err)
		}
		for _, r := range res {
			logger.Info("published", "release", r.Release, "documents", r.Documents)
		}
	}
	due()
	go func() {
		t := time.NewTicker(publishTick)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				due()
			}
		}
	}()
	_, vkey, err := ar.ensureLogKey("")
	if err != nil {
		return err
	}
	h, err := web.New(web.Config{Store: websqlite.New(pub.public), Blobs: ar.blobs, Public: true, BaseURL: baseURL,
		LogDir: ar.logDir(), LogKey: vkey, Logger: logger})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return withHint(fmt.Errorf("listen on %s: %w", addr, err), "choose another port with --addr")
	}
	fmt.Fprintf(a.stderr, "dossier: log key %s\n", vkey)
	return serveHTTP(ctx, ln, h, logger, a, "the public site (published documents only)")
}

// serveHTTP serves h on ln until ctx is cancelled (SIGINT, SIGTERM), then
// shuts down gracefully: no new connections, requests in flight finish
// (up to shutdownGrace).
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger, a *app, access string) error {
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
	fmt.Fprintf(a.stderr, "dossier: serving %s at http://%s/; Ctrl-C stops\n", access, ln.Addr())
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
