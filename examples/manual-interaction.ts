// Driving the pieces by hand: load plugins, build a Payload and a Request, scan the request with
// a start dispatch, and hand the response to a connector yourself.
//   node dist/examples/manual-interaction.js [OUT.jsonl]   (default: a new temporary folder)
import { rmSync } from 'node:fs';
import { ConnectorPlugin, Payload, PayloadMeta, Request, RequestMeta, Stoq, type StoqResponse } from 'rxstoq';
import { outputPath } from './output-path.js';
import { EXAMPLE_PLUGIN_DIR, isMain } from './plugin-dirs.js';

export async function main(outFile: string): Promise<StoqResponse> {
  rmSync(outFile, { force: true });
  const stoq = new Stoq({ pluginDirList: [EXAMPLE_PLUGIN_DIR], pluginOpts: { jsonl_file: { path: outFile } }, logLevel: 'warn' });
  // One instance per name: this is the same object the engine would use as a connector.
  const connector = await stoq.loadPlugin('jsonl_file', 'connector');
  if (!(connector instanceof ConnectorPlugin)) throw new Error('jsonl_file is not a ConnectorPlugin');

  const payload = new Payload(Buffer.from('manual payload'), new PayloadMeta({ extra_data: { origin: 'example' } }));
  const request = new Request({ payloads: [payload], request_meta: new RequestMeta({ source: 'manual-example' }) });
  const response = await stoq.scanRequest(request, ['hash']);
  // No call context needed: saving by hand has nothing to cancel, and the plugin logs through its own logger.
  await connector.save(response);
  await stoq.close();
  return response;
}

if (isMain(import.meta.url)) {
  const out = outputPath(process.argv[2], 'manual.jsonl');
  const response = await main(out);
  process.stdout.write(`${JSON.stringify(response.results[0]!.workers)}\nsaved to ${out}\n`);
}
