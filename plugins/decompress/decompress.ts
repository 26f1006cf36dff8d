import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { ExtractedPayload, PayloadMeta, StoqError, WorkerPlugin, WorkerResponse, type CallContext, type Payload, type Request } from 'rxstoq';
import { z } from 'zod';
import { ExtractionThreads, type ExtractionOutcome, type WasmModule } from './run-extraction.js';

// The WebAssembly global exists in Node, but this project's type libraries do not declare it.
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> } }).WebAssembly;

const OptionsSchema = z.object({
  /** Tried in order until one extracts cleanly. */
  passwords: z.array(z.string()).default(['-', 'infected', 'password']),
  /** Largest input, and largest extracted member, in bytes. */
  maximum_size: z.number().int().positive().default(50_000_000),
  /** Largest total of all members of one archive; members past it are not extracted. */
  maximum_total_size: z.number().int().positive().default(250_000_000),
  /** Seconds per archive (also the engine's per-call timeout). */
  timeout: z.number().positive().default(45),
  always_dispatch: z.array(z.string()).default([]),
  archive_extracted: z.boolean().default(true),
  /** Each extraction runs in its own thread; this caps how many run at once (the engine reads it too). */
  concurrency: z.number().int().positive().default(4),
  /** V8 heap cap in MB of each extraction thread (7-Zip's own WebAssembly memory is bounded by maximum_total_size); past it: PLUGIN_OUT_OF_MEMORY. */
  memory_limit_mb: z.number().int().positive().default(512),
});

/** Upstream's name for "7-Zip, whatever the format"; anything else is a 7-Zip format (`-t`). */
const ANY_FORMAT = '7z';

/**
 * Extract archives with 7-Zip compiled to WebAssembly: zip, 7z, rar, tar, gzip, bzip2, xz, cab,
 * iso and every other format 7-Zip opens, trying each password in turn. Each archive is extracted
 * by a fresh 7-Zip instance in its own worker thread, which is terminated on timeout or
 * cancellation, so a slow or hostile archive is really stopped.
 */
export class DecompressPlugin extends WorkerPlugin<typeof OptionsSchema> {
  static override optionsSchema = OptionsSchema;
  /** What it reads from the payload's metadata: a cached answer is reused only when these match. */
  static override cacheMetaKeys: readonly string[] = ['filename', 'passwords', 'archiver'];

  #threads!: ExtractionThreads;

  override async setup(): Promise<void> {
    const wasmPath = createRequire(import.meta.url).resolve('7z-wasm/7zz.wasm');
    // Compiled once; every extraction thread instantiates this module instead of recompiling.
    const wasm: WasmModule = await WebAssemblyApi.compile(await readFile(wasmPath));
    // As many idle threads kept as archives may be extracted at once.
    this.#threads = new ExtractionThreads(wasm, this.options.concurrency, this.options.memory_limit_mb);
  }

  override async close(): Promise<void> {
    await this.#threads?.close();
  }

  /** Extraction threads with an archive in progress (or being stopped). */
  get runningExtractions(): number {
    return this.#threads.running;
  }

  async scan(payload: Payload, _request: Request, ctx: CallContext): Promise<WorkerResponse> {
    const { maximum_size: maxSize, maximum_total_size: maxTotal, timeout } = this.options;
    const size = payload.content.byteLength;
    if (size > maxSize) throw new Error(`Compressed file too large: ${size} > ${maxSize}`);
    const extra = payload.payload_meta.extra_data;

    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new Error(`Timed out decompressing payload after ${timeout}s; extraction stopped`)), timeout * 1000);
    let outcome: ExtractionOutcome;
    try {
      outcome = await this.#threads.run(
        {
          // One copy: the payload's own bytes stay with the payload; this one moves to the thread.
          input: new Uint8Array(payload.content),
          fileName: archiveFileName(extra['filename']),
          passwords: passwordsFor(extra['passwords'], this.options.passwords),
          maxSize,
          maxTotal,
          archiveType: archiveTypeFor(extra['archiver']),
        },
        AbortSignal.any([ctx.signal, deadline.signal]),
      );
    } finally {
      clearTimeout(timer);
    }
    return this.#response(payload, outcome, ctx);
  }

  #response(payload: Payload, outcome: ExtractionOutcome, ctx: CallContext): WorkerResponse {
    const error = (message: string) => new StoqError(message, this.plugin_name, payload.payload_id);
    const errors: StoqError[] = [];
    if (outcome.status === 'not-archive') {
      ctx.log.debug({ problems: outcome.problems }, 'payload is not an archive 7-Zip can open');
    }
    if (outcome.status === 'failed') {
      errors.push(
        error(
          `7-Zip could not extract the archive (tried ${this.options.passwords.length > 0 ? 'every password' : 'no password'}): ${outcome.problems.join('; ')}`,
        ),
      );
    }
    const { maximum_size: maxSize, maximum_total_size: maxTotal } = this.options;
    for (const r of outcome.refused.filter((m) => m.reason === 'member')) {
      errors.push(error(`Extracted object is too large (> ${maxSize} bytes), not extracted: ${r.path} (the archive lists ${r.size} bytes)`));
    }
    const overTotal = outcome.refused.filter((m) => m.reason === 'total');
    if (overTotal.length > 0) {
      const shown = overTotal.slice(0, 10).map((m) => m.path);
      const more = overTotal.length > shown.length ? `, and ${overTotal.length - shown.length} more` : '';
      errors.push(
        error(
          `Archive members exceed maximum_total_size (${maxTotal} bytes) in all: ${overTotal.length} member(s) not extracted, ${overTotal.reduce((n, m) => n + m.size, 0)} bytes listed: ${shown.join(', ')}${more}`,
        ),
      );
    }
    for (const member of outcome.oversize) {
      if (outcome.stopped?.path !== member) errors.push(error(`Extracted object is too large (> ${maxSize} bytes), not extracted: ${member}`));
    }
    if (outcome.stopped) {
      const { path, reason } = outcome.stopped;
      errors.push(
        error(
          reason === 'member'
            ? `Extracted object is too large (> ${maxSize} bytes), not extracted: ${path} grew past the size its archive headers give; 7-Zip was stopped there and later members were not extracted`
            : `Extracted members reached maximum_total_size (${maxTotal} bytes) while writing ${path}, more than the archive headers give; 7-Zip was stopped there and later members were not extracted`,
        ),
      );
    }
    if (outcome.notes.length > 0) ctx.log.info({ notes: outcome.notes }, '7-Zip skipped archive members');
    const extracted = outcome.members.map(
      (m) =>
        new ExtractedPayload(
          m.data,
          new PayloadMeta({
            should_archive: this.options.archive_extracted,
            extra_data: { filename: m.path },
            dispatch_to: [...this.options.always_dispatch],
          }),
        ),
    );
    return new WorkerResponse({ results: {}, extracted, errors });
  }
}

/** The archive's own name helps 7-Zip name gzip/bzip2/xz output; only its last component is used. */
function archiveFileName(filename: unknown): string {
  const name = typeof filename === 'string' ? basename(filename.replace(/\\/g, '/')).replace(/\0/g, '').trim() : '';
  return name && name !== '.' && name !== '..' ? name.slice(-200) : 'payload';
}

/** Per-payload passwords (`extra_data.passwords`, a list or "a,b,c") replace the option's, as upstream. */
function passwordsFor(value: unknown, fallback: string[]): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string')
    return value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return fallback;
}

function archiveTypeFor(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '' || value === ANY_FORMAT) return undefined;
  if (typeof value === 'string' && /^[A-Za-z0-9._-]{1,32}$/.test(value)) return value;
  throw new Error(`Unknown archive type of ${JSON.stringify(value)}`);
}
