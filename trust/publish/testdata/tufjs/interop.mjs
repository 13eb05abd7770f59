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
// A target that is a project's JSON page (simple/<project>/index.json) then
// vouches for the files it lists, which are not targets: each is downloaded
// from its URL (relative to the page) and checked against the page's
// sha256 and size, as the repository layout asks of clients.
// It prints one JSON object: the trusted root version and, per target, the
// file it wrote and the page's files it verified. Any failure exits 1 with
// the error on stderr.
import crypto from 'node:crypto';
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
    const files = /^simple\/[^/]+\/index\.json$/.test(p) ? await pageFiles(p, file, i) : [];
    targets.push({ path: p, file, length: info.length, hashes: info.hashes, files });
  }
  const root = JSON.parse(fs.readFileSync(path.join(metadataDir, 'root.json'), 'utf8'));
  console.log(JSON.stringify({ root_version: root.signed.version, targets }));
} catch (err) {
  console.error(`tuf-js: ${err.name}: ${err.message}`);
  process.exit(1);
}

// pageFiles downloads every file a verified PEP 691 page lists and checks
// it against the page's sha256 and size (PEP 700).
async function pageFiles(pagePath, pageFile, i) {
  const page = JSON.parse(fs.readFileSync(pageFile, 'utf8'));
  const pageURL = new URL(pagePath.replace(/index\.json$/, ''), targetBaseUrl);
  const out = [];
  for (const f of page.files) {
    const url = new URL(f.url, pageURL);
    const resp = await fetch(url);
    if (!resp.ok) {
      throw new Error(`${url}: ${resp.status}`);
    }
    const data = Buffer.from(await resp.arrayBuffer());
    const sha256 = crypto.createHash('sha256').update(data).digest('hex');
    if (data.length !== f.size || sha256 !== f.hashes.sha256) {
      throw new Error(`${f.filename}: ${data.length} bytes, sha256 ${sha256}; the verified page gives ${f.size}, ${f.hashes.sha256}`);
    }
    const file = path.join(targetDir, `${i}-files`, f.filename);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, data);
    out.push({ filename: f.filename, file });
  }
  return out;
}
