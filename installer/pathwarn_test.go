package installer

import (
	"encoding/json"
	"testing"

	"github.com/gopip/gopip/internal/pythontest"
)

// TestScriptsNotOnPATHWarning compares with pip's own function.
func TestScriptsNotOnPATHWarning(t *testing.T) {
	py := pythontest.Python(t)
	site := pipSitePackages(t)
	cases := []struct {
		scripts    []string
		path, exec string
	}{
		{[]string{"/v/bin/a"}, "/usr/bin:/bin", "/usr/bin/python3"},
		{[]string{"/v/bin/b", "/v/bin/a", "/w/bin/c"}, "/usr/bin:~/bin", "/usr/bin/python3"},
		{[]string{"/v/bin/a", "/v/bin/b", "/v/bin/c"}, "/usr/bin", "/x/python"},
		{[]string{"/v/bin/a"}, "/usr/bin:/v/bin/", "/usr/bin/python3"},
		{[]string{"/v/bin/a"}, "/usr/bin", "/v/bin/python"},
		{nil, "", "/p"},
	}
	for _, c := range cases {
		args, _ := json.Marshal(c.scripts)
		code := `import sys, os, json
sys.path.append(` + pyStr(site) + `)
os.environ["PATH"] = ` + pyStr(c.path) + `
sys.executable = ` + pyStr(c.exec) + `
from pip._internal.operations.install.wheel import message_about_scripts_not_on_PATH
print(json.dumps(message_about_scripts_not_on_PATH(json.loads(` + pyStr(string(args)) + `)) or ""))`
		var want string
		pythonJSON(t, py, code, &want)
		if got := ScriptsNotOnPATHWarning(c.scripts, c.path, c.exec); got != want {
			t.Errorf("%+v:\n got %q\nwant %q", c, got, want)
		}
	}
}
