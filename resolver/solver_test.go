package resolver

import (
	"context"
	"errors"
	"testing"

	"github.com/gopip/gopip/resolver/pep508"
)

// The six examples of pub's doc/solver.md, with "^1.0.0" written
// ">=1.0.0,<2.0.0". The first four must resolve as pub resolves them; the
// last two must fail with an explanation that follows pub's.

func TestPubNoConflict(t *testing.T) {
	m := newMem().
		add("foo", "1.0.0", "bar>=1.0.0,<2.0.0").
		add("bar", "1.0.0").
		add("bar", "2.0.0")
	wantPins(t, m, testOptions(), []string{"foo>=1.0.0,<2.0.0"}, "bar==1.0.0 foo==1.0.0")
}

func TestPubAvoidingConflictDuringDecisionMaking(t *testing.T) {
	m := newMem().
		add("foo", "1.1.0", "bar>=2.0.0,<3.0.0").
		add("foo", "1.0.0").
		add("bar", "1.0.0").
		add("bar", "1.1.0").
		add("bar", "2.0.0")
	wantPins(t, m, testOptions(), []string{"foo>=1.0.0,<2.0.0", "bar>=1.0.0,<2.0.0"}, "bar==1.1.0 foo==1.0.0")
}

func TestPubPerformingConflictResolution(t *testing.T) {
	m := newMem().
		add("foo", "2.0.0", "bar>=1.0.0,<2.0.0").
		add("foo", "1.0.0").
		add("bar", "1.0.0", "foo>=1.0.0,<2.0.0")
	wantPins(t, m, testOptions(), []string{"foo>=1.0.0"}, "foo==1.0.0")
}

func TestPubConflictResolutionWithPartialSatisfier(t *testing.T) {
	m := newMem().
		add("foo", "1.1.0", "left>=1.0.0,<2.0.0", "right>=1.0.0,<2.0.0").
		add("foo", "1.0.0").
		add("left", "1.0.0", "shared>=1.0.0").
		add("right", "1.0.0", "shared<2.0.0").
		add("shared", "2.0.0").
		add("shared", "1.0.0", "target>=1.0.0,<2.0.0").
		add("target", "2.0.0").
		add("target", "1.0.0")
	wantPins(t, m, testOptions(), []string{"foo>=1.0.0,<2.0.0", "target>=2.0.0,<3.0.0"}, "foo==1.0.0 target==2.0.0")
}

func TestPubLinearErrorReporting(t *testing.T) {
	m := newMem().
		add("foo", "1.0.0", "bar>=2.0.0,<3.0.0").
		add("bar", "2.0.0", "baz>=3.0.0,<4.0.0").
		add("baz", "1.0.0").
		add("baz", "3.0.0")
	wantError(t, m, testOptions(), []string{"foo>=1.0.0,<2.0.0", "baz>=1.0.0,<2.0.0"},
		`Because every version of foo depends on bar>=2.0.0,<3.0.0 which depends on baz>=3.0.0,<4.0.0, every version of foo requires baz>=3.0.0,<4.0.0.
And because you require foo>=1.0.0,<2.0.0 and baz>=1.0.0,<2.0.0, the requirements are unsatisfiable.`)
}

func TestPubBranchingErrorReporting(t *testing.T) {
	m := newMem().
		add("foo", "1.0.0", "a>=1.0.0,<2.0.0", "b>=1.0.0,<2.0.0").
		add("foo", "1.1.0", "x>=1.0.0,<2.0.0", "y>=1.0.0,<2.0.0").
		add("a", "1.0.0", "b>=2.0.0,<3.0.0").
		add("b", "1.0.0").
		add("b", "2.0.0").
		add("x", "1.0.0", "y>=2.0.0,<3.0.0").
		add("y", "1.0.0").
		add("y", "2.0.0")
	wantError(t, m, testOptions(), []string{"foo>=1.0.0,<2.0.0"},
		`Because foo<1.1.0 depends on a>=1.0.0,<2.0.0 which depends on b>=2.0.0,<3.0.0, foo<1.1.0 requires b>=2.0.0,<3.0.0.
And because foo<1.1.0 depends on b>=1.0.0,<2.0.0, foo<1.1.0 cannot be used. (1)

Because foo>=1.1.0 depends on x>=1.0.0,<2.0.0 which depends on y>=2.0.0,<3.0.0, foo>=1.1.0 requires y>=2.0.0,<3.0.0.
And because foo>=1.1.0 depends on y>=1.0.0,<2.0.0, foo>=1.1.0 cannot be used.
And because foo<1.1.0 cannot be used (1), foo cannot be used.
And because you require foo>=1.0.0,<2.0.0, the requirements are unsatisfiable.`)
}

// The example of the brief: the user's requirements named as written, with
// the requirements file line.
func TestExplanationNamesRequirementsAsWritten(t *testing.T) {
	m := newMem().
		add("flask", "2.3.3", "werkzeug>=2.3.7").
		add("flask", "3.0.0", "werkzeug>=3.0").
		add("flask", "3.1.0", "werkzeug>=3.0").
		add("werkzeug", "2.3.7").
		add("werkzeug", "3.0.1")
	rs := []Root{
		{Requirement: pep508.MustParseRequirement("flask>=3.0"), Text: "Flask >= 3.0", Origin: "requirements.txt, line 1"},
		{Requirement: pep508.MustParseRequirement("werkzeug<3"), Text: "werkzeug<3", Origin: "requirements.txt, line 2"},
	}
	_, err := Resolve(context.Background(), rs, m, testOptions())
	var re *ResolutionError
	if !errors.As(err, &re) {
		t.Fatalf("got %v, want a *ResolutionError", err)
	}
	want := `Because you require Flask >= 3.0 (requirements.txt, line 1) which depends on werkzeug>=3.0, your requirements need werkzeug>=3.0.
And because you require werkzeug<3 (requirements.txt, line 2), the requirements are unsatisfiable.`
	if re.Explanation != want {
		t.Errorf("explanation:\n%s\n--- want ---\n%s", re.Explanation, want)
	}
}

func TestNoVersionMessage(t *testing.T) {
	m := newMem()
	for _, v := range []string{"2.0.0", "2.1.0", "3.0.0", "3.1.3", "0.9"} {
		m.add("flask", v)
	}
	wantError(t, m, testOptions(), []string{"flask>=9"}, `no version of "flask" satisfies "flask>=9"; available: 0.9 … 3.1.3`)
	wantError(t, newMem(), testOptions(), []string{"nothing"}, `no version of "nothing" satisfies "nothing"; the indexes have no release of nothing`)
}
