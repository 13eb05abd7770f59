package pep508

import "testing"

func FuzzParseRequirement(f *testing.F) {
	for _, s := range []string{
		"requests[security,socks]>=2.8.1,==2.8.*;python_version<'2.7'",
		"name (>=1.0, <2) ; os_name == 'nt' and (extra == 'a' or extra == 'b')",
		"pip @ https://x/y.whl ; sys_platform == 'linux'",
		"pip @ https://x/y.whl;x",
		"name===foo",
		"name[]",
		"name ()",
		"name>=1.0,",
		"name; ((a == 'b'))",
		"A.B-C_D~=1.4.5a4",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRequirement(s)
		if err != nil {
			return
		}
		again, err := ParseRequirement(r.String())
		if err != nil {
			t.Fatalf("String() of %q = %q does not parse: %v", s, r, err)
		}
		if again.String() != r.String() {
			t.Fatalf("round trip %q -> %q -> %q", s, r, again)
		}
		if r.Marker != nil {
			a, errA := r.Marker.Evaluate(linux311)
			b, errB := again.Marker.Evaluate(linux311)
			if a != b || (errA == nil) != (errB == nil) {
				t.Fatalf("round trip of %q changed evaluation: %v %v / %v %v", s, a, errA, b, errB)
			}
		}
	})
}

func FuzzParseMarker(f *testing.F) {
	for _, s := range []string{
		`python_version >= "3.8" and (sys_platform == "linux" or os.name == 'nt')`,
		`"3.8" < python_version`,
		`extra == "Foo_Bar"`,
		`os_name not in 'a b'`,
		`((os_name == "a" or os_name == "b")) and os_name == "c"`,
		`platform_release >= "5.0"`,
		`"x" in extras or "dev" not in dependency_groups`,
		`os_name == 'say "hi"'`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMarker(s)
		if err != nil {
			return
		}
		again, err := ParseMarker(m.String())
		if err != nil {
			t.Fatalf("String() of %q = %q does not parse: %v", s, m, err)
		}
		if again.String() != m.String() {
			t.Fatalf("round trip %q -> %q -> %q", s, m, again)
		}
		for _, env := range []Environment{linux311, {}, linux311.WithExtra("Foo_Bar")} {
			a, errA := m.Evaluate(env)
			b, errB := again.Evaluate(env)
			if a != b || (errA == nil) != (errB == nil) {
				t.Fatalf("round trip of %q changed evaluation: %v %v / %v %v", s, a, errA, b, errB)
			}
		}
		m.EvaluateLockFile(linux311, []string{"x"}, []string{"dev"})
	})
}
