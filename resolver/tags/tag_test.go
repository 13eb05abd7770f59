package tags

import (
	"errors"
	"strings"
	"testing"
)

func TestParseTagSet(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"py3-none-any", []string{"py3-none-any"}},
		{"py2.py3-none-any", []string{"py2-none-any", "py3-none-any"}},
		{"cp311-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64", []string{
			"cp311-abi3-manylinux_2_17_x86_64", "cp311-abi3-manylinux2014_x86_64"}},
		{"cp37.cp38-cp37m.cp38-win_amd64", []string{
			"cp37-cp37m-win_amd64", "cp37-cp38-win_amd64", "cp38-cp37m-win_amd64", "cp38-cp38-win_amd64"}},
		{"CP311-CP311-Win_AMD64", []string{"cp311-cp311-win_amd64"}},
		{"py3.py3-none-any", []string{"py3-none-any"}},
		{"_x-none-any", []string{"_x-none-any"}},
		{"pp73-pypy73_pp73-macosx_10_9_x86_64", []string{"pp73-pypy73_pp73-macosx_10_9_x86_64"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTagSet(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(tagStrings(got), " ") != strings.Join(tt.want, " ") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseTagSetErrors(t *testing.T) {
	tests := []struct{ in, reason string }{
		{"", "want 3 dash-separated parts"},
		{"py3-none", "have 2"},
		{"py3-none-any-x", "have 4"},
		{"py3--any", "empty component"},
		{"py3-none-", "empty component"},
		{"py2.-none-any", "empty component"},
		{".py3-none-any", "empty component"},
		{"3py-none-any", "not an identifier"},
		{"py-3-none-any", "have 4"},
		{"p+y-none-any", "not an identifier"},
		{strings.Repeat("a.", 11) + "a-" + strings.Repeat("b.", 11) + "b-" + strings.Repeat("c.", 11) + "c", "more than 1024"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseTagSet(tt.in)
			var te *TagError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v, want a *TagError", err)
			}
			if te.Tag != tt.in || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("err = %q, want it to name %q and say %q", err, tt.in, tt.reason)
			}
		})
	}
}

func TestParseTag(t *testing.T) {
	got, err := ParseTag("cp311-cp311-manylinux_2_17_x86_64")
	if err != nil {
		t.Fatal(err)
	}
	want := Tag{"cp311", "cp311", "manylinux_2_17_x86_64"}
	if got != want {
		t.Errorf("got %#v, want %#v", got, want)
	}
	if s := got.String(); s != "cp311-cp311-manylinux_2_17_x86_64" {
		t.Errorf("String() = %q", s)
	}
	for _, bad := range []string{"py2.py3-none-any", "py3.py3-none-any", "py3-none", "py3-none-any.any"} {
		if _, err := ParseTag(bad); err == nil {
			t.Errorf("ParseTag(%q) succeeded", bad)
		}
	}
}
