package publish

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// RefreshOptions tune Refresh. The zero value re-signs at half-life and
// prunes nothing.
type RefreshOptions struct {
	// ResignFraction: a role other than the timestamp is re-signed once
	// less than this fraction of its signature period remains. Default 0.5;
	// 1 re-signs everything the keys allow.
	ResignFraction float64
	// PruneAfter, when positive, deletes superseded metadata versions and
	// consistent-snapshot target copies that were superseded more than
	// PruneAfter ago. The current metadata, whatever it references, and
	// every root version are never deleted.
	PruneAfter time.Duration
}

// Refresh keeps the repository's signatures valid; run it from cron more
// often than the timestamp period (hourly for the default day). It always
// re-signs the timestamp, re-signs the snapshot and each bin once less
// than ResignFraction of its period remains, and needs only the online
// key for that. Targets and root are re-signed the same way when their
// offline keys are in the key folder; otherwise a warning in the report
// says they are due.
//
// It is safe while clients read: every file is written under a temporary
// name and renamed, and the old versions stay until pruned.
func (r *Repo) Refresh(ctx context.Context, opts RefreshOptions) (*Report, error) {
	if opts.ResignFraction == 0 {
		opts.ResignFraction = 0.5
	}
	if opts.ResignFraction < 0 || opts.ResignFraction > 1 {
		return nil, fmt.Errorf("the re-sign fraction must be between 0 and 1, not %g", opts.ResignFraction)
	}
	return r.update(ctx, func(st *state) error {
		if err := st.needOnline(); err != nil {
			return err
		}
		if err := st.refresh(opts); err != nil {
			return err
		}
		if opts.PruneAfter <= 0 {
			return nil
		}
		if err := st.commit(ctx); err != nil {
			return err
		}
		return st.prune(opts.PruneAfter)
	})
}

func (st *state) refresh(opts RefreshOptions) error {
	due := func(role string, expires time.Time) bool {
		left := expires.Sub(st.now)
		return float64(left) < opts.ResignFraction*float64(st.r.expires.period(role))
	}
	st.forceTimestamp = true
	if due(metadata.SNAPSHOT, st.snapshot.Signed.Expires) {
		st.changed[metadata.SNAPSHOT] = true
	}
	for _, name := range st.succinct().GetRoles() {
		b, err := st.bin(name)
		if err != nil {
			return err
		}
		if due(name, b.Signed.Expires) {
			st.changed[name] = true
		}
	}
	for _, role := range []struct {
		name    string
		expires time.Time
	}{
		{metadata.TARGETS, st.targets.Signed.Expires},
		{metadata.ROOT, st.root.Signed.Expires},
	} {
		if !due(role.name, role.expires) {
			continue
		}
		if _, err := st.keys(role.name); err == nil {
			st.changed[role.name] = true
			continue
		} else if !errors.As(err, new(*MissingKeyError)) {
			return err
		}
		left := role.expires.Sub(st.now)
		msg := fmt.Sprintf("%s expires on %s, in %s", role.name, role.expires.Format(time.RFC3339), left.Round(time.Hour))
		if left <= 0 {
			msg = fmt.Sprintf("%s EXPIRED on %s: clients refuse the repository", role.name, role.expires.Format(time.RFC3339))
		}
		st.report.Warnings = append(st.report.Warnings, msg+fmt.Sprintf("; re-sign it with its offline keys: gopip repo refresh --keys <the folder holding %s/>", role.name))
	}
	return nil
}

// metaName matches a versioned metadata file name, "12.bins-3f.json".
var metaName = regexp.MustCompile(`^([0-9]+)\.(.+)\.json$`)

// prune deletes what no client can need any more: metadata versions and
// target copies superseded more than after ago. A metadata version was
// superseded when the next version of its role was written (that file's
// modification time); a target copy when the target changed or was removed
// (publish and setTarget touch it then). Leftover temporary files of a
// crashed run go too.
func (st *state) prune(after time.Duration) error {
	cutoff := st.now.Add(-after)
	old := func(t time.Time) bool { return t.Before(cutoff) }

	current := map[string]int64{
		metadata.SNAPSHOT: st.snapshot.Signed.Version,
	}
	for name, m := range st.snapshot.Signed.Meta {
		current[strings.TrimSuffix(name, ".json")] = m.Version
	}
	// Versions on disk per role.
	entries, err := os.ReadDir(filepath.Join(st.r.dir, tufDir))
	if err != nil {
		return err
	}
	versions := map[string][]int64{}
	for _, e := range entries {
		m := metaName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		v, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			continue
		}
		versions[m[2]] = append(versions[m[2]], v)
	}
	for role, vs := range versions {
		cur, ok := current[role]
		if role == metadata.ROOT || !ok {
			continue // every root stays; unknown files are not ours
		}
		slices.Sort(vs)
		for i, v := range vs {
			if v >= cur || i+1 >= len(vs) {
				continue
			}
			next := st.tufPath(fmt.Sprintf("%d.%s.json", vs[i+1], role))
			fi, err := os.Stat(next)
			if err != nil || !old(fi.ModTime()) {
				continue
			}
			if err := st.pruneFile(path.Join(tufDir, fmt.Sprintf("%d.%s.json", v, role))); err != nil {
				return err
			}
		}
	}

	// Target copies: keep those the current bins reference.
	live := map[string]bool{}
	for _, name := range st.succinct().GetRoles() {
		b, err := st.bin(name)
		if err != nil {
			return err
		}
		for p, t := range b.Signed.Targets {
			live[hashName(p, t.Hashes["sha256"])] = true
		}
	}
	return filepath.WalkDir(st.r.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(st.r.dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == stateDir {
				return filepath.SkipDir
			}
			return nil
		}
		fi, err := d.Info()
		if err != nil || !old(fi.ModTime()) {
			return nil
		}
		switch {
		case strings.HasPrefix(d.Name(), ".tmp-"):
			return st.pruneFile(rel)
		case (strings.HasPrefix(rel, simpleDir+"/") || strings.HasPrefix(rel, packagesDir+"/")) &&
			hashedTarget.MatchString(d.Name()) && !live[rel]:
			return st.pruneFile(rel)
		}
		return nil
	})
}

func (st *state) pruneFile(rel string) error {
	err := os.Remove(filepath.Join(st.r.dir, filepath.FromSlash(rel)))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("pruning %s: %w", rel, err)
	}
	st.report.Pruned = append(st.report.Pruned, rel)
	return nil
}

// superseded marks a target copy as no longer current, for prune.
func (st *state) superseded(targetPath string, t *metadata.TargetFiles) {
	st.touch(hashName(targetPath, t.Hashes["sha256"]))
}

// touch sets a file's modification time to the repository clock's now:
// prune reads when things were superseded from modification times, and
// the clock decides (tests move it).
func (st *state) touch(rel string) {
	_ = os.Chtimes(filepath.Join(st.r.dir, filepath.FromSlash(rel)), st.now, st.now)
}
