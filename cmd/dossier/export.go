package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/newsroom/dossier/internal/blob"
	"github.com/newsroom/dossier/internal/blobstore"
	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/publish"
	"github.com/newsroom/dossier/internal/web"
	"github.com/newsroom/dossier/internal/web/websqlite"
)

func (a *app) exportSiteCmd() *cobra.Command {
	var (
		release string
		baseURL string
	)
	cmd := &cobra.Command{
		Use:   "export-site DIR [--release NAME]",
		Short: "Write the public site as static files anyone can host: pages, originals, the log, proofs, a bulk download",
		Long: `Export-site writes a self-contained static copy of the public site into DIR (which must be
empty or not exist): every published document's page, its raw original and its proof bundle,
the releases page, feed and sitemap, the transparency log (checkpoint and tiles, under log/),
and a bulk download (download/originals/ with download/MANIFEST.sha256, one "HEX  PATH" line
per file as sha256sum writes it). The manifest is itself appended to the transparency log; its
proof is download/MANIFEST.sha256.proof.

Any static web server serves DIR at the root of a domain; it works without dossier, search
excepted. 'dossier log verify-proof' and 'dossier log monitor DIR/log' check it the same.
--release NAME exports one release's documents only: links to other published documents
point to the live site given by --base-url, or are unlinked without it.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			dir := args[0]
			if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
				return withHint(fmt.Errorf("%s is not empty", dir), "export into a new directory; nothing was written")
			}
			ar, err := a.openArchive(ctx, false)
			if err != nil {
				return err
			}
			defer ar.Close()
			pub, err := a.openPublishing(ctx, ar, true)
			if err != nil {
				return err
			}
			defer pub.Close()
			_, vkey, err := ar.ensureLogKey("")
			if err != nil {
				return err
			}
			docs, err := exportedDocs(ctx, pub, release)
			if err != nil {
				return err
			}
			if len(docs) == 0 {
				return withHint(errors.New("nothing is published"), "'dossier release publish NAME' first")
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			h, err := web.New(web.Config{Store: websqlite.New(pub.public), Blobs: ar.blobs, Public: true, Static: true,
				BaseURL: baseURL, LogDir: ar.logDir(), LogKey: vkey})
			if err != nil {
				return err
			}
			opts := web.ExportOptions{}
			if release != "" {
				opts.Start = []string{"/release/" + release}
				for _, d := range docs {
					opts.Start = append(opts.Start, "/doc/"+strconv.FormatInt(d.Num, 10))
				}
				allowed := map[string]bool{}
				for _, d := range docs {
					allowed[strconv.FormatInt(d.Num, 10)] = true
				}
				opts.Allow = func(p string) bool {
					if rest, ok := strings.CutPrefix(p, "/doc/"); ok {
						n, _, _ := strings.Cut(rest, "/")
						return allowed[n]
					}
					return true
				}
			}
			res, err := web.ExportSite(ctx, h, dir, opts)
			if err != nil {
				return fmt.Errorf("export site: %w", err)
			}
			man, err := writeBulkDownload(ctx, ar, docs, filepath.Join(dir, "download"))
			if err != nil {
				return fmt.Errorf("bulk download: %w", err)
			}
			idx, err := logManifest(ctx, pub, release, man, filepath.Join(dir, "download", "MANIFEST.sha256.proof"))
			if err != nil {
				return fmt.Errorf("log the manifest: %w", err)
			}
			if err := copyLog(ar.logDir(), filepath.Join(dir, "log")); err != nil {
				return fmt.Errorf("copy the log: %w", err)
			}
			if err := os.WriteFile(filepath.Join(dir, "log", "key.txt"), []byte(vkey+"\n"), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "exported %d pages and files, %d originals in the bulk download (manifest: log entry %d) to %s\n",
				len(res.Files), len(docs), idx, dir)
			fmt.Fprintf(a.stdout, "verify with: dossier log monitor %s --key %s\n", filepath.Join(dir, "log"), vkey)
			return nil
		},
	}
	cmd.Flags().StringVar(&release, "release", "", "export one release only")
	cmd.Flags().StringVar(&baseURL, "base-url", "", "where the mirror will be served, for absolute links in link previews")
	return cmd
}

// exportedDocs lists the documents public now (of one release, if given).
func exportedDocs(ctx context.Context, pub *publishing, release string) ([]*meta.Document, error) {
	var nums map[int64]bool
	if release != "" {
		if _, err := pub.Store.Release(ctx, release); err != nil {
			return nil, releaseError(err)
		}
		pubs, err := pub.Store.Publications(ctx, publish.PublicationFilter{Release: release, Live: true})
		if err != nil {
			return nil, err
		}
		nums = map[int64]bool{}
		for _, p := range pubs {
			nums[p.Num] = true
		}
	}
	var out []*meta.Document
	err := pub.public.Documents(ctx, func(d *meta.Document) error {
		if nums == nil || nums[d.Num] {
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

// downloadName is a safe file name for an original in the bulk download:
// its number, and its own name reduced to letters, digits, '.', '-', '_'.
func downloadName(d *meta.Document) string {
	name := d.Filename
	if name == "" && d.Kind == "email" {
		name = "message.eml"
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, name)
	name = strings.TrimLeft(name, ".")
	if len(name) > 100 {
		name = name[len(name)-100:]
	}
	if name == "" {
		name = "original"
	}
	return filepath.Join("originals", strconv.FormatInt(d.Num, 10), name)
}

// writeBulkDownload writes every original (verified on the way out of the
// blob store) and MANIFEST.sha256; it returns the manifest's path.
func writeBulkDownload(ctx context.Context, ar *archive, docs []*meta.Document, dir string) (string, error) {
	var lines []string
	for _, d := range docs {
		ref, err := blob.Parse(d.SHA256)
		if err != nil {
			return "", err
		}
		rel := downloadName(d)
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		f, err := os.Create(p)
		if err != nil {
			return "", err
		}
		if _, err := blobstore.Copy(ctx, f, ar.blobs, ref); err != nil {
			f.Close()
			return "", fmt.Errorf("document %d: %w", d.Num, err)
		}
		if err := f.Close(); err != nil {
			return "", err
		}
		lines = append(lines, d.SHA256+"  "+filepath.ToSlash(rel))
	}
	sort.Strings(lines)
	man := filepath.Join(dir, "MANIFEST.sha256")
	return man, os.WriteFile(man, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}

// logManifest appends a manifest entry for the file at path and writes its
// proof bundle to proofPath.
func logManifest(ctx context.Context, pub *publishing, release, path, proofPath string) (uint64, error) {
	sum, err := fileSHA256(path)
	if err != nil {
		return 0, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	entry, err := publish.Marshal(&publish.Entry{Type: publish.TypeManifest, Release: release, Time: time.Now().UTC(),
		Files: []publish.File{{Role: publish.FileManifest, SHA256: sum, Size: fi.Size()}}})
	if err != nil {
		return 0, err
	}
	idx, err := pub.log.Append(ctx, [][]byte{entry})
	if err != nil {
		return 0, err
	}
	b, err := pub.log.Prove(ctx, idx[0])
	if err != nil {
		return 0, err
	}
	raw, err := b.MarshalText()
	if err != nil {
		return 0, err
	}
	return idx[0], os.WriteFile(proofPath, raw, 0o644)
}

// copyLog copies the log's public files (the checkpoint and the tiles,
// entry bundles included) and nothing else (Tessera's state stays).
func copyLog(src, dst string) error {
	copyFile := func(from, to string) error {
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		in, err := os.Open(from)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(to)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	}
	if err := copyFile(filepath.Join(src, "checkpoint"), filepath.Join(dst, "checkpoint")); err != nil {
		return err
	}
	return filepath.WalkDir(filepath.Join(src, "tile"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !d.Type().IsRegular() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		return copyFile(p, filepath.Join(dst, rel))
	})
}
