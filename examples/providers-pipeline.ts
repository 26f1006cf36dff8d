/**
 * The "Using Providers" pipeline: watch a folder, route every new file with YARA, hash everything,
 * unpack archives and read image/document metadata when the rules say so, and save each result
 * as a JSON file.
 *
 *   dirmon (provider)  → new files in <sourceDir>
 *   yara (dispatcher)  → decompress for archives, exif for images/PDF/Office, b64decode, xordecode
 *   hash (always)      → md5, sha1, sha256 of every payload, extracted ones included
 *   filedir (connector)→ <resultsDir>/<scan_id>
 *
 * The same pipeline from the command line:
 *
 *   stoq run -P dirmon -R yara -a hash -C filedir \
 *     --plugin-opts dirmon:source_dir=./inbox filedir:results_dir=./results
 *
 * Run this file after `npm run build`:
 *
 *   node dist/examples/providers-pipeline.js ./inbox [./results]
 *
 * then drop files into ./inbox; Ctrl-C stops it (files already being scanned are finished).
 * Without a results folder they go to a new temporary folder (printed when it starts).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Stoq, type RunSummary } from 'rxstoq';
import { outputPath } from './output-path.js';

export interface ProvidersPipelineOptions {
  /** Folder to watch for new files. */
  sourceDir: string;
  /** Folder the results are written to, one JSON file per scan. */
  resultsDir: string;
  /** Abort to stop watching; the run resolves once in-flight scans are saved. */
  signal?: AbortSignal;
  /** Called once the folder is being watched: files created from then on are scanned. */
  onWatching?: () => void;
  /** How long a new file must stay unchanged before it is scanned (dirmon's `settle_ms`). */
  settleMs?: number;
  logLevel?: string;
}

export async function runProvidersPipeline(options: ProvidersPipelineOptions): Promise<RunSummary> {
  const stoq = new Stoq({
    providers: ['dirmon'],
    dispatchers: ['yara'],
    alwaysDispatch: ['hash'],
    connectors: ['filedir'],
    pluginOpts: {
      dirmon: { source_dir: options.sourceDir, ...(options.settleMs !== undefined && { settle_ms: options.settleMs }) },
      filedir: { results_dir: options.resultsDir },
    },
    logLevel: options.logLevel ?? 'info',
  });
  try {
    await stoq.ready();
    const dirmon = stoq.loadedProviders.get('dirmon') as { whenWatching?: () => Promise<void> } | undefined;
    const running = stoq.run({ signal: options.signal });
    if (options.onWatching && dirmon?.whenWatching) {
      // Never leave the caller waiting when the run ends before the watcher is ready.
      await Promise.race([dirmon.whenWatching(), running.catch(() => undefined)]);
      options.onWatching();
    }
    return await running;
  } finally {
    await stoq.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [sourceDir, resultsArg] = argv;
  if (!sourceDir) {
    process.stderr.write('usage: node dist/examples/providers-pipeline.js <folder to watch> [results folder]\n');
    process.exitCode = 2;
    return;
  }
  const resultsDir = outputPath(resultsArg, 'results');
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort(new Error(`${signal} received`)));
  const summary = await runProvidersPipeline({
    sourceDir: resolve(sourceDir),
    resultsDir,
    signal: stop.signal,
    onWatching: () => process.stderr.write(`watching ${resolve(sourceDir)}; results go to ${resultsDir} (Ctrl-C stops)\n`),
  });
  process.stderr.write(`stopped: ${summary.items} files, ${summary.responses} results saved, ${summary.failures.length} failures\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
