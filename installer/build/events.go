package build

// Reporter receives what happens while a Builder works, for cmd to print.
// Report may be called from several goroutines at once (one per source
// being built); it should return quickly.
type Reporter interface {
	Report(Event)
}

// ReporterFunc adapts a function to Reporter.
type ReporterFunc func(Event)

// Report calls f(e).
func (f ReporterFunc) Report(e Event) { f(e) }

// Event is one step of a build. Message is the line pip 23.2 prints for it
// (without pip's indentation), ready to show.
type Event struct {
	Kind EventKind
	// Project names the project (the sdist's name, or the directory's
	// [project] name or path).
	Project string
	// Message is pip's line for the event.
	Message string
	// Path is the file concerned: the cached wheel (EventCacheHit,
	// EventStored), the built wheel (EventBuilt), the sdist
	// (EventStaticMetadata).
	Path string
	// Requirements are those being installed (EventInstallingBuildDeps,
	// EventInstallingBackendDeps).
	Requirements []string
}

// EventKind says what an Event reports.
type EventKind int

const (
	// EventStaticMetadata: the sdist's PKG-INFO answered Metadata (PEP
	// 643); nothing was unpacked or run.
	EventStaticMetadata EventKind = iota
	// EventCacheHit: a wheel built earlier was found in the cache; nothing
	// is built.
	EventCacheHit
	// EventInstallingBuildDeps: build-system.requires are being installed
	// into the isolated environment (pip's "Installing build
	// dependencies").
	EventInstallingBuildDeps
	// EventGettingRequires: get_requires_for_build_wheel (or _editable)
	// runs (pip's "Getting requirements to build wheel").
	EventGettingRequires
	// EventInstallingBackendDeps: what that hook asked for, and the
	// environment lacks, is being installed (pip's "Installing backend
	// dependencies").
	EventInstallingBackendDeps
	// EventPreparingMetadata: prepare_metadata_for_build_wheel runs (pip's
	// "Preparing metadata (pyproject.toml)").
	EventPreparingMetadata
	// EventBuilding: build_wheel or build_editable runs (pip's "Building
	// wheel for demo (pyproject.toml)").
	EventBuilding
	// EventBuilt: a wheel was built (pip's "Created wheel for demo:
	// filename=… size=… sha256=…").
	EventBuilt
	// EventStored: the built wheel was stored in the cache (pip's "Stored
	// in directory: …").
	EventStored
	// EventWarning: Message is a warning pip would log ("WARNING: " is the
	// caller's to add).
	EventWarning
)
