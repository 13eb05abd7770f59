package installer

// EventKind says what happened; see Event.
type EventKind int

const (
	// EventWarning: Message is a warning pip would log ("WARNING: " is
	// the caller's to add), e.g. "Installing from a newer Wheel-Version
	// (1.1)", "Target directory /t/pkg already exists. Specify --upgrade to
	// force replacement.", "Skipping X as it is not installed.".
	EventWarning EventKind = iota
	// EventWaitingForLock: another gopip process holds the environment's
	// lock; Path is the locked directory. Sent once, before waiting.
	EventWaitingForLock
	// EventRecovered: an interrupted earlier run was rolled back (or
	// forward, when it had committed); Path is its journal.
	EventRecovered
	// EventAlreadyInstalled: Name and Version are installed (at Location)
	// and the wheel has the same version; it is skipped (no
	// ForceReinstall). For a local wheel file pip says "<name> is
	// already installed with the same version as the provided wheel. Use
	// --force-reinstall to force an installation of the wheel."; for an
	// index download "Requirement already satisfied: <name> in
	// <location> (<version>)". Wheel is the wheel.
	EventAlreadyInstalled
	// EventInstalling: Names are about to be installed, in order (pip's
	// "Installing collected packages: a, b").
	EventInstalling
	// EventAttemptingUninstall: Name is about to be replaced (pip's
	// "Attempting uninstall: a").
	EventAttemptingUninstall
	// EventFoundExisting: the installed Name Version at Location (pip's
	// "Found existing installation: a 0.9").
	EventFoundExisting
	// EventUninstalling: pip's "Uninstalling a-0.9:".
	EventUninstalling
	// EventUninstalled: pip's "Successfully uninstalled a-0.9". Sent once
	// the change is committed.
	EventUninstalled
	// EventNotUninstalling: an installed Name at Location is left alone
	// because it lies outside the environment or in the standard library;
	// Message is pip's sentence ("Not uninstalling a at /usr/lib/...,
	// outside environment /venv").
	EventNotUninstalling
	// EventInstalled: Name Version is installed (committed).
	EventInstalled
)

// Event is one thing worth telling the user. Which fields are set depends
// on Kind.
type Event struct {
	Kind     EventKind
	Name     string // distribution name as its metadata writes it
	Version  string
	Location string // the directory holding the .dist-info
	Path     string
	Names    []string
	Message  string
	Wheel    *Wheel
}

// Reporter receives events while Install and Uninstall run. Report is
// called from the goroutine that called Install or Uninstall, never
// concurrently; it should not block for long (the environment is locked
// meanwhile).
type Reporter interface {
	Report(Event)
}

// ReporterFunc adapts a function to Reporter.
type ReporterFunc func(Event)

// Report calls f(e).
func (f ReporterFunc) Report(e Event) { f(e) }

type nopReporter struct{}

func (nopReporter) Report(Event) {}

func reporterOrNop(r Reporter) Reporter {
	if r == nil {
		return nopReporter{}
	}
	return r
}
