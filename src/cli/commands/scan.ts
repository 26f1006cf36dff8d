import { statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { availableParallelism } from 'node:os';
import { Command } from 'commander';
import { defer, finalize, from, lastValueFrom, mergeMap, Observable } from 'rxjs';
import { Semaphore } from '../../../operators/internal/semaphore.js';
import { displayPath, walkFiles, type FoundPath } from '../../io/walk-files.js';
import { FileTooLargeError, readFileFast } from '../../io/read-file.js';
import { Payload } from '../../model/payload.js';
import { PayloadMeta } from '../../model/payload-meta.js';
import { Request } from '../../model/request.js';
import type { RequestMeta } from '../../model/request-meta.js';
import { StoqError } from '../../model/stoq-error.js';
import type { StoqResponse } from '../../model/stoq-response.js';
import { Stoq } from '../../stoq.js';
import { CliError } from '../cli-error.js';
import { addCommonOptions, requestMetaFrom, stoqOptionsFrom, type CommonFlags } from '../common-options.js';
import { positiveInt, splitNames } from '../parse-values.js';
import { readInputFile, readStdin } from '../read-input.js';
import { countInputs } from '../count-inputs.js';
import { ProgressBar } from '../progress.js';
import { writeOut } from '../write-out.js';

interface ScanFlags extends CommonFlags {
  concurrency?: string;
}

const isDirectory = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** Files named on the command line, then every file under each directory, pulled lazily. */
async function* inputFiles(inputs: string[], onError: (path: string, err: Error) => void): AsyncGenerator<FoundPath> {
  for (const input of inputs) {
    if (isDirectory(input)) yield* walkFiles(input, onError);
    else yield input;
  }
}

/**
 * Every input gets a response, even one that cannot be read: an unscanned payload recording the
 * file and an error that says why (a file over the size limit is recorded with its real size).
 */
function unreadableRequest(path: string, err: Error, extra_data: Record<string, unknown>, request_meta: RequestMeta): Request {
  const payload = new Payload(Buffer.alloc(0), new PayloadMeta({ extra_data, should_scan: err instanceof FileTooLargeError ? true : false }));
  const request = new Request({ payloads: [payload], request_meta });
  if (err instanceof FileTooLargeError) {
    // admit() records PAYLOAD_TOO_LARGE against the real size.
    payload.results.size = err.size;
  } else {
    const code = (err as NodeJS.ErrnoException).code;
    request.errors.push(new StoqError(`Cannot read ${path}: ${code ?? err.message}`, null, payload.payload_id, 'INPUT_UNREADABLE'));
  }
  return request;
}

export function scanCommand(): Command {
  const cmd = new Command('scan')
    .description('scan files, directories (recursively) or stdin; one input prints indented JSON, several print NDJSON')
    .argument('[inputs...]', 'files or directories to scan; "-" or nothing reads stdin')
    .option('--concurrency <n>', 'files scanned at once when scanning several (default: 4 per core)');
  return addCommonOptions(cmd).action(async (inputs: string[], flags: ScanFlags) => {
    const stoq = new Stoq(stoqOptionsFrom(flags));
    try {
      await stoq.ready();
      const requestMeta = requestMetaFrom(flags);
      const addStartDispatch = splitNames(flags.startDispatch) ?? [];
      // Results go to stdout unless connectors take them (upstream printed even then, §7.28).
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
    }
  });
}

/**
 * NDJSON over many files with bounded memory: a file is read only when a slot is free, and a
 * slot is freed only once that file's line has been written (so a slow stdout slows us down).
 */
async function scanMany(
  stoq: Stoq,
  inputs: string[],
  flags: ScanFlags,
  requestMeta: RequestMeta,
  addStartDispatch: string[],
  print: boolean,
): Promise<number> {
  const concurrency = flags.concurrency ? Math.max(1, positiveInt(flags.concurrency, '--concurrency')) : 4 * availableParallelism();
  const slots = new Semaphore(concurrency);
  // A progress line only for a person watching: never in logs, pipes or CI output.
  const progress = process.stderr.isTTY ? new ProgressBar(process.stderr) : undefined;
  const counting = new AbortController();
  if (progress) countInputs(inputs, counting.signal).then((n) => progress.setTotal(n), () => undefined);
  let failures = 0;
  const fail = (path: string, err: Error) => {
    failures++;
    const code = (err as NodeJS.ErrnoException).code;
    const line = `stoq: cannot read ${path}: ${code ?? err.message}\n`;
    if (progress) progress.note(line);
    else process.stderr.write(line);
  };
  const files = new Observable<FoundPath>((subscriber) => {
    const it = inputFiles(inputs, fail);
    let stopped = false;
    (async () => {
      for (;;) {
        await slots.acquire();
        if (stopped) return;
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
    const shown = displayPath(path);
    const extra_data = { filename: basename(shown), source_dir: dirname(shown) };
    let request: Request;
    try {
      request = new Request({ payloads: [new Payload(readFileFast(path, maxBytes), new PayloadMeta({ extra_data }))], request_meta: requestMeta.clone() });
    } catch (err) {
      request = unreadableRequest(shown, err as Error, extra_data, requestMeta.clone());
      if (!(err instanceof FileTooLargeError)) fail(shown, err as Error);
    }
    const response: StoqResponse = await stoq.scanRequest(request, addStartDispatch);
    if (print) await writeOut(process.stdout, `${JSON.stringify(response)}\n`);
    progress?.tick(request.payloads[0]?.results.size ?? 0);
  };
  try {
    await lastValueFrom(
      files.pipe(mergeMap((path) => defer(() => from(scanFile(path))).pipe(finalize(() => slots.release())), concurrency)),
      { defaultValue: undefined },
    );
  } finally {
    counting.abort();
    progress?.stop();
  }
  return failures;
}
