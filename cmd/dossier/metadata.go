package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/newsroom/dossier/internal/meta/sqlite"
)

func metadataFields() map[string]string { return sqlite.MetadataFields }

func (a *app) metadataCmd() *cobra.Command {
	var (
		field, collection string
		jsonOut           bool
		limit             int
	)
	cmd := &cobra.Command{
		Use:   "metadata --field FIELD [--collection NAME] [--json]",
		Short: "Cluster documents by a metadata value: who wrote, edited or produced them",
		Long: `Metadata counts the indexed documents (email excluded) by the value of one metadata field,
most frequent first, with example document numbers: "9 files last modified by the same unknown
editor". Fields: ` + strings.Join(slices.Sorted(maps.Keys(metadataFields())), ", ") + `.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if _, ok := metadataFields()[field]; !ok {
				return withHint(fmt.Errorf("unknown field %q", field), "use one of %s", strings.Join(slices.Sorted(maps.Keys(metadataFields())), ", "))
			}
			ar, err := a.openArchive(ctx, false)
			if err != nil {
				return err
			}
			defer ar.Close()
			vals, err := ar.meta.MetadataValues(ctx, field, collection)
			if err != nil {
				return err
			}
			if limit > 0 && len(vals) > limit {
				vals = vals[:limit]
			}
			if jsonOut {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(vals)
			}
			if len(vals) == 0 {
				fmt.Fprintf(a.stdout, "no document records a %s\n", field)
				return nil
			}
			for _, v := range vals {
				ex := make([]string, len(v.Examples))
				for i, n := range v.Examples {
					ex[i] = fmt.Sprintf("#%d", n)
				}
				fmt.Fprintf(a.stdout, "%7d  %s   (%s)\n", v.Documents, safe(v.Value), strings.Join(ex, " "))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&field, "field", "author", "metadata field to cluster by")
	cmd.Flags().StringVar(&collection, "collection", "", "only this collection")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	cmd.Flags().IntVar(&limit, "limit", 50, "most values shown (0: all)")
	return cmd
}
