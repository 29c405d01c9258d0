package disk_test

import (
	"testing"

	"github.com/newsroom/dossier/internal/blobstore"
	"github.com/newsroom/dossier/internal/blobstore/blobstoretest"
	"github.com/newsroom/dossier/internal/blobstore/disk"
)

func TestConformance(t *testing.T) {
	blobstoretest.Run(t, func(t *testing.T) blobstore.Store {
		s, err := disk.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
