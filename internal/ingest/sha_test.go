package ingest_test

import "github.com/newsroom/dossier/internal/blob"

func sha(b []byte) string { return blob.Of(b).String() }
