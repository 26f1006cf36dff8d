// Provider mode: a provider feeds payloads, every one is scanned with `hash`, and a connector
// saves each response as a JSON line. `run()` returns when the provider is exhausted.
//   node dist/examples/provider-run.js [OUT.jsonl]   (default: a new temporary folder)
import { readFileSync, rmSync } from 'node:fs';
import { Stoq, type RunSummary } from 'rxstoq';
import { outputPath } from './output-path.js';
import { EXAMPLE_PLUGIN_DIR, isMain } from './plugin-dirs.js';

export async function main(outFile: string, items = ['first', 'second', 'third']): Promise<{ summary: RunSummary; lines: string[] }> {
  rmSync(outFile, { force: true });
  const stoq = new Stoq({
    pluginDirList: [EXAMPLE_PLUGIN_DIR],
    providers: ['list_provider'],
    connectors: ['jsonl_file'],
    alwaysDispatch: ['hash'],
    pluginOpts: { list_provider: { items }, jsonl_file: { path: outFile } },
    logLevel: 'warn',
  });
  const summary = await stoq.run();
  await stoq.close();
  return { summary, lines: readFileSync(outFile, 'utf8').trim().split('\n') };
}

if (isMain(import.meta.url)) {
  const out = outputPath(process.argv[2], 'results.jsonl');
  const { summary, lines } = await main(out);
  process.stdout.write(`${summary.responses} responses saved to ${out}; first: ${lines[0]}\n`);
}
