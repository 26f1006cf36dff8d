// A pipeline built directly from the operators, without the Stoq facade: a stream of requests,
// scanned two at a time, split into per-result documents, filtered, and collected.
//   node dist/examples/custom-pipeline.js
import { filter, from, lastValueFrom, map, mergeMap, toArray } from 'rxjs';
import { createLogger, Payload, PayloadMeta, PluginManager, Request } from 'rxstoq';
import { createEngine, scanRequest } from 'rxstoq/operators';
import { EXAMPLE_PLUGIN_DIR, isMain } from './plugin-dirs.js';

export async function main(texts = ['red\ngreen', 'blue', 'cyan\nmagenta\nyellow']) {
  const log = createLogger({ level: 'warn' });
  const manager = new PluginManager({ pluginDirList: [EXAMPLE_PLUGIN_DIR], log });
  const engine = createEngine({ manager, log, alwaysDispatch: ['hash'], payloadConcurrency: 4 });

  const documents$ = from(texts).pipe(
    map((text, i) => new Request({ payloads: [new Payload(text, new PayloadMeta({ extra_data: { doc: i } }))] })),
    // Workers on the root only: line_splitter; hash runs everywhere (always dispatched).
    mergeMap((request) => scanRequest(engine, request, ['line_splitter']), 2),
    mergeMap((response) => response.split()),
    // Keep the hash documents of extracted lines only.
    filter((doc) => {
      const result = (doc['results'] as Array<Record<string, unknown>>)[0]!;
      return 'hash' in (result['workers'] as object) && (result['extracted_by'] as string[]).includes('line_splitter');
    }),
    toArray(),
  );
  const documents = await lastValueFrom(documents$);
  await manager.closePlugins();
  return documents;
}

if (isMain(import.meta.url)) {
  for (const doc of await main()) process.stdout.write(`${JSON.stringify(doc)}\n`);
}
