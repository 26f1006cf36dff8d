// StoqResponse.split(): one plain JSON document per (payload, worker result), for sinks that index
// one document per result. Payloads with no worker results still get one document.
//   node dist/examples/split-results.js
import { Stoq } from 'rxstoq';
import { EXAMPLE_PLUGIN_DIR, isMain } from './plugin-dirs.js';

export async function main(text = 'alpha\nbeta') {
  const stoq = new Stoq({ pluginDirList: [EXAMPLE_PLUGIN_DIR], logLevel: 'warn' });
  // line_splitter runs on the root only (start dispatch), hash on every payload.
  const response = await stoq.scan(text, { addStartDispatch: ['line_splitter', 'hash'] });
  await stoq.close();
  return response.split();
}

if (isMain(import.meta.url)) {
  for (const doc of await main()) process.stdout.write(`${JSON.stringify(doc)}\n`);
}
