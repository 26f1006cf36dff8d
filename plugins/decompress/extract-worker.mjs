// @ts-check
/**
 * Archive extraction with 7-Zip (WebAssembly), one archive at a time, in a worker thread so the plugin can stop
 * it at any moment with `worker.terminate()` (7-Zip's main() is synchronous and cannot be
 * interrupted otherwise). Plain JavaScript because worker threads run under plain Node in both
 * the source tree (tests) and the build.
 *
 * Everything happens in 7-Zip's in-memory file system, which is separate from the real one: no
 * member name can reach the disk. Members are read back by walking the output folder without
 * following links; only regular files are returned.
 *
 * Sizes are checked twice. Before extracting, the archive is listed: members it says are larger
 * than maxSize, and members past maxTotal bytes in all, are left out of the extraction (so a
 * bomb is refused without inflating a byte of it). While extracting, a member that grows past
 * maxSize, or output past maxTotal, stops 7-Zip at once: that only happens when the archive's
 * headers lie about sizes (a gzip trailer holds the size modulo 4 GiB, zip sizes are just
 * numbers), and 7-Zip would otherwise inflate all of it.
 *
 * A thread module of a ThreadHost (see run-extraction.ts): setup({ wasmModule }); each request:
 * { input: Uint8Array, fileName, passwords, maxSize, maxTotal, archiveType? }, answered with
 * { status: 'extracted' | 'not-archive' | 'failed', members, oversize, refused, stopped?, problems, password?, notes }
 */
import SevenZip from '7z-wasm';

/** Moves the members' bytes back instead of copying them (the symbol ThreadHost reads). */
const TRANSFER = Symbol.for('rxstoq.pool.transfer');

/** Compiled once by the plugin; every archive gets a fresh instance of it. */
/** @type {WebAssembly.Module} */ let wasmModule;

// The job in progress (a thread serves one archive at a time, then waits for the next).
/** @type {Uint8Array} */ let input;
/** @type {string} */ let fileName;
/** @type {string[]} */ let passwords;
/** @type {number} */ let maxSize;
/** @type {number} */ let maxTotal;
/** @type {string | undefined} */ let archiveType;

const IN = '/in';
const OUT = '/out';
let archivePath = '';
const EXCLUDE_LIST = '/exclude.txt';
// Emscripten's ENOSPC: what a full disk would say to 7-Zip.
const ENOSPC = 51;

/** @type {string[]} */
const output = [];
/** Output files that grew past maxSize while being written (their bytes are dropped). */
const oversize = new Set();
/** @type {{path: string, reason: 'member' | 'total', listed?: number} | undefined} */
let stopped;
/** Bytes written per output file of the attempt in progress, and their sum. */
const extents = new Map();
let written = 0;

/** @type {any} */
let sevenZip;

/** @type {Array<{path: string, data: Uint8Array}>} */
const members = [];

/** A fresh 7-Zip instance with the archive in its file system (after 7-Zip aborts, the old one may be unusable). */
async function instantiate() {
  const instance = await SevenZip({
    print: (line) => output.push(line),
    printErr: (line) => output.push(line),
    // The plugin compiled the module once; each instance is only instantiated.
    instantiateWasm: (imports, done) => {
      WebAssembly.instantiate(wasmModule, imports).then((i) => done(i, wasmModule));
      return {};
    },
  });
  capOutputFiles(instance.FS);
  instance.FS.mkdir(IN);
  instance.FS.mkdir(OUT);
  // Not canOwn: a later instance may need the same bytes.
  instance.FS.writeFile(archivePath, input);
  return instance;
}

/**
 * Run 7-Zip. `aborted` when it threw (a C++ exception on a damaged archive, or a write refused by
 * the size caps); the instance is not trusted again, but its files can still be read.
 */
function call(/** @type {string[]} */ args) {
  output.length = 0;
  const instance = sevenZip;
  try {
    return { code: instance.callMain(args), aborted: false, instance };
  } catch (err) {
    sevenZip = undefined;
    return { code: -1, aborted: true, error: err, instance };
  }
}

const lines = () => output.map((l) => l.trim()).filter(Boolean);
const isNotArchive = (/** @type {string[]} */ l) => l.some((x) => /^(Can't open as archive|Is not archive)|Cannot open the file as archive/.test(x));
/** 7-Zip knew the format (by its signature) but could not open it: the archive is damaged. */
const isBroken = (/** @type {string[]} */ l) => l.some((x) => /Cannot open the file as \[/.test(x));
const brokenDetails = (/** @type {string[]} */ l) => [
  ...new Set(l.filter((x) => /Cannot open the file as \[|^Unexpected end|Headers Error|^Open ERROR|^ERROR: .*(?:Data Error|CRC)/.test(x))),
];

async function run() {
  /** @type {{dir: string, problems: string[], notes: string[], instance?: any} | undefined} */
  let best;
  /** @type {Array<{path: string, size: number, reason: 'member' | 'total'}>} */
  let refused = [];
  for (const [i, password] of passwords.entries()) {
    sevenZip ??= await instantiate();
    const plan = planFrom(list(password));
    if (plan.kind === 'not-archive') {
      return { status: archiveType ? 'failed' : 'not-archive', members, oversize: [], refused: [], problems: plan.problems, notes: [] };
    }
    if (plan.kind === 'broken') {
      return { status: 'failed', members, oversize: [], refused: [], problems: plan.problems, notes: [] };
    }
    refused = plan.refused;
    if (plan.kind === 'nothing-to-extract') {
      return { status: 'extracted', members, oversize: [], refused, problems: [], notes: [], password };
    }
    // A fresh folder per password: a wrong one leaves 0-byte files behind.
    const dir = `${OUT}/${i}`;
    sevenZip ??= await instantiate();
    const attempt = extractWith(password, dir, plan.exclude);
    if (attempt.kind === 'not-archive') {
      return { status: archiveType ? 'failed' : 'not-archive', members, oversize: [], refused, problems: attempt.problems, notes: [] };
    }
    if (attempt.kind === 'stopped') {
      collect(dir, new Set(), attempt.instance);
      return {
        status: 'extracted',
        members,
        oversize: relative([...oversize], dir),
        refused,
        stopped: stoppedIn(dir),
        problems: [],
        notes: attempt.notes,
        password,
      };
    }
    if (attempt.kind === 'ok') {
      collect(dir);
      return { status: 'extracted', members, oversize: relative([...oversize], dir), refused, problems: [], notes: attempt.notes, password };
    }
    if (attempt.kind === 'aborted') {
      // Nothing of an aborted run is trusted; its messages count only if nothing better comes.
      best ??= { dir: '', problems: attempt.problems, notes: [] };
      continue;
    }
    if (!best?.dir || attempt.problems.length < best.problems.length) {
      if (best?.dir) remove(best.dir, best.instance);
      best = { dir, problems: attempt.problems, notes: attempt.notes, instance: sevenZip };
    } else {
      remove(dir);
    }
  }
  if (!best) return { status: 'failed', members, oversize: [], refused, problems: ['no passwords to try'], notes: [] };
  // Every password failed: keep what the least broken attempt did extract, minus its broken members.
  const broken = new Set(best.problems.map((p) => /^ERROR: .+? : (.+?)(?: : .*)?$/.exec(p)?.[1]).filter(Boolean));
  if (best.dir) collect(best.dir, broken, best.instance);
  return { status: 'failed', members, oversize: relative([...oversize], best.dir), refused, problems: best.problems, notes: best.notes };
}

/**
 * `7zz l -slt`: the members and their sizes as the archive declares them, or why it cannot be
 * listed. A listing that fails for another reason (a wrong password for encrypted headers)
 * gives no members, and the extraction runs with only the write-time caps.
 * @param {string} password
 */
function list(password) {
  const args = ['l', '-slt', `-p${password}`];
  if (archiveType) args.push(`-t${archiveType}`);
  args.push('--', archivePath);
  const { aborted } = call(args);
  const all = lines();
  const start = output.findIndex((l) => l.trim() === '----------');
  if (!aborted && start < 0 && !all.some((l) => /wrong password/i.test(l))) {
    if (isBroken(all)) return { kind: /** @type {const} */ ('broken'), problems: brokenDetails(all) };
    if (isNotArchive(all)) return { kind: /** @type {const} */ ('not-archive'), problems: all.filter((l) => /open|not archive/i.test(l)) };
  }
  /** @type {Array<{path: string, size: number | undefined}>} */
  const files = [];
  if (!aborted && start >= 0) {
    for (const block of output
      .slice(start + 1)
      .join('\n')
      .split(/\n\s*\n/)) {
      const fields = new Map();
      for (const line of block.split('\n')) {
        const eq = line.indexOf(' = ');
        if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 3));
      }
      if (!fields.has('Path')) continue;
      if (fields.get('Folder') === '+' || /^D/.test(fields.get('Attributes') ?? '')) continue;
      const size = fields.get('Size');
      files.push({ path: fields.get('Path'), size: size && /^\d+$/.test(size) ? Number(size) : undefined });
    }
  }
  return { kind: /** @type {const} */ ('listed'), files };
}

/**
 * Which listed members to leave out: each one over maxSize, then, in archive order, each one
 * past maxTotal bytes in all.
 * @param {ReturnType<typeof list>} listing
 */
function planFrom(listing) {
  if (listing.kind !== 'listed') return listing;
  /** @type {Array<{path: string, size: number, reason: 'member' | 'total'}>} */
  const refused = [];
  let total = 0;
  for (const f of listing.files) {
    const size = f.size ?? 0;
    if (size > maxSize) refused.push({ path: f.path, size, reason: 'member' });
    else if (total + size > maxTotal) refused.push({ path: f.path, size, reason: 'total' });
    else total += size;
  }
  const kind = listing.files.length > 0 && refused.length === listing.files.length ? 'nothing-to-extract' : 'extract';
  return { kind: /** @type {'nothing-to-extract' | 'extract'} */ (kind), refused, exclude: refused.map((r) => r.path) };
}

/**
 * @param {string} password
 * @param {string} dir
 * @param {string[]} exclude
 * @returns {{kind: 'ok' | 'not-archive' | 'failed' | 'aborted' | 'stopped', problems: string[], notes: string[], instance?: any}}
 */
function extractWith(password, dir, exclude) {
  const FS = sevenZip.FS;
  FS.mkdir(dir);
  extents.clear();
  written = 0;
  // Exact paths: -spd turns wildcard matching off, so a name with * or ? means only itself.
  const args = ['x', `-o${dir}`, '-y', `-p${password}`, '-bsp0', '-bd', '-spd'];
  if (exclude.length > 0) {
    FS.writeFile(EXCLUDE_LIST, `${exclude.join('\n')}\n`);
    args.push(`-x@${EXCLUDE_LIST}`);
  }
  if (archiveType) args.push(`-t${archiveType}`);
  args.push('--', archivePath);
  const { code, aborted, error, instance } = call(args);
  const all = lines();
  if (stopped) return { kind: 'stopped', problems: [], notes: [], instance };
  if (aborted) {
    return {
      kind: 'aborted',
      problems: [
        `7-Zip aborted on the archive (${error instanceof Error ? error.message : `internal error ${String(error)}`}); it is damaged or not what it claims to be${archiveType ? ` (archive type "${archiveType}")` : ''}`,
      ],
      notes: [],
    };
  }
  const wrongPassword = all.some((l) => /wrong password/i.test(l));
  if (!wrongPassword && isBroken(all)) return { kind: 'failed', problems: brokenDetails(all), notes: [] };
  if (!wrongPassword && isNotArchive(all)) {
    return { kind: 'not-archive', problems: all.filter((l) => /open|not archive/i.test(l)), notes: [] };
  }
  // Links pointing outside the output folder are skipped by 7-Zip; that is not a failure.
  const notes = all.filter((l) => /^ERROR: Dangerous link path was ignored/.test(l));
  const problems = all.filter(
    (l) =>
      /^(ERROR|ERRORS|WARNING|Open ERROR)\b|Unexpected end|Data Error|CRC Failed|Headers Error|Unsupported|Cannot open the file as \[/.test(l) &&
      !notes.includes(l),
  );
  if (code === 0 || (problems.length === 0 && notes.length > 0)) return { kind: 'ok', problems: [], notes };
  return { kind: 'failed', problems: problems.length > 0 ? problems : [`7-Zip exited with code ${code}`], notes };
}

/**
 * Read every regular file under `root` (never following links), freeing each as it is read.
 * @param {string} root
 * @param {Set<string | undefined>} [skip]
 * @param {any} [instance] the 7-Zip instance whose files to read (default: the current one)
 */
function collect(root, skip = new Set(), instance = sevenZip) {
  const FS = instance?.FS;
  if (!FS) return;
  const walk = (/** @type {string} */ dir) => {
    for (const name of FS.readdir(dir)) {
      if (name === '.' || name === '..') continue;
      const path = `${dir}/${name}`;
      const mode = FS.lstat(path).mode;
      if (FS.isDir(mode)) walk(path);
      else if (FS.isFile(mode)) {
        const member = path.slice(root.length + 1);
        if (!oversize.has(path) && stopped?.path !== path && !skip.has(member)) members.push({ path: member, data: FS.readFile(path) });
        FS.unlink(path);
      }
    }
  };
  walk(root);
}

/**
 * @param {string} dir
 * @param {any} [instance]
 */
function remove(dir, instance = sevenZip) {
  const FS = instance?.FS;
  if (!FS) return;
  for (const name of FS.readdir(dir)) {
    if (name === '.' || name === '..') continue;
    const path = `${dir}/${name}`;
    if (FS.isDir(FS.lstat(path).mode)) remove(path, instance);
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

/** @param {string} dir */
function stoppedIn(dir) {
  if (!stopped) return undefined;
  return { ...stopped, path: stopped.path.startsWith(`${dir}/`) ? stopped.path.slice(dir.length + 1) : stopped.path };
}

/**
 * A write (or size change) that would take an output file past maxSize, or all output past
 * maxTotal, is refused with "no space left": 7-Zip stops there. The file's bytes are freed.
 * @param {any} FS
 */
function capOutputFiles(FS) {
  const isOutput = (/** @type {unknown} */ path) => typeof path === 'string' && path.startsWith(`${OUT}/`);
  const refuse = (/** @type {any} */ stream, /** @type {string} */ path, /** @type {'member' | 'total'} */ reason) => {
    if (reason === 'member') oversize.add(path);
    stopped ??= { path, reason };
    const node = stream?.node;
    if (node) {
      node.contents = null;
      node.usedBytes = 0;
    }
    throw new FS.ErrnoError(ENOSPC);
  };
  const grow = (/** @type {any} */ stream, /** @type {string} */ path, /** @type {number} */ end) => {
    const before = extents.get(path) ?? 0;
    if (end <= before) return;
    if (end > maxSize) refuse(stream, path, 'member');
    if (written + (end - before) > maxTotal) refuse(stream, path, 'total');
    extents.set(path, end);
    written += end - before;
  };
  const write = FS.write;
  FS.write = function (/** @type {any} */ stream, /** @type {any[]} */ ...rest) {
    const [, , length, position] = rest;
    if (isOutput(stream.path)) grow(stream, stream.path, (typeof position === 'number' ? position : stream.position) + length);
    return write.call(this, stream, ...rest);
  };
  for (const name of ['truncate', 'ftruncate']) {
    const original = FS[name];
    if (typeof original !== 'function') continue;
    FS[name] = function (/** @type {any} */ target, /** @type {number} */ length) {
      const stream = typeof target === 'number' ? FS.getStream?.(target) : undefined;
      const path = stream ? stream.path : target;
      if (isOutput(path)) grow(stream, path, length);
      return original.call(this, target, length);
    };
  }
}

/** Forget everything about the previous archive (its 7-Zip instance is dropped with it). */
function reset(/** @type {any} */ job) {
  ({ input, fileName, passwords, maxSize, maxTotal, archiveType } = job);
  archivePath = `${IN}/${fileName}`;
  output.length = 0;
  oversize.clear();
  stopped = undefined;
  extents.clear();
  written = 0;
  sevenZip = undefined;
  members.length = 0;
}

/** @param {{ wasmModule: WebAssembly.Module }} data */
export function setup(data) {
  wasmModule = data.wasmModule;
}

/**
 * One archive (the host hands a thread one at a time, and terminates the thread to stop a job).
 * @param {any} job
 */
export async function handle(job) {
  reset(job);
  const outcome = await run();
  const extracted = members.splice(0);
  return { ...outcome, members: extracted, [TRANSFER]: extracted.map((m) => /** @type {ArrayBuffer} */ (m.data.buffer)) };
}
