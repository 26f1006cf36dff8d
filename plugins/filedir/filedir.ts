import { readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Observable } from 'rxjs';
import {
  ArchiverPlugin,
  ArchiverResponse,
  Payload,
  PayloadMeta,
  StoqPluginException,
  dumps,
  getSha1,
  pullFrom,
  type IngestContext,
  type Logger,
  type StoqResponse,
} from 'rxstoq';
import { z } from 'zod';
import { makeDirDurable, publishFile } from './publish-file.js';
import { sourceFiles } from './source-files.js';
import { strftime, unknownDirectives } from './strftime.js';

const OptionsSchema = z.object({
  /** Provider: file or folder to ingest. */
  source_dir: z.string().nullish(),
  recursive: z.boolean().default(false),
  /** Unset: <working directory at load>/results. */
  results_dir: z.string().nullish(),
  date_mode: z.boolean().default(false),
  date_format: z
    .string()
    .default('%Y/%m/%d')
    .refine((f) => unknownDirectives(f).length === 0, { message: 'supported strftime directives are %Y %m %d %H %M %S %%' }),
  compactly: z.boolean().default(true),
  /** Unset: <working directory at load>/archive. */
  archive_dir: z.string().nullish(),
  use_sha: z.boolean().default(true),
});

/**
 * Files on disk, in all three directions: a provider that reads a file or a folder, a connector
 * that writes each response as a JSON file, and an archiver that stores payloads (by SHA-1) and
 * reads them back.
 */
export class FileDirPlugin extends ArchiverPlugin<typeof OptionsSchema> {
  static override optionsSchema = OptionsSchema;

  /** Resolved once, at load, against the working directory of that moment (as upstream). */
  #resultsDir!: string;
  #archiveDir!: string;

  override async setup(): Promise<void> {
    this.#resultsDir = resolve(this.options.results_dir || join(process.cwd(), 'results'));
    this.#archiveDir = resolve(this.options.archive_dir || join(process.cwd(), 'archive'));
  }

  // ------------------------------------------------------------------ provider

  ingest(ctx: IngestContext): Observable<Payload> {
    const source = this.options.source_dir;
    if (!source) throw new StoqPluginException('filedir: source_dir is not set; it names the file or folder to ingest');
    return pullFrom(ctx, this.#payloads(resolve(source), ctx.log));
  }

  async *#payloads(source: string, log: Logger): AsyncGenerator<Payload> {
    const found = await stat(source).catch(() => undefined);
    if (!found) throw new StoqPluginException(`filedir: source_dir ${source} does not exist`);
    if (found.isFile()) {
      const payload = await readPayload(source, log);
      if (payload) yield payload;
      return;
    }
    if (!found.isDirectory()) throw new StoqPluginException(`filedir: source_dir ${source} is neither a file nor a folder`);
    for await (const path of sourceFiles(source, this.options.recursive)) {
      const payload = await readPayload(path, log);
      if (payload) yield payload;
    }
  }

  // ------------------------------------------------------------------ connector

  async save(response: StoqResponse): Promise<void> {
    const dir = this.options.date_mode ? join(this.#resultsDir, strftime(this.options.date_format, new Date())) : this.#resultsDir;
    const name = String(response.scan_id);
    if (name !== basename(name) || name === '.' || name === '..' || name === '') {
      throw new StoqPluginException(`filedir: scan_id ${JSON.stringify(name)} cannot be used as a file name`);
    }
    await makeDirDurable(dir);
    const path = join(dir, name);
    // Resolves only once the file and its name are on disk: `stoq run` acknowledges the queue entry next.
    const created = await publishFile(path, `${dumps(response, { compactly: this.options.compactly })}\n`);
    if (!created) throw new StoqPluginException(`filedir: results file ${path} already exists; it was not overwritten`);
  }

  // ------------------------------------------------------------------ archiver

  override async archive(payload: Payload): Promise<ArchiverResponse> {
    let dir: string;
    let name: string;
    if (this.options.use_sha) {
      name = getSha1(payload.content);
      dir = join(this.#archiveDir, ...name.slice(0, 5));
    } else {
      name = payload.payload_id;
      dir = this.options.date_mode ? join(this.#archiveDir, strftime(this.options.date_format, new Date())) : this.#archiveDir;
    }
    await makeDirDurable(dir);
    const path = join(dir, name);
    // Content-addressed: an existing file already holds these bytes, so it is kept.
    await publishFile(path, payload.content);
    return new ArchiverResponse({ results: { path } });
  }

  override async get(task: ArchiverResponse): Promise<Payload> {
    const wanted = task.results?.['path'];
    if (typeof wanted !== 'string' || wanted === '') throw new StoqPluginException('filedir: the task has no "path" to read');
    const root = await realpath(this.#archiveDir).catch(() => {
      throw new StoqPluginException(`filedir: archive_dir ${this.#archiveDir} does not exist`);
    });
    const target = await realpath(isAbsolute(wanted) ? wanted : join(root, wanted)).catch(() => {
      throw new StoqPluginException(`filedir: archived file ${wanted} does not exist`);
    });
    if (!isInside(root, target)) {
      throw new StoqPluginException(`filedir: refusing to read ${wanted}: it is outside archive_dir ${root}`);
    }
    return new Payload(await readFile(target), new PayloadMeta({ extra_data: { ...task.results } }));
  }
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/** One file as a payload; a file that vanished or cannot be read is skipped with a warning. */
async function readPayload(path: string, log: Logger): Promise<Payload | undefined> {
  try {
    const content = await readFile(path);
    return new Payload(content, new PayloadMeta({ extra_data: { filename: basename(path), source_dir: dirname(path) } }));
  } catch (err) {
    log.warn({ file: path, err }, `filedir: skipping ${path}: ${(err as Error).message}`);
    return undefined;
  }
}
