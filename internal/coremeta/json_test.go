package coremeta

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"reflect"
	"testing"
)

// TestJSONMatchesPip compares JSON with pip's own msg_to_json (the code
// behind the metadata of pip's installation report) on the same files, read
// through importlib.metadata's message adapter as pip reads them.
func TestJSONMatchesPip(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	cases := []string{
		"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nSummary: A demo\nRequires-Dist: a\nRequires-Dist: b ; extra == 'x'\nProvides-Extra: x\nKeywords: one, two ,three\nClassifier: A :: B\n\nLong description\nhere\n",
		"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nKeywords: one two  three\nDescription: short\nHome-page: https://example.org\nProject-URL: Docs, https://d\nProject-URL: Src, https://s\n",
		"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nDescription: short\nAuthor: Me\n\nthe body wins\n",
		"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nKeywords: \nRequires-Python: >=3.8\nDynamic: license\n",
	}
	script := `
import json, sys, email
from importlib.metadata._adapters import Message
from pip._internal.metadata._json import msg_to_json
out = []
for text in json.load(sys.stdin):
    out.append(list(msg_to_json(Message(email.message_from_string(text))).items()))
print(json.dumps(out))
`
	in, _ := json.Marshal(cases)
	cmd := exec.Command(python, "-c", script)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("pip's msg_to_json is not available: %v", err)
	}
	var want [][][2]any
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	for i, text := range cases {
		m, err := Parse([]byte(text))
		if err != nil {
			t.Fatal(err)
		}
		var got [][2]any
		for _, f := range m.JSON() {
			v := f.Value
			if l, ok := v.([]string); ok {
				items := make([]any, len(l))
				for j, s := range l {
					items[j] = s
				}
				v = items
			}
			got = append(got, [2]any{f.Key, v})
		}
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("case %d:\n got %v\nwant %v", i, got, want[i])
		}
	}
}
