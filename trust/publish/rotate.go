package publish

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// KeyRole names a set of keys that Rotate replaces.
type KeyRole string

const (
	// RootKeys are the offline keys that sign root.
	RootKeys KeyRole = "root"
	// TargetsKeys is the offline key that signs targets.
	TargetsKeys KeyRole = "targets"
	// OnlineKeys is the key that signs snapshot, timestamp and every bin.
	OnlineKeys KeyRole = "online"
)

// RotateOptions tune Rotate.
type RotateOptions struct {
	// Keys and Threshold set the number of new keys and their threshold
	// (root only; the other roles have one key). Zero keeps the current
	// values.
	Keys, Threshold int
}

// Rotate replaces a role's keys with new ones, written to the key folder
// first, and publishes a new root naming them. Every rotation needs a
// threshold of the current root keys.
//
//   - RootKeys: the new root is signed by the old keys (meeting the old
//     threshold) and by the new ones (meeting the new threshold), so a
//     client that trusts only the old root verifies the new one and
//     follows.
//   - TargetsKeys: targets is re-signed with the new key.
//   - OnlineKeys: snapshot and timestamp point at the new key in root, the
//     bin delegation in targets (which needs the targets key) too; every
//     bin, the snapshot and the timestamp are re-signed.
//
// For the targets and online keys, the metadata that clients holding the
// old root check with the old key (targets; snapshot and timestamp) is
// signed by the old key too when it is still in the key folder, so that
// clients never see a state they cannot verify while the files change. The
// replaced key files move to <keys>/retired/<role>/.
func (r *Repo) Rotate(ctx context.Context, role KeyRole, opts RotateOptions) (*Report, error) {
	var retire []*signingKey
	var sub string
	rep, err := r.update(ctx, func(st *state) error {
		var err error
		switch role {
		case RootKeys:
			sub = keysRoot
			retire, err = st.rotateRoot(opts)
		case TargetsKeys:
			sub = keysTargets
			retire, err = st.rotateTargets()
		case OnlineKeys:
			sub = keysOnline
			retire, err = st.rotateOnline()
		default:
			err = fmt.Errorf("unknown key role %q: want root, targets or online", role)
		}
		return err
	})
	if err != nil {
		return rep, err
	}
	for _, k := range retire {
		if err := retireKey(r.keysDir, sub, k); err != nil {
			return rep, fmt.Errorf("moving the replaced key %s to %s: %w", k.file, filepath.Join(r.keysDir, keysRetired), err)
		}
	}
	return rep, nil
}

// setRoleKeys makes keys the only keys of a top-level role, and drops
// from root the keys no role uses any more.
func setRoleKeys(root *metadata.RootType, role string, keys []*signingKey, threshold int) {
	r := root.Roles[role]
	r.KeyIDs = nil
	for _, k := range keys {
		root.Keys[k.id] = k.public
		r.KeyIDs = append(r.KeyIDs, k.id)
	}
	r.Threshold = threshold
	used := map[string]bool{}
	for _, rr := range root.Roles {
		for _, id := range rr.KeyIDs {
			used[id] = true
		}
	}
	for id := range root.Keys {
		if !used[id] {
			delete(root.Keys, id)
		}
	}
}

func (st *state) newKeys(sub string, n int) ([]*signingKey, error) {
	var out []*signingKey
	for range n {
		k, err := generateKey(filepath.Join(st.r.keysDir, sub))
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

func (st *state) rotateRoot(opts RotateOptions) ([]*signingKey, error) {
	old, err := st.keys(signRoot)
	if err != nil {
		return nil, err
	}
	role := st.root.Signed.Roles[metadata.ROOT]
	if opts.Threshold == 0 {
		opts.Threshold = role.Threshold
	}
	if opts.Keys == 0 {
		opts.Keys = max(len(role.KeyIDs), opts.Threshold)
	}
	if opts.Threshold < 1 || opts.Keys < opts.Threshold {
		return nil, fmt.Errorf("a root threshold of %d with %d root keys can never be met", opts.Threshold, opts.Keys)
	}
	keys, err := st.newKeys(keysRoot, opts.Keys)
	if err != nil {
		return nil, err
	}
	setRoleKeys(&st.root.Signed, metadata.ROOT, keys, opts.Threshold)
	st.signers[signRoot] = keys
	st.cosigners[signRoot] = old
	st.changed[metadata.ROOT] = true
	return old, nil
}

func (st *state) rotateTargets() ([]*signingKey, error) {
	if _, err := st.keys(signRoot); err != nil {
		return nil, err
	}
	old, err := st.keys(signTargets)
	if err != nil && !errors.As(err, new(*MissingKeyError)) {
		return nil, err
	}
	keys, err := st.newKeys(keysTargets, 1)
	if err != nil {
		return nil, err
	}
	setRoleKeys(&st.root.Signed, metadata.TARGETS, keys, 1)
	st.signers[signTargets] = keys
	st.cosigners[signTargets] = old
	st.changed[metadata.ROOT] = true
	st.changed[metadata.TARGETS] = true
	return old, nil
}

func (st *state) rotateOnline() ([]*signingKey, error) {
	if _, err := st.keys(signRoot); err != nil {
		return nil, err
	}
	if _, err := st.keys(signTargets); err != nil {
		return nil, err
	}
	// The old online keys, where still at hand, co-sign snapshot and
	// timestamp; they are retired either way.
	var old []*signingKey
	for _, g := range []string{signSnapshot, signTimestamp, signBins} {
		ks, err := st.keys(g)
		if err != nil && !errors.As(err, new(*MissingKeyError)) {
			return nil, err
		}
		for _, k := range ks {
			if !slices.ContainsFunc(old, func(o *signingKey) bool { return o.id == k.id }) {
				old = append(old, k)
			}
		}
		st.cosigners[g] = ks
	}
	st.cosigners[signBins] = nil
	keys, err := st.newKeys(keysOnline, 1)
	if err != nil {
		return nil, err
	}
	for _, role := range []string{metadata.SNAPSHOT, metadata.TIMESTAMP} {
		setRoleKeys(&st.root.Signed, role, keys, 1)
	}
	d := st.targets.Signed.Delegations
	for _, id := range d.SuccinctRoles.KeyIDs {
		delete(d.Keys, id)
	}
	d.Keys[keys[0].id] = keys[0].public
	d.SuccinctRoles.KeyIDs = []string{keys[0].id}
	d.SuccinctRoles.Threshold = 1
	for _, g := range []string{signSnapshot, signTimestamp, signBins} {
		st.signers[g] = keys
	}
	for _, name := range d.SuccinctRoles.GetRoles() {
		if _, err := st.bin(name); err != nil {
			return nil, err
		}
		st.changed[name] = true
	}
	st.changed[metadata.ROOT] = true
	st.changed[metadata.TARGETS] = true
	st.changed[metadata.SNAPSHOT] = true
	return old, nil
}
