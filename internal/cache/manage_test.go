package cache

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestFileStampVouches(t *testing.T) {
	s := FileStamp{10, 1000, 7}
	for _, tc := range []struct {
		got     FileStamp
		written int64
		want    bool
	}{
		{FileStamp{10, 1000, 7}, 1001, true},
		{FileStamp{10, 1000, 7}, 1000, false}, // same tick as the entry: racy
		{FileStamp{10, 1001, 7}, 2000, false}, // edited
		{FileStamp{11, 1000, 7}, 2000, false}, // grown
		{FileStamp{10, 1000, 8}, 2000, false}, // replaced
	} {
		if got := s.Vouches(tc.got, tc.written); got != tc.want {
			t.Errorf("%v.Vouches(%v, %d) = %v, want %v", s, tc.got, tc.written, got, tc.want)
		}
	}
}

func TestStampsRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), StampsFile)
	in := map[string]FileStamp{
		"demo/__init__.py":          {6, 1764040000123456789, 42},
		"demo/with space/é.txt":     {0, 1, 2},
		"demo-1.0.dist-info/RECORD": {1 << 40, -5, 1 << 62},
		"bad\nname":                 {1, 2, 3},
	}
	if err := WriteStamps(p, in); err != nil {
		t.Fatal(err)
	}
	out, err := ReadStamps(p)
	if err != nil {
		t.Fatal(err)
	}
	delete(in, "bad\nname") // cannot be written on a line: left out
	if !reflect.DeepEqual(in, out) {
		t.Errorf("read %v, wrote %v", out, in)
	}
	for _, bad := range []string{"", "gopip stamps 2\n", "gopip stamps 1\n1 2 x name\n", "gopip stamps 1\n1 2 3 name"} {
		os.WriteFile(p, []byte(bad), 0o644)
		if s, err := ReadStamps(p); err == nil {
			t.Errorf("ReadStamps(%q) = %v, want an error", bad, s)
		}
	}
}
