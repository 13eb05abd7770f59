package trust

import (
	"fmt"
	"slices"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// RootInfo summarises a root metadata file: what `gopip trust add` shows
// before a root is stored, and what `gopip trust list` shows of the trusted
// root.
type RootInfo struct {
	// Version is the root's version number.
	Version int64
	// Expires is when the root expires.
	Expires time.Time
	// ConsistentSnapshot tells whether the repository publishes consistent
	// snapshots.
	ConsistentSnapshot bool
	// Roles are the top-level roles in TUF's order (root, timestamp,
	// snapshot, targets), each with its key ids and threshold.
	Roles []RoleKeys
}

// RoleKeys are the keys a top-level role is signed with.
type RoleKeys struct {
	// Role is the role's name, e.g. "timestamp".
	Role string
	// KeyIDs are the ids of the keys that may sign for the role, sorted.
	KeyIDs []string
	// Threshold is how many of them must sign.
	Threshold int
}

// ParseRoot reads a root metadata file and checks that it is signed by a
// threshold of its own root keys, as every root must be. It does not check
// the expiry: a stale root is still a valid start for root rotation.
func ParseRoot(data []byte) (*RootInfo, error) {
	root, err := metadata.Root().FromBytes(data)
	if err != nil {
		return nil, fmt.Errorf("reading root metadata: %w", err)
	}
	if root.Signed.Type != metadata.ROOT {
		return nil, fmt.Errorf("reading root metadata: the file is %q metadata, not root", root.Signed.Type)
	}
	if err := caught(func() error { return root.VerifyDelegate(metadata.ROOT, root) }); err != nil {
		return nil, &VerificationError{Role: metadata.ROOT, Reason: ReasonSignature, Err: err}
	}
	return rootInfo(root), nil
}

func rootInfo(root *metadata.Metadata[metadata.RootType]) *RootInfo {
	info := &RootInfo{
		Version:            root.Signed.Version,
		Expires:            root.Signed.Expires,
		ConsistentSnapshot: root.Signed.ConsistentSnapshot,
	}
	for _, name := range metadata.TOP_LEVEL_ROLE_NAMES {
		r, ok := root.Signed.Roles[name]
		if !ok {
			continue
		}
		ids := slices.Clone(r.KeyIDs)
		slices.Sort(ids)
		info.Roles = append(info.Roles, RoleKeys{Role: name, KeyIDs: ids, Threshold: r.Threshold})
	}
	return info
}

// rootVersion returns the version of a root metadata file without
// verifying it, or 0 when it does not parse.
func rootVersion(data []byte) int64 {
	root, err := metadata.Root().FromBytes(data)
	if err != nil {
		return 0
	}
	return root.Signed.Version
}
