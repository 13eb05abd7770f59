package tags

import (
	"testing"

	"github.com/gopip/gopip/internal/pythontest"
)

// TestPipWheelNameMatchesPip compares PipWheelName with pip's Wheel: whether
// Wheel.wheel_file_re matches (its \s and \d are Unicode-aware), and the
// name and version Wheel(filename) reads from it.
func TestPipWheelNameMatchesPip(t *testing.T) {
	names := []string{
		"a-1-py3-none-any.whl", "a-1-2-py3-none-any.whl", "a-1-\u0663x-py3-none-any.whl",
		"a\u2003b-1-py3-none-any.whl", "a-1-py3-none-any\u00a0x.whl", "a-1-x2-py3-none-any.whl",
		"a-py3-none-any.whl", "a-1-py3-none.whl", "A_b-1.0-cp311-cp311-manylinux_2_17_x86_64.whl",
		"foo+bar-1.0~x_y-py3-none-any.whl", "a--py3-none-any.whl", "a-1-py3-none-any.whl\n",
		"a-1-py3-none-any.whl\n\n", "Foo_Bar-1.0.dist-info", "a-1-2-3-py3-none-any.whl", "a-1.WHL", "",
	}
	pythontest.RequirePip(t, "23.2")
	var want []struct {
		Match         bool
		Name, Version string
	}
	pythontest.RunJSON(t, `
import json, sys
from pip._internal.models.wheel import Wheel
out = []
for n in json.load(sys.stdin):
    m = Wheel.wheel_file_re.match(n)
    if m:
        # What Wheel.__init__ reads (which fails further on for a
        # ".dist-info" name, having no tags to split).
        out.append({"Match": True, "Name": m.group("name").replace("_", "-"), "Version": m.group("ver").replace("_", "-")})
    else:
        out.append({"Match": False, "Name": "", "Version": ""})
print(json.dumps(out))
`, names, &want)
	for i, n := range names {
		name, version, ok := PipWheelName(n)
		if ok != want[i].Match {
			t.Errorf("wheel_file_re matches %q: %v, pip: %v", n, ok, want[i].Match)
		}
		if name != want[i].Name || version != want[i].Version {
			t.Errorf("PipWheelName(%q) = %q, %q; pip's Wheel: %q, %q", n, name, version, want[i].Name, want[i].Version)
		}
	}
}
