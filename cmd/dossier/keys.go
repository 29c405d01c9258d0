package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsroom/dossier/internal/dkim"
)

func (a *app) keysCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "The key archive: DKIM public keys that verification uses",
		Long: `Verification never touches the network: DKIM keys come only from the archive's key archive
(and from --keys files given to 'dossier verify'). Each key observation keeps the record as
published, its source, and when it was first and last seen. The same record from two sources
is two observations; they are never merged.

Keys rotate: an old leak's keys are usually gone from DNS. Import archived records (zone files,
the zk-email DKIM archive's JSON) before verifying old mail; 'dossier verify --all' then
updates every message's verdict.`,
	}
	cmd.AddCommand(a.keysImportCmd(), a.keysListCmd(), a.keysFetchCmd())
	return cmd
}

func (a *app) keysImportCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "import [--format zone|zk-email] FILE...",
		Short: "Import key records from zone files or zk-email archive JSON",
		Long: `Import reads DKIM key records into the key archive:

  zone      zone-file lines: selector._domainkey.domain. [TTL] [IN] TXT "v=DKIM1; ..." "..."
            (quoted strings are concatenated, as in DNS)
  zk-email  a JSON array as the zk-email DKIM archive serves it:
            [{"domain", "selector", "value", "firstSeenAt", "lastSeenAt"}, ...]

The format is detected from the content unless --format is given. Each file's observations
get the source "zone:NAME" or "zk-email:NAME" (NAME: the file's base name). Importing the same
file again changes nothing but widens first/last seen dates.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var all []dkim.Key
			for _, f := range args {
				keys, err := readKeyFile(f, format)
				if err != nil {
					return err
				}
				all = append(all, keys...)
			}
			ar, err := a.openArchive(ctx, true)
			if err != nil {
				return err
			}
			defer ar.Close()
			added, err := ar.meta.PutKeys(ctx, all)
			if err != nil {
				return err
			}
			bad := 0
			for _, k := range all {
				if k.Problem != "" {
					bad++
					fmt.Fprintf(a.stderr, "warning: %s._domainkey.%s (%s): %s\n", safe(k.Selector), safe(k.Domain), k.Source, k.Problem)
				}
			}
			fmt.Fprintf(a.stdout, "%d key records read, %d new observations", len(all), added)
			if bad > 0 {
				fmt.Fprintf(a.stdout, ", %d unusable (kept as published)", bad)
			}
			fmt.Fprintln(a.stdout)
			fmt.Fprintln(a.stdout, "run 'dossier verify --all' to re-verify the archive's messages with them")
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "zone or zk-email (default: detect)")
	return cmd
}

// readKeyFile reads key observations from a zone file or zk-email JSON,
// each with its parsed key (or the problem that prevents parsing).
func readKeyFile(path, format string) ([]dkim.Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, withHint(fmt.Errorf("cannot read %s: %v", path, errors.Unwrap(err)), "check the path")
	}
	name := filepath.Base(path)
	if format == "" {
		format = "zone"
		if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '[' {
			format = "zk-email"
		}
	}
	var keys []dkim.Key
	switch format {
	case "zone":
		keys, _, err = dkim.ParseZone(bytes.NewReader(b), "zone:"+name)
	case "zk-email":
		keys, err = dkim.ParseZKEmailJSON(bytes.NewReader(b), "zk-email:"+name)
	default:
		return nil, withHint(fmt.Errorf("unknown key file format %q", format), "use --format zone or --format zk-email")
	}
	if err != nil {
		return nil, withHint(fmt.Errorf("%s: %w", path, err), "a zone file has lines like: sel._domainkey.example.com. IN TXT \"v=DKIM1; k=rsa; p=...\"")
	}
	for i := range keys {
		describeKey(&keys[i])
	}
	return keys, nil
}

// describeKey fills in the parsed key's type, size and fingerprint.
func describeKey(k *dkim.Key) {
	rec, err := dkim.ParseKeyRecord(k.Record)
	if err != nil {
		k.Problem = err.Error()
		return
	}
	k.Type, k.Bits, k.Fingerprint = rec.Type, rec.Bits, rec.Fingerprint
	if rec.Revoked {
		k.Problem = "revoked (empty p=)"
	}
}

func (a *app) keysListCmd() *cobra.Command {
	var (
		jsonOut bool
		domain  string
	)
	cmd := &cobra.Command{
		Use:   "list [--domain DOMAIN] [--json]",
		Short: "List the key archive's observations",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
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
			domain = strings.TrimSuffix(strings.ToLower(domain), ".")
			if jsonOut {
				enc := json.NewEncoder(a.stdout)
				for _, k := range keys {
					if domain == "" || k.Domain == domain {
						if err := enc.Encode(k); err != nil {
							return err
						}
					}
				}
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "DOMAIN\tSELECTOR\tKEY\tSOURCE\tFIRST SEEN\tLAST SEEN\tFINGERPRINT")
			n := 0
			for _, k := range keys {
				if domain != "" && k.Domain != domain {
					continue
				}
				n++
				key := k.Type
				if k.Bits > 0 {
					key = fmt.Sprintf("%s-%d", k.Type, k.Bits)
				}
				if k.Problem != "" {
					key = "unusable: " + k.Problem
				}
				fp := k.Fingerprint
				if len(fp) > 16 {
					fp = fp[:16]
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", safe(k.Domain), safe(k.Selector), safe(key), safe(k.Source),
					dateOrDash(k.FirstSeen), dateOrDash(k.LastSeen), fp)
			}
			tw.Flush()
			if n == 0 {
				fmt.Fprintln(a.stderr, "no keys; import some with 'dossier keys import FILE' or 'dossier keys fetch DOMAIN SELECTOR'")
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print JSON Lines, one observation per line")
	cmd.Flags().StringVar(&domain, "domain", "", "only this signing domain")
	return cmd
}

func dateOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02")
}

func (a *app) keysFetchCmd() *cobra.Command {
	var resolver string
	cmd := &cobra.Command{
		Use:   "fetch [--resolver HOST:PORT] DOMAIN SELECTOR",
		Short: "Look up a key in live DNS now and record the observation",
		Long: `Fetch asks DNS for SELECTOR._domainkey.DOMAIN now and records what it finds as an
observation with the source "dns" and today's date. This is the only command that uses the
network for keys; verification itself never does. --resolver sends the query to one DNS
server instead of the system's resolvers.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			domain := strings.TrimSuffix(strings.ToLower(args[0]), ".")
			sel := strings.ToLower(args[1])
			name := sel + "._domainkey." + domain
			keys, err := fetchKeys(ctx, resolver, domain, sel)
			if err != nil {
				return withHint(fmt.Errorf("look up %s: %w", name, err), "check the domain and selector (the DKIM-Signature's d= and s=)")
			}
			ar, err := a.openArchive(ctx, true)
			if err != nil {
				return err
			}
			defer ar.Close()
			added, err := ar.meta.PutKeys(ctx, keys)
			if err != nil {
				return err
			}
			for _, k := range keys {
				desc := fmt.Sprintf("%s-%d", k.Type, k.Bits)
				if k.Problem != "" {
					desc = "unusable: " + k.Problem
				}
				fmt.Fprintf(a.stdout, "%s: %s\n", safe(name), safe(desc))
			}
			fmt.Fprintf(a.stdout, "%d records, %d new observations\n", len(keys), added)
			return nil
		},
	}
	cmd.Flags().StringVar(&resolver, "resolver", "", "DNS server to ask (HOST:PORT); default: the system's")
	return cmd
}

// fetchKeys looks up selector._domainkey.domain in DNS. Every TXT record
// found is an observation (a name may publish several).
func fetchKeys(ctx context.Context, resolver, domain, sel string) ([]dkim.Key, error) {
	r := net.DefaultResolver
	if resolver != "" {
		r = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, resolver)
		}}
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	txts, err := r.LookupTXT(ctx, sel+"._domainkey."+domain)
	if err != nil {
		var de *net.DNSError
		if errors.As(err, &de) && de.IsNotFound {
			return nil, errors.New("no such record (NXDOMAIN): the key is not published, perhaps rotated away")
		}
		return nil, err
	}
	now := time.Now().UTC()
	var keys []dkim.Key
	for _, t := range txts {
		k := dkim.Key{Domain: domain, Selector: sel, Record: t, Source: "dns", FirstSeen: now, LastSeen: now}
		describeKey(&k)
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("no TXT record")
	}
	return keys, nil
}

// keysFromFiles reads --keys files for a one-off verification.
func keysFromFiles(paths []string) ([]dkim.Key, map[string]bool, error) {
	var all []dkim.Key
	temp := map[string]bool{}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, nil, withHint(fmt.Errorf("cannot read %s: %v", p, errors.Unwrap(err)), "check the --keys path")
		}
		br := bufio.NewReader(f)
		head, _ := br.Peek(512)
		var keys []dkim.Key
		var t map[string]bool
		if h := bytes.TrimSpace(head); len(h) > 0 && h[0] == '[' {
			keys, err = dkim.ParseZKEmailJSON(br, "file:"+filepath.Base(p))
		} else {
			keys, t, err = dkim.ParseZone(br, "file:"+filepath.Base(p))
		}
		f.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", p, err)
		}
		all = append(all, keys...)
		for n := range t {
			temp[n] = true
		}
	}
	return all, temp, nil
}
