// interop.mjs: tuf-js as a second, independent TUF client of a repository
// that "gopip repo" published. The Go test (trust/publish/tufjs_test.go)
// serves the repository, puts the trusted root in METADATA_DIR/root.json
// and runs:
//
//   node interop.mjs METADATA_URL TARGETS_URL METADATA_DIR TARGET_DIR PATH...
//
// The script refreshes the top-level metadata (following root rotations),
// looks each target PATH up through the delegations, downloads it by its
// consistent-snapshot name and lets tuf-js verify its length and hashes.
// It prints one JSON object: the trusted root version and, per target, the
// file it wrote. Any failure exits 1 with the error on stderr.
import fs from 'node:fs';
import path from 'node:path';
import { Updater } from 'tuf-js';

const [metadataBaseUrl, targetBaseUrl, metadataDir, targetDir, ...paths] = process.argv.slice(2);
if (!targetDir || paths.length === 0) {
  console.error('usage: node interop.mjs METADATA_URL TARGETS_URL METADATA_DIR TARGET_DIR PATH...');
  process.exit(2);
}

const updater = new Updater({
  metadataBaseUrl,
  targetBaseUrl,
  metadataDir,
  targetDir,
  config: { fetchRetry: 0, fetchTimeout: 20000 },
});

try {
  await updater.refresh();
  const targets = [];
  for (const [i, p] of paths.entries()) {
    const info = await updater.getTargetInfo(p);
    if (!info) {
      throw new Error(`${p} is not a target`);
    }
    const file = await updater.downloadTarget(info, path.join(targetDir, `${i}-${path.basename(p)}`));
    targets.push({ path: p, file, length: info.length, hashes: info.hashes });
  }
  const root = JSON.parse(fs.readFileSync(path.join(metadataDir, 'root.json'), 'utf8'));
  console.log(JSON.stringify({ root_version: root.signed.version, targets }));
} catch (err) {
  console.error(`tuf-js: ${err.name}: ${err.message}`);
  process.exit(1);
}
