// @ts-check
/**
 * One archive extraction with 7-Zip (WebAssembly), run in a worker thread so the plugin can stop
 * it at any moment with `worker.terminate()` (7-Zip's main() is synchronous and cannot be
 * interrupted otherwise). Plain JavaScript because worker threads run under plain Node in both
 * the source tree (tests) and the build.
 *
 * Everything happens in 7-Zip's in-memory file system, which is separate from the real one: no
 * member name can reach the disk. Members are read back by walking the output folder without
 * following links; only regular files are returned.
 *
 * workerData: { wasmModule, input: Uint8Array, fileName, passwords, maxSize, archiveType? }
 * posts: { status: 'extracted' | 'not-archive' | 'failed', members, oversize, problems, password?, notes }
 */
import { parentPort, workerData } from 'node:worker_threads';
import SevenZip from '7z-wasm';

const { wasmModule, input, fileName, passwords, maxSize, archiveType } = workerData;

/** @type {string[]} */
const output = [];
const sevenZip = await SevenZip({
  print: (line) => output.push(line),
  printErr: (line) => output.push(line),
  // The plugin compiled the module once; each worker only instantiates it.
  instantiateWasm: (imports, done) => {
    WebAssembly.instantiate(wasmModule, imports).then((instance) => done(instance, wasmModule));
    return {};
  },
});
const FS = sevenZip.FS;

const OUT = '/out';
/** Output files that grew past maxSize: their bytes are dropped as they are written. */
const oversize = new Set();
capOutputFiles();

FS.mkdir('/in');
FS.mkdir(OUT);
const archivePath = `/in/${fileName}`;
// canOwn: the transferred bytes become the file's contents without another copy.
FS.createDataFile('/in', fileName, input, true, false, true);

/** @type {Array<{path: string, data: Uint8Array}>} */
const members = [];
const outcome = run();
parentPort?.postMessage(outcome, members.map((m) => /** @type {ArrayBuffer} */ (m.data.buffer)));

function run() {
  /** @type {{dir: string, problems: string[], notes: string[]} | undefined} */
  let best;
  for (const [i, password] of passwords.entries()) {
    // A fresh folder per password: a wrong one leaves 0-byte files behind.
    const dir = `${OUT}/${i}`;
    const attempt = extractWith(password, dir);
    if (attempt.kind === 'not-archive') {
      return { status: archiveType ? 'failed' : 'not-archive', members, oversize: [], problems: attempt.problems, notes: [] };
    }
    if (attempt.kind === 'ok') {
      collect(dir);
      return { status: 'extracted', members, oversize: relative([...oversize], dir), problems: [], notes: attempt.notes, password };
    }
    if (!best || attempt.problems.length < best.problems.length) {
      if (best) remove(best.dir);
      best = { dir, problems: attempt.problems, notes: attempt.notes };
    } else {
      remove(dir);
    }
  }
  if (!best) return { status: 'failed', members, oversize: [], problems: ['no passwords to try'], notes: [] };
  // Every password failed: keep what the least broken attempt did extract, minus its broken members.
  const broken = new Set(best.problems.map((p) => /^ERROR: .+? : (.+?)(?: : .*)?$/.exec(p)?.[1]).filter(Boolean));
  collect(best.dir, broken);
  return { status: 'failed', members, oversize: relative([...oversize], best.dir), problems: best.problems, notes: best.notes };
}

/**
 * @param {string} password
 * @param {string} dir
 * @returns {{kind: 'ok' | 'not-archive' | 'failed', problems: string[], notes: string[]}}
 */
function extractWith(password, dir) {
  output.length = 0;
  FS.mkdir(dir);
  const args = ['x', `-o${dir}`, '-y', `-p${password}`, '-bsp0', '-bd', '-spd'];
  if (archiveType) args.push(`-t${archiveType}`);
  args.push('--', archivePath);
  let code;
  try {
    code = sevenZip.callMain(args);
  } catch (err) {
    return { kind: 'failed', problems: [`7-Zip aborted: ${err instanceof Error ? err.message : `internal error ${String(err)}`}${archiveType ? ` (archive type "${archiveType}")` : ''}`], notes: [] };
  }
  const lines = output.map((l) => l.trim()).filter(Boolean);
  const wrongPassword = lines.some((l) => /wrong password/i.test(l));
  if (!wrongPassword && lines.some((l) => /^(Can't open as archive|Is not archive)|Cannot open the file as/.test(l))) {
    return { kind: 'not-archive', problems: lines.filter((l) => /open|not archive/i.test(l)), notes: [] };
  }
  // Links pointing outside the output folder are skipped by 7-Zip; that is not a failure.
  const notes = lines.filter((l) => /^ERROR: Dangerous link path was ignored/.test(l));
  const problems = lines.filter((l) => /^(ERROR|ERRORS|WARNING|Open ERROR)\b|Unexpected end|Data Error|CRC Failed|Headers Error|Unsupported/.test(l) && !notes.includes(l));
  if (code === 0 || (problems.length === 0 && notes.length > 0)) return { kind: 'ok', problems: [], notes };
  return { kind: 'failed', problems: problems.length > 0 ? problems : [`7-Zip exited with code ${code}`], notes };
}

/**
 * Read every regular file under `root` (never following links), freeing each as it is read.
 * @param {string} root
 * @param {Set<string | undefined>} [skip]
 */
function collect(root, skip = new Set()) {
  const walk = (/** @type {string} */ dir) => {
    for (const name of FS.readdir(dir)) {
      if (name === '.' || name === '..') continue;
      const path = `${dir}/${name}`;
      const mode = FS.lstat(path).mode;
      if (FS.isDir(mode)) walk(path);
      else if (FS.isFile(mode)) {
        const member = path.slice(root.length + 1);
        if (!oversize.has(path) && !skip.has(member)) members.push({ path: member, data: FS.readFile(path) });
        FS.unlink(path);
      }
    }
  };
  walk(root);
}

/** @param {string} dir */
function remove(dir) {
  for (const name of FS.readdir(dir)) {
    if (name === '.' || name === '..') continue;
    const path = `${dir}/${name}`;
    if (FS.isDir(FS.lstat(path).mode)) remove(path);
    else FS.unlink(path);
  }
  FS.rmdir(dir);
}

/**
 * @param {string[]} paths
 * @param {string} dir
 */
function relative(paths, dir) {
  return paths.filter((p) => p.startsWith(`${dir}/`)).map((p) => p.slice(dir.length + 1));
}

/**
 * Writes (and size changes) that would take an output file past maxSize are dropped and the file
 * is remembered as oversize, so an archive bomb cannot fill memory before its size is checked.
 */
function capOutputFiles() {
  const isOutput = (/** @type {unknown} */ path) => typeof path === 'string' && path.startsWith(`${OUT}/`);
  const write = FS.write;
  FS.write = function (stream, buffer, offset, length, position, canOwn) {
    const at = typeof position === 'number' ? position : stream.position;
    if (isOutput(stream.path) && (oversize.has(stream.path) || at + length > maxSize)) {
      if (!oversize.has(stream.path)) {
        oversize.add(stream.path);
        // Free what was written so far; nothing of this file will be returned.
        const node = /** @type {any} */ (stream).node;
        if (node) {
          node.contents = null;
          node.usedBytes = 0;
        }
      }
      if (typeof position !== 'number') stream.position += length;
      return length;
    }
    return write.call(this, stream, buffer, offset, length, position, canOwn);
  };
  const fs = /** @type {any} */ (FS);
  for (const name of ['truncate', 'ftruncate']) {
    const original = fs[name];
    if (typeof original !== 'function') continue;
    fs[name] = function (/** @type {any} */ target, /** @type {number} */ length) {
      const path = typeof target === 'number' ? fs.getStream?.(target)?.path : target;
      if (isOutput(path) && length > maxSize) {
        oversize.add(path);
        return;
      }
      return original.call(this, target, length);
    };
  }
}
