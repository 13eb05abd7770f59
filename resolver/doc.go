// Package resolver decides what to install: given the user's requirements,
// it chooses one version of every project they need, directly or through
// dependencies, so that every requirement holds — or explains, in sentences
// a person can follow, why no such choice exists.
//
// # Resolving
//
// The caller describes the target environment and hands over a Provider,
// which knows the releases of each project:
//
//	roots := []resolver.Root{
//		{Requirement: pep508.MustParseRequirement("flask[async]>=3.0"), Origin: "requirements.txt, line 1"},
//	}
//	plan, err := resolver.Resolve(ctx, roots, provider, resolver.Options{
//		Environment: env,                        // the target's marker variables
//		Python:      pep440.MustParse("3.11.7"), // for Requires-Python
//	})
//	var re *resolver.ResolutionError
//	if errors.As(err, &re) {
//		fmt.Println(re.Explanation)
//	}
//	for _, p := range plan.ToInstall() {
//		fmt.Println(p.Name, p.Version, p.Artifact.URL, p.Action)
//	}
//
// The Plan lists every project of the solution with the chosen version, the
// file to install, whether the user asked for it (pip's REQUESTED) and with
// which extras, and what to do relative to Options.Installed: install,
// upgrade, reinstall, or keep what is there.
//
// # Writing a Provider
//
// A Provider answers three questions: which releases a project has
// (Versions), what a release requires (Metadata), and what a direct
// reference "name @ url" points at (Direct). NewIndexProvider answers them
// from the simple indexes and find-links locations of resolver/index; tests
// use an in-memory one. Two rules matter:
//
//   - The resolver prefetches: while the solver works on one project, it
//     lists the projects that were just added and fetches the metadata of
//     the versions it will most likely try, up to Options.Concurrency calls
//     at a time (plus the one the solver is waiting for). A Provider must
//     therefore be safe for concurrent use. It need not cache: the
//     resolver asks for each answer once.
//   - A release that cannot be used is still listed, with
//     Candidate.Unavailable saying why, and a Metadata error that concerns
//     one release only wraps ErrUnusable. The solver then skips the release
//     and names it when explaining a failure ("3.2.0 requires Python
//     >=3.12").
//
// Candidates and BestArtifact turn the files of a project into Candidates
// the way pip's finder does: compatible wheels by tag preference and build
// tag, source distributions after them, --only-binary, --no-binary and
// --prefer-binary, Requires-Python of each file, yanked files last.
//
// # The algorithm
//
// The solver is PubGrub (Natalie Weizenbaum's algorithm for Dart's pub, as
// also implemented by pubgrub-rs and used by uv): conflict-driven clause
// learning over sets of versions. Its state is a list of incompatibilities —
// sets of terms such as {flask>=3.0, not werkzeug>=3.0} ("flask>=3.0
// depends on werkzeug>=3.0") that must not all hold — and a partial
// solution, a list of assignments: decisions (flask is 3.1.0) and
// derivations (werkzeug must be >=3.0). The loop is:
//
//  1. Unit propagation: every incompatibility all of whose terms but one
//     hold forces the opposite of the remaining term, as a derivation.
//  2. When an incompatibility holds entirely, conflict resolution combines it
//     with the causes of its assignments until it finds the root cause,
//     learns that as a new incompatibility, and jumps back to the decision
//     that made it possible. If the root cause says the requirements
//     themselves are incompatible, the resolution fails.
//  3. Otherwise a decision: pick a project that is required but not
//     decided, pick a version, and add its dependencies as
//     incompatibilities (merged with those of neighbouring versions that
//     have the same dependency, so that learned facts cover ranges).
//
// Versions are PEP 440 versions and the terms' sets are unions of ranges
// that express every PEP 440 specifier exactly, including "!=", "==1.2.*",
// "~=", local versions and the special cases of "<" and ">" with pre- and
// post-releases (see versionset.go).
//
// Python's packaging rules sit on top, as in uv. An extra is a project of
// its own: flask[async] at version v depends on flask==v and on the
// requirements the extra adds (if the release declares it in
// Provides-Extra, as pip requires). Markers are evaluated against
// Options.Environment when requirements are read. A release whose
// Requires-Python excludes Options.Python is unavailable. A -c constraint
// is an incompatibility with a single term ("lib outside the constraint"),
// so it narrows a project that something requires and never adds one. A
// direct reference replaces a project's releases by its one artifact.
// Yanked releases are used only when an exact pin (== without a wildcard,
// or ===) selects them (PEP 592). Where a requirement found late changes
// which releases a project may use (a URL, or a pin of a yanked release),
// the resolution starts over knowing it.
//
// Which project to decide next and which version to try follow pip 23.2's
// resolver (provider.py get_preference, factory.py, found_candidates.py):
// projects required with "==" first, then those involved in the last
// conflict, then by depth from the user's requirements, then in the order
// the user gave them, then those required with any specifier, then by name;
// versions newest first, pre-releases only when allowed, yanked releases
// last, with --prefer-binary releases with a wheel first, and the installed
// version first unless the project may be upgraded (-U for the projects
// the user named, or everything with --upgrade-strategy eager), in which
// case it is tried where its version sorts, winning ties with the index.
// On ordinary problems this gives pip's answers; the differential test
// holds gopip to the machine's pip on random problems.
//
// # Where gopip and pip may choose differently
//
//   - After a conflict. pip's resolvelib backtracks and backjumps over
//     individual candidates, PubGrub learns clauses over ranges; when the
//     newest versions conflict they can settle on different, equally valid
//     combinations. gopip is complete: it finds a solution whenever one
//     exists. pip 23.2's resolvelib 1.0.1 is not: its backjumping can skip
//     the decision that would resolve a conflict and report
//     ResolutionImpossible for a satisfiable problem
//     (sarugaku/resolvelib#134, #206), and it gives up with "resolution too
//     deep" on hard ones. The differential test meets such cases and has
//     pip confirm gopip's answer.
//   - Pre-releases. gopip follows current pip (packaging 22 and later): a
//     pre-release is considered when --pre is given, when a requirement or
//     constraint on the project names a pre-release with any operator but
//     "!=", or when no final release is left in the range the project may
//     take. pip 23.2 (packaging 21.3) counts only ==, >=, <=, ~= and === for
//     the second rule and applies the third only to requirements without a
//     specifier. And pip decides the third rule on the specifiers alone,
//     before backtracking; gopip also falls back to a pre-release when every
//     final release in range was ruled out by conflicts (such a rule cannot
//     be expressed as version ranges, whose facts must stay true as
//     requirements are added, so gopip treats pre-release admission as a
//     preference).
//   - Yanked releases are usable only through an exact pin in any
//     requirement or constraint, where pip also demands that every release
//     matching the combined specifier be yanked; gopip tries the unyanked
//     ones first, so the outcome is the same unless a pin matches both a
//     yanked and an unyanked local variant.
//
// # Explanations
//
// When resolution fails, the learned incompatibility that condemns the
// root is the end of a derivation graph, and ResolutionError.Explanation
// writes it out as pub does: one sentence per derivation, "Because A and B,
// C.", chained with "And because", with line numbers where a conclusion is
// used twice:
//
//	Because you require flask>=3.0 (requirements.txt, line 1) which depends on werkzeug>=3.0, your requirements need werkzeug>=3.0.
//	And because you require werkzeug<3 (requirements.txt, line 2), the requirements are unsatisfiable.
//
// The user's requirements appear as written, with their origin; ranges the
// solver derived are described by the releases that exist ("foo<1.1.0"
// rather than an exact but unreadable range); a requirement nothing
// satisfies lists what is available and why the rest is excluded:
//
//	no version of "flask" satisfies "flask>=9"; available: 2.0.0 … 3.1.3
package resolver
