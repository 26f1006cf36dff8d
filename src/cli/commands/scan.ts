import { basename } from 'node:path';
import { availableParallelism } from 'node:os';
import { Command } from 'commander';
import { defer, finalize, from, lastValueFrom, mergeMap, Observable } from 'rxjs';
import { Semaphore } from '../../concurrency/semaphore.js';
import type { FoundPath } from '../../io/walk-files.js';
import { FileTooLargeError } from '../../io/read-file.js';
import { Payload } from '../../model/payload.js';
import { PayloadMeta } from '../../model/payload-meta.js';
import { Request } from '../../model/request.js';
import type { RequestMeta } from '../../model/request-meta.js';
import type { StoqResponse } from '../../model/stoq-response.js';
import { closeLogFile } from '../../log/logger.js';
import type { Stoq } from '../../stoq.js';
import { CliError } from '../cli-error.js';
import { addCommonOptions, announceMetrics, cliStoq, requestMetaFrom, stoqOptionsFrom, type CommonFlags } from '../common-options.js';
import { readyWithProfile, withDefaultProfile } from '../default-profile.js';
import { positiveInt, splitNames } from '../parse-values.js';
import { readInputFile, readStdin } from '../read-input.js';
import { fileRequest, inputFiles, isDirectory, shareLargeFiles, unreadableRequest } from '../scan-file.js';
import { countInputs } from '../count-inputs.js';
import { ProgressBar } from '../progress.js';
import { scanWithThreads } from '../scan-threads.js';
import { OutputClosed, stdoutClosed } from '../stdout-closed.js';
import { writeOut } from '../write-out.js';

interface ScanFlags extends CommonFlags {
  concurrency?: string;
  threads?: string;
}

/** Below this many files, one pipeline on the main thread (plus the worker pool) is quicker. */
const THREADED_MIN_FILES = 64;

export function scanCommand(): Command {
  const cmd = new Command('scan')
    .description('scan files, directories (recursively) or stdin; one input prints indented JSON, several print NDJSON')
    .argument('[inputs...]', 'files or directories to scan; "-" or nothing reads stdin')
    .option('--concurrency <n>', 'files scanned at once when scanning several (default: 4 per core)')
    .option(
      '--threads <n>',
      `pipelines run in parallel, one per thread, for ${THREADED_MIN_FILES}+ files (default: one per core, or 1 with --ratelimit; 1: main thread only)`,
    );
  return addCommonOptions(cmd).action(async (inputs: string[], given: ScanFlags) => {
    const profiled = withDefaultProfile(given);
    let stoq = cliStoq(stoqOptionsFrom(profiled.flags));
    try {
      const settled = await readyWithProfile(stoq, profiled, (flags) => cliStoq(stoqOptionsFrom(flags)));
      stoq = settled.stoq;
      // Scan threads build their Stoq from these: the profile, less a yara that cannot load.
      const flags: ScanFlags = { ...given, ...settled.flags };
      announceMetrics(stoq);
      const requestMeta = requestMetaFrom(flags);
      const addStartDispatch = splitNames(flags.startDispatch) ?? [];
      // Results go to stdout unless connectors take them (upstream printed even then, UD-28).
      const print = stoq.loadedConnectors.length === 0;
      const single = inputs.length === 0 || (inputs.length === 1 && (inputs[0] === '-' || !isDirectory(inputs[0]!)));
      if (single) {
        const stdin = inputs.length === 0 || inputs[0] === '-';
        const extra_data = stdin ? {} : { filename: basename(inputs[0]!) };
        let request: Request;
        try {
          const content = stdin ? await readStdin() : readInputFile(inputs[0]!, stoq.engine.limits.maxPayloadSize);
          if (content.byteLength === 0) throw new CliError('The provided content to scan was empty');
          request = new Request({ payloads: [new Payload(content, new PayloadMeta({ extra_data }))], request_meta: requestMeta });
        } catch (err) {
          if (!(err instanceof FileTooLargeError)) throw err;
          request = unreadableRequest(inputs[0]!, err, extra_data, requestMeta);
        }
        const response = await stoq.scanRequest(request, addStartDispatch);
        if (print) await writeOut(process.stdout, `${JSON.stringify(response, null, 4)}\n`);
        return;
      }
      const failures = await scanMany(stoq, inputs, flags, requestMeta, addStartDispatch, print);
      if (failures > 0) throw new CliError(`${failures} input(s) could not be read (see messages above)`, 1);
    } finally {
      await stoq.close();
      await closeLogFile(stoq.log);
    }
  });
}

/**
 * NDJSON over many files with bounded memory: a file is read only when a slot is free, and a
 * slot is freed only once that file's line has been written (so a slow stdout slows us down).
 */
async function scanMany(stoq: Stoq, inputs: string[], flags: ScanFlags, requestMeta: RequestMeta, addStartDispatch: string[], print: boolean): Promise<number> {
  const concurrency = flags.concurrency ? Math.max(1, positiveInt(flags.concurrency, '--concurrency')) : 4 * availableParallelism();
  // One limit for the whole scan: each thread's pipeline would apply --ratelimit on its own.
  if (flags.ratelimit !== undefined && flags.threads !== undefined && positiveInt(flags.threads, '--threads') > 1) {
    throw new CliError('--ratelimit and --threads above 1 cannot be combined: the limit applies to one pipeline');
  }
  const threads = flags.ratelimit !== undefined ? 1 : flags.threads ? Math.max(1, positiveInt(flags.threads, '--threads')) : availableParallelism();
  const slots = new Semaphore(concurrency);
  // A progress line only for a person watching: never in logs, pipes or CI output.
  const progress = process.stderr.isTTY ? new ProgressBar(process.stderr) : undefined;
  const counting = new AbortController();
  if (progress)
    countInputs(inputs, counting.signal).then(
      (n) => progress.setTotal(n),
      () => undefined,
    );
  let failures = 0;
  const fail = (path: string, err: Error | string) => {
    failures++;
    const reason = typeof err === 'string' ? err : ((err as NodeJS.ErrnoException).code ?? err.message);
    const line = `stoq: cannot read ${path}: ${reason}\n`;
    if (progress) progress.note(line);
    else process.stderr.write(line);
  };
  // Threads pay off once there are enough files to amortise starting a pipeline in each.
  if (threads > 1 && (await countInputs(inputs, undefined, THREADED_MIN_FILES)) >= THREADED_MIN_FILES) {
    try {
      await scanWithThreads(stoq, inputs, { threads, concurrency, flags, addStartDispatch, print, progress, fail });
    } finally {
      counting.abort();
      progress?.stop();
    }
    return failures;
  }
  const files = new Observable<FoundPath>((subscriber) => {
    const it = inputFiles(inputs, fail);
    let stopped = false;
    (async () => {
      for (;;) {
        await slots.acquire();
        if (stopped) return;
        // The reader of stdout has gone: read no more files; those in work finish.
        if (stdoutClosed.aborted) break;
        const next = await it.next();
        if (next.done) break;
        subscriber.next(next.value);
      }
      subscriber.complete();
    })().catch((err) => subscriber.error(err));
    return () => {
      stopped = true;
      void it.return(undefined);
    };
  });
  const maxBytes = stoq.engine.limits.maxPayloadSize;
  const scanFile = async (path: FoundPath): Promise<void> => {
    const { request, shown, readError } = fileRequest(path, maxBytes, requestMeta.clone(), shareLargeFiles);
    if (readError) fail(shown, readError);
    const response: StoqResponse = await stoq.scanRequest(request, addStartDispatch);
    if (print && !stdoutClosed.aborted) {
      try {
        await writeOut(process.stdout, `${JSON.stringify(response)}\n`);
      } catch (err) {
        if (!(err instanceof OutputClosed)) throw err;
      }
    }
    progress?.tick(request.payloads[0]?.results.size ?? 0);
  };
  try {
    await lastValueFrom(files.pipe(mergeMap((path) => defer(() => from(scanFile(path))).pipe(finalize(() => slots.release())), concurrency)), {
      defaultValue: undefined,
    });
  } finally {
    counting.abort();
    progress?.stop();
  }
  return failures;
}
