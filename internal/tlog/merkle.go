package tlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/bits"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api/layout"
)

var hasher = rfc6962.DefaultHasher

// consistencyRoots recomputes, from a consistency proof between trees of
// sizes 0 < m < n, both the root of tree m and the root of tree n.
// Computing them separately (proof.VerifyConsistency only says "mismatch")
// tells a rewrite from damage: if the proof yields the signed root of n, its
// hashes are authentic nodes of tree n, and a wrong root for m then proves
// that tree n does not contain tree m.
//
// When m is a power of two the proof omits the root of tree m, which is
// also the seed of the computation; seed supplies it (read from the tiles of
// tree n, so that it too is authenticated by the root of n).
// The chain functions follow RFC 9162 section 2.1.4.2 and
// github.com/transparency-dev/merkle/proof.
func consistencyRoots(m, n uint64, seed []byte, p [][]byte) (rootM, rootN []byte, err error) {
	if m == 0 || m >= n {
		return nil, nil, fmt.Errorf("consistency between sizes %d and %d", m, n)
	}
	inner := bits.Len64((m - 1) ^ (n - 1))
	border := bits.OnesCount64((m - 1) >> uint(inner))
	shift := bits.TrailingZeros64(m)
	inner -= shift
	start := 0
	if m != 1<<uint(shift) {
		if len(p) == 0 {
			return nil, nil, errors.New("empty consistency proof")
		}
		seed, start = p[0], 1
	}
	if got, want := len(p), start+inner+border; got != want {
		return nil, nil, fmt.Errorf("consistency proof has %d hashes, want %d", got, want)
	}
	p = p[start:]
	mask := (m - 1) >> uint(shift)
	rootM, rootN = seed, seed
	for i, h := range p[:inner] {
		if (mask>>uint(i))&1 == 1 {
			rootM = hasher.HashChildren(h, rootM)
			rootN = hasher.HashChildren(h, rootN)
		} else {
			rootN = hasher.HashChildren(rootN, h)
		}
	}
	for _, h := range p[inner:] {
		rootM = hasher.HashChildren(h, rootM)
		rootN = hasher.HashChildren(h, rootN)
	}
	return rootM, rootN, nil
}

// rootOf returns the root of a compact range starting at 0.
func rootOf(r *compact.Range) []byte {
	if r.End() == 0 {
		return hasher.EmptyRoot()
	}
	root, _ := r.GetRootHash(nil) // cannot fail: r begins at 0
	return root
}

// tileNodes reads Merkle tree nodes of a tree of a given size from its
// tiles, keeping the most recent tile of each level.
type tileNodes struct {
	f     Fetcher
	size  uint64
	tiles map[uint64]cachedTile // by tile level
}

type cachedTile struct {
	index uint64
	data  []byte
}

func newTileNodes(f Fetcher, size uint64) *tileNodes {
	return &tileNodes{f: f, size: size, tiles: map[uint64]cachedTile{}}
}

// tile returns the tile (level, index) of the tree.
func (t *tileNodes) tile(ctx context.Context, level, index uint64) ([]byte, error) {
	if c, ok := t.tiles[level]; ok && c.index == index {
		return c.data, nil
	}
	data, err := t.f.ReadTile(ctx, level, index, layout.PartialTileSize(level, index, t.size))
	if err != nil {
		return nil, err // names the file or URL
	}
	t.tiles[level] = cachedTile{index: index, data: data}
	return data, nil
}

// node returns the hash of the complete node id, recomputing the levels
// that tiles do not store.
func (t *tileNodes) node(ctx context.Context, id compact.NodeID) ([]byte, error) {
	tl, ti, nl, ni := layout.NodeCoordsToTileAddress(uint64(id.Level), id.Index)
	data, err := t.tile(ctx, tl, ti)
	if err != nil {
		return nil, err
	}
	first, n := int(ni)<<nl, 1<<nl
	if (first+n)*hashSize > len(data) {
		return nil, corrupt("tile %s holds %d hashes, node %d/%d needs %d", layout.TilePath(tl, ti, 0), len(data)/hashSize, id.Level, id.Index, first+n)
	}
	level := make([][]byte, n)
	for i := range level {
		level[i] = data[(first+i)*hashSize : (first+i+1)*hashSize]
	}
	for len(level) > 1 {
		for i := 0; i < len(level)/2; i++ {
			level[i] = hasher.HashChildren(level[2*i], level[2*i+1])
		}
		level = level[:len(level)/2]
	}
	return level[0], nil
}

// rangeOf returns the compact range [0, size) read from the tiles.
func (t *tileNodes) rangeOf(ctx context.Context, size uint64) (*compact.Range, error) {
	ids := compact.RangeNodes(0, size, nil)
	hashes := make([][]byte, len(ids))
	for i, id := range ids {
		h, err := t.node(ctx, id)
		if err != nil {
			return nil, err
		}
		hashes[i] = h
	}
	rf := &compact.RangeFactory{Hash: hasher.HashChildren}
	return rf.NewRange(0, size, hashes)
}

// check compares a node computed from entries with the hash its tile
// stores, for nodes on tile levels (0, 8, 16, ...). Other nodes are not
// stored and pass.
func (t *tileNodes) check(ctx context.Context, id compact.NodeID, hash []byte) error {
	if id.Level%layout.TileHeight != 0 {
		return nil
	}
	tl, ti := uint64(id.Level/layout.TileHeight), id.Index/layout.TileWidth
	data, err := t.tile(ctx, tl, ti)
	if err != nil {
		return err
	}
	pos := int(id.Index % layout.TileWidth)
	if (pos+1)*hashSize > len(data) {
		return corrupt("tile %s holds %d hashes, want at least %d", layout.TilePath(tl, ti, 0), len(data)/hashSize, pos+1)
	}
	if !bytes.Equal(data[pos*hashSize:(pos+1)*hashSize], hash) {
		if id.Level == 0 {
			return corrupt("tile %s: hash %d (entry %d) does not match the entries", layout.TilePath(tl, ti, layout.PartialTileSize(tl, ti, t.size)), pos, id.Index)
		}
		return corrupt("tile %s: hash %d does not match the entries", layout.TilePath(tl, ti, layout.PartialTileSize(tl, ti, t.size)), pos)
	}
	return nil
}
