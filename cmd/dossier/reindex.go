package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/newsroom/dossier/internal/ingest"
)

func (a *app) reindexCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "reindex",
		Short: "Rebuild extracted metadata, text and the search index from the blobs",
		Long: `Reindex re-extracts every recorded document from its original bytes and rebuilds its
fields, text and search index entry, keeping ids and numbers. Use it after an upgrade changes
extraction or analysis. Documents that failed are retried.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ar, err := a.openArchive(ctx, false)
			if err != nil {
				return err
			}
			defer ar.Close()
			if err := ar.lockIngest(); err != nil {
				return err
			}
			pe, _, err := loadPeople(ctx, ar)
			if err != nil {
				return err
			}
			n, err := (&ingest.Ingester{Blobs: ar.blobs, Store: ar.meta, People: pe}).Reindex(ctx, ar.meta)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "reindexed %s documents\n", num(n))
			return nil
		},
	}
	return cmd
}
