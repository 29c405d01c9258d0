package tlog_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/newsroom/dossier/internal/tlog"
)

// Publishing entries and proving one of them to an offline verifier.
func Example() {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "tlog-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)

	skey, vkey, err := tlog.GenerateKey("dossier.example/log")
	if err != nil {
		log.Fatal(err)
	}
	l, err := tlog.Open(ctx, filepath.Join(tmp, "log"), skey)
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()

	idx, err := l.Append(ctx, [][]byte{[]byte("document 1"), []byte("document 2")})
	if err != nil {
		log.Fatal(err)
	}
	b, err := l.Prove(ctx, idx[1])
	if err != nil {
		log.Fatal(err)
	}
	text, err := b.MarshalText() // what the reader downloads
	if err != nil {
		log.Fatal(err)
	}

	// Offline, with only the verifier key:
	v, err := tlog.Verify(text, vkey)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%q is entry %d of %s (size %d)\n", v.Entry, v.Index, v.Checkpoint.Origin, v.Checkpoint.Size)
	// Output: "document 2" is entry 1 of dossier.example/log (size 2)
}
