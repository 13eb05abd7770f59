package cache

import "testing"

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
