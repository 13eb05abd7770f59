package trust

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gopip/gopip/internal/pyurl"
)

// Reason is what failed in a verification.
type Reason string

// The reasons a VerificationError gives. Each names one of the attacks TUF
// defends against, or the check that caught it.
const (
	// ReasonExpired: the metadata has expired (indefinite freeze).
	ReasonExpired Reason = "expired"
	// ReasonSignature: the metadata is not signed by a threshold of the
	// keys trusted for its role (a forged, revoked or missing signature).
	ReasonSignature Reason = "signature"
	// ReasonRollback: the metadata is older than the version already
	// trusted or vouched for (rollback).
	ReasonRollback Reason = "rollback"
	// ReasonMismatch: the metadata's version differs from the one the
	// role above it vouches for (mix-and-match).
	ReasonMismatch Reason = "mismatch"
	// ReasonLength: more bytes than the trusted or maximum length (endless
	// data), or a target of the wrong length.
	ReasonLength Reason = "length"
	// ReasonHash: the bytes do not match their trusted hashes (arbitrary
	// package, extraneous dependencies, malicious mirror).
	ReasonHash Reason = "hash"
	// ReasonNotTarget: the file has no trusted hash at all: neither a
	// target nor listed with a usable hash on a verified page.
	ReasonNotTarget Reason = "not-target"
	// ReasonInvalid: the metadata is malformed or inconsistent, or a
	// verified page lacks what the layout requires of it (a file's size).
	ReasonInvalid Reason = "invalid"
)

// describe phrases a reason after the name of what failed.
func (r Reason) describe() string {
	switch r {
	case ReasonExpired:
		return "has expired (freeze attack?)"
	case ReasonSignature:
		return "is not signed by a threshold of trusted keys"
	case ReasonRollback:
		return "is older than the version already trusted (rollback attack?)"
	case ReasonMismatch:
		return "does not match the version its parent role vouches for (mix-and-match attack?)"
	case ReasonLength:
		return "does not have its trusted length (endless data attack?)"
	case ReasonHash:
		return "does not match its trusted hashes"
	case ReasonNotTarget:
		return "has no trusted hash"
	}
	return "is invalid"
}

// VerificationError is a failed TUF verification: metadata or a target of
// a repository with a trusted root that cannot be trusted. Its
// SecurityFailure method returns true, which package cmd reports with its
// SECURITY ERROR banner and exit code; nothing is installed after one.
//
// Err is the cause: one of go-tuf's typed errors (test it with errors.Is,
// e.g. errors.Is(err, &metadata.ErrExpiredMetadata{})), or this package's
// *HashMismatchError or *LengthError for a target.
type VerificationError struct {
	// Repository is the repository's name.
	Repository string
	// Role is the metadata role that failed ("timestamp", "bins-3a" …),
	// empty when a target failed.
	Role string
	// Target is the target path that failed, empty when metadata failed.
	Target string
	// URL is where the bytes came from, credentials redacted, when known.
	URL string
	// Reason is what failed.
	Reason Reason
	// Err is the underlying error.
	Err error
}

// Error names the repository, the role or target, and what failed.
func (e *VerificationError) Error() string {
	var b strings.Builder
	if e.Repository != "" {
		fmt.Fprintf(&b, "repository %s: ", e.Repository)
	}
	switch {
	case e.Target != "":
		fmt.Fprintf(&b, "target %s %s", e.Target, e.Reason.describe())
	case e.Role != "":
		fmt.Fprintf(&b, "%s metadata %s", e.Role, e.Reason.describe())
	default:
		fmt.Fprintf(&b, "TUF metadata %s", e.Reason.describe())
	}
	if e.URL != "" {
		fmt.Fprintf(&b, " (from %s)", e.URL)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *VerificationError) Unwrap() error { return e.Err }

// SecurityFailure reports true: this is a verification failure.
func (e *VerificationError) SecurityFailure() bool { return true }

// ErrNotFound is matched (errors.Is) by every *NotFoundError.
var ErrNotFound = errors.New("not found")

// NotFoundError reports that a path is not a target of a repository: the
// trusted metadata, fully searched, does not list it. For a project page
// this means the project does not exist in the repository; for a
// distribution file of the gopip-files layout, that its page's hash
// vouches for it instead.
type NotFoundError struct {
	// Repository is the repository's name.
	Repository string
	// Target is the target path looked up.
	Target string
}

// Error names the repository and the target path.
func (e *NotFoundError) Error() string {
	return fmt.Sprintf("repository %s: %s is not a target", e.Repository, e.Target)
}

// Is reports whether target is ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// FetchError is a metadata or target file that could not be fetched: a
// network failure or an HTTP error status. It is not a verification
// failure; a missing file (404, or 403 as S3 answers for a missing key)
// unwraps to go-tuf's *metadata.ErrDownloadHTTP with status 404, which is
// how go-tuf learns that root rotation is over.
type FetchError struct {
	// URL is the URL fetched, credentials redacted.
	URL string
	// Status is the HTTP status code, 0 when no response came.
	Status int
	// Err is the cause.
	Err error

	// missing is go-tuf's view of a missing file, for its root rotation.
	missing error
	// broken is set when the body broke off after a good response.
	broken bool
}

// Error names the URL and the cause.
func (e *FetchError) Error() string {
	return fmt.Sprintf("fetching %s: %v", e.URL, e.Err)
}

// Unwrap returns the cause and, for a missing file, a
// *metadata.ErrDownloadHTTP with status 404.
func (e *FetchError) Unwrap() []error {
	if e.missing != nil {
		return []error{e.Err, e.missing}
	}
	return []error{e.Err}
}

// Hint passes on the HTTP client's remedy (credentials, --cert …).
func (e *FetchError) Hint() string {
	var h interface{ Hint() string }
	if errors.As(e.Err, &h) {
		return h.Hint()
	}
	return ""
}

// nameRepository names the repository in a *VerificationError that names
// none, and wraps any other error with the name.
func nameRepository(err error, name string) error {
	var ve *VerificationError
	if errors.As(err, &ve) {
		if ve.Repository == "" {
			ve.Repository = name
		}
		return err
	}
	return fmt.Errorf("repository %s: %w", name, err)
}

func redact(u string) string { return pyurl.Redact(u) }
