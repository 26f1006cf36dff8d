import { readFileSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { Command } from 'commander';
import { walkFiles } from '../../io/walk-files.js';
import { ArchiverResponse } from '../../model/archiver-response.js';
import { Payload } from '../../model/payload.js';
import { PayloadMeta } from '../../model/payload-meta.js';
import { Request } from '../../model/request.js';
import type { RequestMeta } from '../../model/request-meta.js';
import type { Archiver, BasePlugin } from '../../plugin/base-plugin.js';
import type { ArchiverTask } from '../../plugin/provider-item.js';
import type { Stoq } from '../../stoq.js';
import { CliError } from '../cli-error.js';
import { cliStoq, logLevelOption, requestMetaFrom, stoqOptionsFrom, type CommonFlags } from '../common-options.js';
import { positiveInt, splitNames } from '../parse-values.js';
import { writeOut } from '../write-out.js';

interface SubmitFlags extends Pick<CommonFlags, 'destArchivers' | 'pluginOpts' | 'requestSource' | 'requestExtra' | 'pluginDir' | 'configFile' | 'logLevel'> {
  queue: string;
  redisUrl?: string;
  stream?: string;
  inlineMaxBytes: string;
  concurrency: string;
}

/** What a queue plugin offers `stoq submit` (the redis plugin implements it). */
interface QueueProducer extends BasePlugin {
  enqueuePayload(content: Uint8Array, payloadMeta?: PayloadMeta, requestMeta?: RequestMeta): Promise<string>;
  enqueueTask(task: ArchiverTask, payloadMeta?: PayloadMeta, requestMeta?: RequestMeta): Promise<string>;
}

const isQueueProducer = (p: BasePlugin): p is QueueProducer =>
  typeof (p as Partial<QueueProducer>).enqueuePayload === 'function' && typeof (p as Partial<QueueProducer>).enqueueTask === 'function';

const isDirectory = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** Walked paths are bytes when the name is not valid UTF-8 (so the file can still be opened). */
type InputPath = string | Buffer;
const shown = (p: InputPath) => (typeof p === 'string' ? p : p.toString('utf8'));

async function* inputFiles(inputs: string[], onError: (path: string, err: Error) => void): AsyncGenerator<InputPath> {
  for (const input of inputs) {
    if (isDirectory(input)) yield* walkFiles(input, onError);
    else yield input;
  }
}

export function submitCommand(): Command {
  return new Command('submit')
    .description('enqueue files for `stoq run -P redis` consumers: small ones inline, larger ones by reference through a destination archiver')
    .argument('<inputs...>', 'files or directories (recursively)')
    .option('--queue <plugin>', 'queue plugin that takes the entries', 'redis')
    .option('--redis-url <url>', 'Redis to submit to (default: the redis plugin option redis_url, $REDIS_URL, or redis://127.0.0.1:6379)')
    .option('--stream <name>', 'task stream (default: the redis plugin option stream, stoq:tasks)')
    .option('--inline-max-bytes <n>', 'files up to this size travel inside the entry; larger ones need -A', String(1024 * 1024))
    .option('-A, --dest-archivers <plugins...>', 'archivers that store files above --inline-max-bytes (the first that succeeds is referenced)')
    .option('--concurrency <n>', 'files submitted at once', '16')
    .option('--plugin-opts <plugin:opt=value...>', 'plugin options (values take the type the plugin declares)')
    .option('--request-source <source>', 'RequestMeta.source of every entry')
    .option('--request-extra <key=value...>', 'RequestMeta.extra_data entries of every entry')
    .option('--plugin-dir <dirs...>', 'plugin directories (replace the configured list)')
    .option('--config-file <path>', 'config file (default $STOQ_HOME/stoq.yaml)')
    .addOption(logLevelOption())
    .action(async (inputs: string[], flags: SubmitFlags) => {
      const inlineMax = positiveInt(flags.inlineMaxBytes, '--inline-max-bytes');
      const concurrency = Math.max(1, positiveInt(flags.concurrency, '--concurrency'));
      const base = stoqOptionsFrom({ pluginOpts: flags.pluginOpts, pluginDir: flags.pluginDir, configFile: flags.configFile, logLevel: flags.logLevel });
      const queueOpts = { ...base.pluginOpts?.[flags.queue] };
      if (flags.redisUrl !== undefined) queueOpts['redis_url'] = flags.redisUrl;
      if (flags.stream !== undefined) queueOpts['stream'] = flags.stream;
      // Only the queue and the archivers are needed: roles configured for `run` are not loaded.
      const stoq = cliStoq({
        ...base,
        pluginOpts: { ...base.pluginOpts, [flags.queue]: queueOpts },
        providers: [],
        connectors: [],
        dispatchers: [],
        decorators: [],
        sourceArchivers: [],
        alwaysDispatch: [],
        destArchivers: splitNames(flags.destArchivers) ?? [],
      });
      try {
        await stoq.ready();
        const queue = await stoq.loadPlugin(flags.queue);
        if (!isQueueProducer(queue)) throw new CliError(`Plugin "${flags.queue}" cannot take submissions (it has no enqueuePayload/enqueueTask)`);
        const failures = await submitAll(stoq, queue, inputs, { inlineMax, concurrency, requestMeta: requestMetaFrom(flags) });
        if (failures > 0) throw new CliError(`${failures} input(s) were not submitted (see messages above)`, 1);
      } finally {
        await stoq.close();
      }
    });
}

interface SubmitSettings {
  inlineMax: number;
  concurrency: number;
  requestMeta: RequestMeta;
}

/** Submit every file, `concurrency` at a time; prints one NDJSON line per entry, returns the failure count. */
async function submitAll(stoq: Stoq, queue: QueueProducer, inputs: string[], s: SubmitSettings): Promise<number> {
  let failures = 0;
  const counts = { inline: 0, by_reference: 0 };
  const fail = (path: string, err: Error) => {
    failures++;
    process.stderr.write(`stoq: ${err instanceof CliError ? err.message : `cannot submit ${path}: ${err.message}`}\n`);
  };
  const submitOne = async (found: InputPath) => {
    const path = shown(found);
    try {
      const content = readRegularFile(found);
      const payloadMeta = new PayloadMeta({ extra_data: { filename: basename(path), source_dir: dirname(path) } });
      let line: Record<string, unknown>;
      if (content.byteLength <= s.inlineMax) {
        const id = await queue.enqueuePayload(content, payloadMeta, s.requestMeta);
        line = { path, stream_id: id, by: 'inline' };
        counts.inline++;
      } else {
        const [archiver, task] = await archiveOnce(stoq, new Payload(content, payloadMeta), s, path);
        const id = await queue.enqueueTask({ [archiver]: task }, payloadMeta, s.requestMeta);
        line = { path, stream_id: id, by: archiver, task };
        counts.by_reference++;
      }
      await print(line);
    } catch (err) {
      fail(path, err as Error);
    }
  };
  // The entry is in the queue once enqueued: a closed stdout (`| head`) only stops the listing.
  // Lines go out one at a time, so only one write waits for 'drain' however many files are in flight.
  let printing = true;
  let lastLine: Promise<void> = Promise.resolve();
  const print = (line: Record<string, unknown>) =>
    (lastLine = lastLine.then(async () => {
      if (!printing) return;
      try {
        await writeOut(process.stdout, `${JSON.stringify(line)}\n`);
      } catch (err) {
        printing = false;
        if ((err as NodeJS.ErrnoException).code !== 'EPIPE') process.stderr.write(`stoq: cannot write to stdout: ${(err as Error).message}\n`);
      }
    }));

  const inFlight = new Set<Promise<void>>();
  for await (const found of inputFiles(inputs, fail)) {
    const p = submitOne(found).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= s.concurrency) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  stoq.log.info({ ...counts, failed: failures }, 'submitted');
  return failures;
}

function readRegularFile(path: InputPath): Buffer {
  try {
    if (!statSync(path).isFile()) throw new Error('not a regular file');
    return readFileSync(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const reason = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new CliError(`Cannot read ${shown(path)}: ${reason}`, 1);
  }
}

/** Store the payload with the first destination archiver that succeeds; its results become the task. */
async function archiveOnce(stoq: Stoq, payload: Payload, s: SubmitSettings, path: string): Promise<[string, Record<string, unknown>]> {
  if (stoq.loadedDestArchivers.size === 0) {
    throw new CliError(
      `${path}: ${payload.content.byteLength} bytes is above --inline-max-bytes ${s.inlineMax}; give -A/--dest-archivers to submit it by reference`,
      1,
    );
  }
  const errors: string[] = [];
  for (const [name, archiver] of stoq.loadedDestArchivers) {
    try {
      const results = await callArchive(archiver, payload, s.requestMeta);
      if (results) return [name, results];
      errors.push(`${name}: returned nothing to fetch it by`);
    } catch (err) {
      errors.push(`${name}: ${(err as Error).message}`);
    }
  }
  throw new Error(`no archiver stored it (${errors.join('; ')})`);
}

async function callArchive(archiver: Archiver, payload: Payload, requestMeta: RequestMeta): Promise<Record<string, unknown> | null> {
  if (!archiver.archive) throw new Error('it is not a destination archiver');
  const seconds = Number(archiver.option('timeout', 60));
  const signal = AbortSignal.timeout(seconds * 1000);
  const response = await archiver.archive(payload, new Request({ payloads: [payload], request_meta: requestMeta.clone() }), { signal, log: archiver.log });
  const results = response instanceof ArchiverResponse ? response.results : (response?.results ?? null);
  const errors = response?.errors ?? [];
  if (errors.length > 0) throw new Error(errors.map(String).join('; '));
  return results;
}
