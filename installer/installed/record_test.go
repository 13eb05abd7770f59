package installed

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestRecordRoundTrip(t *testing.T) {
	entries := []RecordEntry{
		{Path: "pkg/__init__.py", Hash: HashBytes([]byte("x = 1\n")), Size: "6"},
		{Path: "pkg/odd,name.py", Hash: "sha256=abc", Size: "3"},
		{Path: `pkg/quo"te.py`, Hash: "", Size: ""},
		{Path: "pkg-1.0.dist-info/RECORD"},
	}
	var buf bytes.Buffer
	if err := WriteRecord(&buf, entries); err != nil {
		t.Fatal(err)
	}
	want := "pkg/__init__.py,sha256=nia_NpkRxFwkPGhBR7I_yeHc_PJX0pmhxjIBam_NM_Q,6\r\n" +
		"\"pkg/odd,name.py\",sha256=abc,3\r\n" +
		"\"pkg/quo\"\"te.py\",,\r\n" +
		"pkg-1.0.dist-info/RECORD,,\r\n"
	if buf.String() != want {
		t.Errorf("WriteRecord:\n got %q\nwant %q", buf.String(), want)
	}
	got, err := ReadRecord(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, entries) {
		t.Errorf("ReadRecord = %q, want %q", got, entries)
	}
}

func TestReadRecordErrors(t *testing.T) {
	if _, err := ReadRecord(strings.NewReader("\"unterminated,x,1\n")); err == nil {
		t.Error("unterminated quote accepted")
	}
	if _, err := ReadRecord(strings.NewReader(",sha256=x,1\n")); err == nil {
		t.Error("empty path accepted")
	}
}

func FuzzReadRecord(f *testing.F) {
	f.Add("a.py,sha256=x,1\r\nb,,\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		entries, err := ReadRecord(strings.NewReader(s))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteRecord(&buf, entries); err != nil {
			t.Fatal(err)
		}
		again, err := ReadRecord(&buf)
		if err != nil {
			t.Fatalf("re-reading written RECORD: %v", err)
		}
		if len(again) != len(entries) {
			t.Fatalf("round trip changed %d entries to %d", len(entries), len(again))
		}
	})
}
