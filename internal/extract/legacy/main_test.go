package legacy

import (
	"os"
	"testing"

	"github.com/newsroom/dossier/internal/extract/sandbox"
)

func TestMain(m *testing.M) {
	sandbox.MaybeExec()
	os.Exit(m.Run())
}
