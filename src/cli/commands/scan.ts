import { statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { availableParallelism } from 'node:os';
import { Command } from 'commander';
import { defer, finalize, from, lastValueFrom, mergeMap, Observable } from 'rxjs';
import { Semaphore } from '../../../operators/internal/semaphore.js';
import { walkFiles } from '../../io/walk-files.js';
import { PayloadMeta } from '../../model/payload-meta.js';
import type { StoqResponse } from '../../model/stoq-response.js';
import { Stoq } from '../../stoq.js';
import { CliError } from '../cli-error.js';
import { addCommonOptions, requestMetaFrom, stoqOptionsFrom, type CommonFlags } from '../common-options.js';
import { positiveInt, splitNames } from '../parse-values.js';
import { readInputFile, readStdin } from '../read-input.js';
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
async function* inputFiles(inputs: string[], onError: (path: string, err: Error) => void): AsyncGenerator<string> {
  for (const input of inputs) {
    if (isDirectory(input)) yield* walkFiles(input, onError);
    else yield input;
  }
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
        const content = stdin ? await readStdin() : readInputFile(inputs[0]!);
        if (content.byteLength === 0) throw new CliError('The provided content to scan was empty');
        const payloadMeta = new PayloadMeta({ extra_data: stdin ? {} : { filename: basename(inputs[0]!) } });
        const response = await stoq.scan(content, { payloadMeta, requestMeta, addStartDispatch });
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
  requestMeta: ReturnType<typeof requestMetaFrom>,
  addStartDispatch: string[],
  print: boolean,
): Promise<number> {
  const concurrency = flags.concurrency ? Math.max(1, positiveInt(flags.concurrency, '--concurrency')) : 4 * availableParallelism();
  const slots = new Semaphore(concurrency);
  let failures = 0;
  const fail = (path: string, err: Error) => {
    failures++;
    process.stderr.write(`stoq: ${err instanceof CliError ? err.message : `cannot read ${path}: ${err.message}`}\n`);
  };
  const files = new Observable<string>((subscriber) => {
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
  const scanFile = async (path: string): Promise<void> => {
    let content: Buffer;
    try {
      content = readInputFile(path);
    } catch (err) {
      fail(path, err as Error);
      return;
    }
    const payloadMeta = new PayloadMeta({ extra_data: { filename: basename(path), source_dir: dirname(path) } });
    const response: StoqResponse = await stoq.scan(content, { payloadMeta, requestMeta: requestMeta.clone(), addStartDispatch });
    if (print) await writeOut(process.stdout, `${JSON.stringify(response)}\n`);
  };
  await lastValueFrom(
    files.pipe(mergeMap((path) => defer(() => from(scanFile(path))).pipe(finalize(() => slots.release())), concurrency)),
    { defaultValue: undefined },
  );
  return failures;
}
