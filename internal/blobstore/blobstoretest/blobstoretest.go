// Package blobstoretest is the conformance suite every blob store driver
// must pass.
package blobstoretest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/newsroom/dossier/internal/blob"
	"github.com/newsroom/dossier/internal/blobstore"
)

// Corrupter is implemented by drivers that can damage a stored blob on
// purpose, so the suite can check that damage is detected.
type Corrupter interface {
	Corrupt(ref blob.Ref) error
}

// Run runs the suite against a fresh, empty store from newStore.
func Run(t *testing.T, newStore func(t *testing.T) blobstore.Store) {
	ctx := context.Background()

	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		for _, data := range [][]byte{{}, []byte("x"), bytes.Repeat([]byte("leak\r\n"), 100000)} {
			ref, err := blobstore.Put(ctx, s, data)
			if err != nil {
				t.Fatal(err)
			}
			got, err := blobstore.Get(ctx, s, ref)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("round trip of %d bytes returned %d different bytes", len(data), len(got))
			}
			size, err := s.Stat(ctx, ref)
			if err != nil || size != int64(len(data)) {
				t.Fatalf("stat = %d, %v; want %d", size, err, len(data))
			}
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		ref := blob.Of([]byte("absent"))
		if _, err := s.Stat(ctx, ref); !errors.Is(err, blobstore.ErrNotFound) {
			t.Fatalf("stat of absent blob: %v, want ErrNotFound", err)
		}
		if _, err := blobstore.Get(ctx, s, ref); !errors.Is(err, blobstore.ErrNotFound) {
			t.Fatalf("get of absent blob: %v, want ErrNotFound", err)
		}
	})

	t.Run("WrongHashRejected", func(t *testing.T) {
		s := newStore(t)
		ref := blob.Of([]byte("what was promised"))
		_, err := blobstore.Receive(ctx, s, ref, strings.NewReader("what was sent"))
		if !errors.Is(err, blob.ErrCorrupt) {
			t.Fatalf("receive with wrong hash: %v, want ErrCorrupt", err)
		}
		if _, err := s.Stat(ctx, ref); !errors.Is(err, blobstore.ErrNotFound) {
			t.Fatalf("blob with wrong hash became visible: %v", err)
		}
		n := 0
		s.Enumerate(ctx, func(blob.Ref, int64) error { n++; return nil })
		if n != 0 {
			t.Fatalf("store lists %d blobs after a rejected receive", n)
		}
	})

	t.Run("Idempotent", func(t *testing.T) {
		s := newStore(t)
		for i := 0; i < 3; i++ {
			if _, err := blobstore.Put(ctx, s, []byte("same")); err != nil {
				t.Fatal(err)
			}
		}
		n := 0
		s.Enumerate(ctx, func(blob.Ref, int64) error { n++; return nil })
		if n != 1 {
			t.Fatalf("enumerate lists %d blobs, want 1", n)
		}
	})

	t.Run("ConcurrentAndEnumerate", func(t *testing.T) {
		s := newStore(t)
		want := map[blob.Ref]int64{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := 0; i < 64; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				data := []byte(fmt.Sprintf("blob %d", i%40)) // some collide on purpose
				ref, err := blobstore.Put(ctx, s, data)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				want[ref] = int64(len(data))
				mu.Unlock()
			}(i)
		}
		wg.Wait()
		got := map[blob.Ref]int64{}
		if err := s.Enumerate(ctx, func(r blob.Ref, n int64) error { got[r] = n; return nil }); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("enumerate lists %d blobs, want %d", len(got), len(want))
		}
		for r, n := range want {
			if got[r] != n {
				t.Fatalf("blob %s size %d, want %d", r, got[r], n)
			}
		}
		if err := s.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("CorruptionDetected", func(t *testing.T) {
		s := newStore(t)
		c, ok := s.(Corrupter)
		if !ok {
			t.Skip("driver cannot corrupt blobs on purpose")
		}
		data := []byte("original bytes of a leaked message")
		ref, err := blobstore.Put(ctx, s, data)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Corrupt(ref); err != nil {
			t.Fatal(err)
		}
		if _, err := blobstore.Get(ctx, s, ref); !errors.Is(err, blob.ErrCorrupt) {
			t.Fatalf("get of corrupted blob: %v, want ErrCorrupt", err)
		}
		var out bytes.Buffer
		if _, err := blobstore.Copy(ctx, &out, s, ref); !errors.Is(err, blob.ErrCorrupt) || out.Len() != 0 {
			t.Fatalf("copy of corrupted blob wrote %d bytes, err %v", out.Len(), err)
		}
		if err := blobstore.Check(ctx, s, ref); !errors.Is(err, blob.ErrCorrupt) {
			t.Fatalf("check of corrupted blob: %v", err)
		}
	})
}
