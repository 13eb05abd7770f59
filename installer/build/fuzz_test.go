package build

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzUnpack: whatever a tar archive holds, unpack writes nothing outside
// its destination, and every symbolic link it leaves resolves inside.
// Each input creates files, so executions are slow: run it with a short
// -fuzzminimizetime.
func FuzzUnpack(f *testing.F) {
	seed := func(entries []tarEntry) {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, e := range entries {
			h := &tar.Header{Name: e.Name, Typeflag: e.Type, Linkname: e.Linkname, Mode: 0o644}
			if h.Typeflag == 0 {
				h.Typeflag = tar.TypeReg
				h.Size = int64(len(e.Data))
			}
			tw.WriteHeader(h)
			if h.Typeflag == tar.TypeReg {
				tw.Write([]byte(e.Data))
			}
		}
		tw.Close()
		f.Add(buf.Bytes())
	}
	seed([]tarEntry{{Name: "p-1/", Type: tar.TypeDir}, {Name: "p-1/a.py", Data: "x"}})
	seed([]tarEntry{{Name: "p-1/l", Type: tar.TypeSymlink, Linkname: "../.."}, {Name: "p-1/a", Data: "x"}})
	seed([]tarEntry{{Name: "p-1/d", Type: tar.TypeSymlink, Linkname: "."}, {Name: "p-1/e", Type: tar.TypeSymlink, Linkname: "d/../x"}})
	seed([]tarEntry{{Name: "p-1/a", Data: "x"}, {Name: "p-1/h", Type: tar.TypeLink, Linkname: "p-1/a"}})
	seed([]tarEntry{{Name: "p-1/d/", Type: tar.TypeDir}, {Name: "p-1/d", Type: tar.TypeSymlink, Linkname: "/"}})

	f.Fuzz(func(t *testing.T, data []byte) {
		sandbox := t.TempDir()
		archive := filepath.Join(sandbox, "a.tar")
		if err := os.WriteFile(archive, data, 0o644); err != nil {
			t.Fatal(err)
		}
		dest := filepath.Join(sandbox, "dest")
		if err := os.Mkdir(dest, 0o755); err != nil {
			t.Fatal(err)
		}
		err := unpack(archive, dest, Limits{MaxFiles: 200, MaxTotalSize: 1 << 20})
		entries, _ := os.ReadDir(sandbox)
		for _, e := range entries {
			if e.Name() != "a.tar" && e.Name() != "dest" {
				t.Fatalf("unpack wrote %s outside its destination", e.Name())
			}
		}
		if err != nil {
			if left, _ := os.ReadDir(dest); len(left) != 0 {
				t.Fatalf("a failed unpack left %d entries", len(left))
			}
			return
		}
		realDest, _ := filepath.EvalSymlinks(dest)
		filepath.WalkDir(dest, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.Type()&os.ModeSymlink == 0 {
				return nil
			}
			r, err := filepath.EvalSymlinks(p)
			if err != nil {
				t.Fatalf("link %s does not resolve: %v", p, err)
			}
			if r != realDest && !strings.HasPrefix(r, realDest+string(filepath.Separator)) {
				t.Fatalf("link %s resolves to %s, outside %s", p, r, realDest)
			}
			return nil
		})
	})
}
