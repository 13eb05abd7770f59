package coremeta

import (
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	data := "Metadata-Version: 2.1\r\nName: demo\nVersion: 1.0\nSummary:  A demo\nRequires-Dist: a\nRequires-Dist: b ; extra == 'x'\nLicense: line one\n        line two\n\nLong text\nmore\n"
	m, err := Parse([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if m.Name() != "demo" || m.Version() != "1.0" || m.Get("summary") != "A demo" {
		t.Errorf("got name %q version %q summary %q", m.Name(), m.Version(), m.Get("summary"))
	}
	if got := m.GetAll("Requires-Dist"); !reflect.DeepEqual(got, []string{"a", "b ; extra == 'x'"}) {
		t.Errorf("Requires-Dist = %q", got)
	}
	if got := m.Get("License"); got != "line one\n        line two" {
		t.Errorf("License = %q", got)
	}
	if m.Body != "Long text\nmore\n" {
		t.Errorf("Body = %q", m.Body)
	}
	if m.Has("Home-page") || !m.Has("LICENSE") {
		t.Error("Has is wrong")
	}
}

func TestParseErrors(t *testing.T) {
	for _, bad := range []string{" leading continuation\n", "no colon here\n", "Bad Name: x\n"} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("Name: a\nVersion: 1\n\nbody"))
	f.Add([]byte("Name: a\n continued\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		for _, fl := range m.Fields {
			if fl.Name == "" {
				t.Fatal("empty field name")
			}
		}
	})
}
