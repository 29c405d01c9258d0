package disk_test

import (
	"os"
	"path/filepath"
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

func TestConformanceRenameFallback(t *testing.T) {
	blobstoretest.Run(t, func(t *testing.T) blobstore.Store {
		dir := t.TempDir()
		s, err := disk.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		s.ForceRename()
		t.Cleanup(func() {
			ents, _ := os.ReadDir(filepath.Join(dir, "tmp"))
			if len(ents) != 0 {
				t.Errorf("%d temporary files left behind", len(ents))
			}
		})
		return s
	})
}
