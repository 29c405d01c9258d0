package archive

import (
	"errors"
	"slices"
)

// The compression methods of PKZIP 1.x (1989–1993), still found in old
// archives: shrink (method 1, dynamic LZW) and implode (method 6, a
// sliding dictionary with Shannon-Fano coded lengths and distances), as
// APPNOTE.TXT sections 5.1 and 5.3 describe them. Neither format marks its
// end: both decode until the declared size is reached, and no more.

// initialCap is the first allocation for an output declared size bytes
// from n of data: never more than the data can plausibly fill, the rest
// growing as bytes are decoded.
func initialCap(size, n int) int { return min(size, 4*n+4096) }

// bitReader reads the LSB-first bit stream both methods use.
type bitReader struct {
	data []byte
	pos  int    // next byte
	buf  uint64 // pending bits, the next one lowest
	n    uint   // how many are pending
}

var errShortData = errors.New("compressed data ends early")

// bits returns the next n (≤ 32) bits, the first read lowest.
func (r *bitReader) bits(n uint) (uint32, error) {
	for r.n < n {
		if r.pos >= len(r.data) {
			return 0, errShortData
		}
		r.buf |= uint64(r.data[r.pos]) << r.n
		r.pos++
		r.n += 8
	}
	v := uint32(r.buf & (1<<n - 1))
	r.buf >>= n
	r.n -= n
	return v, nil
}

// shannonFano is one of implode's code trees: for each code length, the
// first code of that length and the values it codes, in code order.
type shannonFano struct {
	first  [17]uint32
	values [17][]uint16
}

var errBadTree = errors.New("bad Shannon-Fano tree")

// readTree reads a tree of n values: a byte giving the description's
// length minus one, then bytes holding (count-1)<<4 | (bit length-1) for
// runs of values of equal length.
func readTree(r *bitReader, n int) (*shannonFano, error) {
	size, err := r.bits(8)
	if err != nil {
		return nil, err
	}
	lengths := make([]uint8, 0, n)
	for range size + 1 {
		b, err := r.bits(8)
		if err != nil {
			return nil, err
		}
		for range b>>4 + 1 {
			lengths = append(lengths, uint8(b&15)+1)
		}
	}
	if len(lengths) != n {
		return nil, errBadTree
	}
	// APPNOTE 5.3.6: sort the values by length (stable), then give codes
	// from the longest down, each length's codes counting up.
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return int(lengths[a]) - int(lengths[b]) })
	t := &shannonFano{}
	var code, inc uint32
	last := uint8(0)
	for i := n - 1; i >= 0; i-- {
		code += inc
		if l := lengths[order[i]]; l != last {
			last = l
			inc = 1 << (16 - l)
		}
		if code >= 1<<16 {
			return nil, errBadTree // more codes than lengths allow
		}
		l := lengths[order[i]]
		if len(t.values[l]) == 0 {
			t.first[l] = code >> (16 - l)
		}
		t.values[l] = append(t.values[l], uint16(order[i]))
	}
	return t, nil
}

// decode reads one value: its code's first bit is the stream's next.
func (t *shannonFano) decode(r *bitReader) (int, error) {
	var c uint32
	for l := 1; l <= 16; l++ {
		b, err := r.bits(1)
		if err != nil {
			return 0, err
		}
		c = c<<1 | b
		if k := c - t.first[l]; c >= t.first[l] && int(k) < len(t.values[l]) {
			return int(t.values[l][k]), nil
		}
	}
	return 0, errBadTree
}

// explode decompresses method 6 (implode) data to exactly size bytes.
// flags is the entry's general purpose bit flag: bit 1 an 8 KiB
// dictionary (else 4 KiB), bit 2 a literal tree (else literals are plain
// bytes).
func explode(data []byte, flags uint16, size int) ([]byte, error) {
	r := &bitReader{data: data}
	var lit *shannonFano
	var err error
	minMatch := 2
	if flags&4 != 0 {
		if lit, err = readTree(r, 256); err != nil {
			return nil, err
		}
		minMatch = 3
	}
	lengths, err := readTree(r, 64)
	if err != nil {
		return nil, err
	}
	dists, err := readTree(r, 64)
	if err != nil {
		return nil, err
	}
	lowBits := uint(6)
	if flags&2 != 0 {
		lowBits = 7
	}
	out := make([]byte, 0, initialCap(size, len(data)))
	for len(out) < size {
		isLit, err := r.bits(1)
		if err != nil {
			return nil, err
		}
		if isLit == 1 {
			var c uint32
			if lit != nil {
				v, err := lit.decode(r)
				if err != nil {
					return nil, err
				}
				c = uint32(v)
			} else if c, err = r.bits(8); err != nil {
				return nil, err
			}
			out = append(out, byte(c))
			continue
		}
		low, err := r.bits(lowBits)
		if err != nil {
			return nil, err
		}
		high, err := dists.decode(r)
		if err != nil {
			return nil, err
		}
		dist := int(uint32(high)<<lowBits|low) + 1
		n, err := lengths.decode(r)
		if err != nil {
			return nil, err
		}
		if n == 63 {
			more, err := r.bits(8)
			if err != nil {
				return nil, err
			}
			n += int(more)
		}
		n = min(n+minMatch, size-len(out))
		// Before the start, the dictionary holds zeros.
		for ; n > 0 && dist > len(out); n-- {
			out = append(out, 0)
		}
		from := len(out) - dist
		for i := range n {
			out = append(out, out[from+i])
		}
	}
	return out, nil
}

// unshrink decompresses method 1 (shrink) data to exactly size bytes:
// LZW with codes of 9 to 13 bits, where code 256 followed by 1 widens the
// codes and followed by 2 frees every code that is no other code's prefix.
func unshrink(data []byte, size int) ([]byte, error) {
	const (
		maxBits = 13
		nCodes  = 1 << maxBits
		free    = -1
	)
	r := &bitReader{data: data}
	var prefix [nCodes]int32
	var suffix [nCodes]byte
	for i := range prefix {
		prefix[i] = free
	}
	width := uint(9)
	nextFree := 257
	out := make([]byte, 0, initialCap(size, len(data)))
	stack := make([]byte, 0, 256)
	// expand appends code's string to out and returns its first byte.
	expand := func(code int) (byte, error) {
		stack = stack[:0]
		for code >= 257 {
			if prefix[code] == free || len(stack) >= nCodes {
				return 0, errors.New("shrink: bad code")
			}
			stack = append(stack, suffix[code])
			code = int(prefix[code])
		}
		stack = append(stack, byte(code))
		for i := len(stack) - 1; i >= 0 && len(out) < size; i-- {
			out = append(out, stack[i])
		}
		return byte(code), nil
	}
	c, err := r.bits(width)
	if err != nil {
		return nil, err
	}
	if c > 255 {
		return nil, errors.New("shrink: the first code is not a byte")
	}
	old := int(c)
	out = append(out, byte(c))
	for len(out) < size {
		c, err := r.bits(width)
		if err != nil {
			return nil, err
		}
		code := int(c)
		if code == 256 {
			sub, err := r.bits(width)
			if err != nil {
				return nil, err
			}
			switch sub {
			case 1:
				if width++; width > maxBits {
					return nil, errors.New("shrink: codes wider than 13 bits")
				}
			case 2:
				var isPrefix [nCodes]bool
				for i := 257; i < nCodes; i++ {
					if prefix[i] != free {
						isPrefix[prefix[i]] = true
					}
				}
				for i := 257; i < nCodes; i++ {
					if !isPrefix[i] {
						prefix[i] = free
					}
				}
				nextFree = 257
			default:
				return nil, errors.New("shrink: bad control code")
			}
			continue
		}
		for nextFree < nCodes && prefix[nextFree] != free {
			nextFree++
		}
		var first byte
		if code >= 257 && prefix[code] == free {
			// Not defined yet: the code about to be made (KwKwK), the
			// previous string and its own first byte.
			if code != nextFree {
				return nil, errors.New("shrink: code not yet defined")
			}
			if first, err = expand(old); err != nil {
				return nil, err
			}
			if len(out) < size {
				out = append(out, first)
			}
		} else if first, err = expand(code); err != nil {
			return nil, err
		}
		if nextFree < nCodes {
			prefix[nextFree], suffix[nextFree] = int32(old), first
			nextFree++
		}
		old = code
	}
	return out, nil
}
