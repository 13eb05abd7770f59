package installer

import (
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// TestWheelReaderReadAt: reading ahead returns what the file holds, for
// reads inside, across and past the block, and at and past the end, as
// io.ReaderAt requires; after done, reads go to the file.
func TestWheelReaderReadAt(t *testing.T) {
	data := make([]byte, 3*aheadSize+123)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	p := filepath.Join(t.TempDir(), "w.whl")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	r := &wheelReader{f: f, size: int64(len(data)), buf: make([]byte, aheadSize)}
	defer r.Close()
	check := func(off int64, n int) {
		t.Helper()
		got := make([]byte, n)
		m, err := r.ReadAt(got, off)
		want := []byte{}
		if off < int64(len(data)) {
			want = data[off:min(off+int64(n), int64(len(data)))]
		}
		if m != len(want) || !bytes.Equal(got[:m], want) {
			t.Fatalf("ReadAt(%d bytes at %d) = %d bytes, want %d", n, off, m, len(want))
		}
		if (m < n) != (err == io.EOF) || m == n && err != nil {
			t.Fatalf("ReadAt(%d bytes at %d): %d bytes, error %v", n, off, m, err)
		}
	}
	for range 2 {
		for i := 0; i < 2000; i++ {
			off := rng.Int64N(int64(len(data)) + 100)
			check(off, rng.IntN(aheadSize))
		}
		check(0, 30)
		check(int64(len(data))-10, 30)
		check(int64(len(data)), 1)
		check(aheadSize-5, 10) // across a block's end
		r.done()
	}
}
