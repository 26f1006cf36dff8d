// reconstructAllSubresponses(): every payload of a response as the root of its own response
// (itself plus everything extracted from it), with the decorators run again.
//   node dist/examples/reconstruct-subresponses.js
import { Stoq } from 'rxstoq';
import { EXAMPLE_PLUGIN_DIR, isMain } from './plugin-dirs.js';

export async function main(text = 'one\ntwo\nthree') {
  const stoq = new Stoq({ pluginDirList: [EXAMPLE_PLUGIN_DIR], alwaysDispatch: ['hash'], logLevel: 'warn' });
  const response = await stoq.scan(text, { addStartDispatch: ['line_splitter'] });
  const subresponses = [];
  for await (const sub of stoq.reconstructAllSubresponses(response)) subresponses.push(sub);
  await stoq.close();
  return { response, subresponses };
}

if (isMain(import.meta.url)) {
  const { subresponses } = await main();
  for (const sub of subresponses) process.stdout.write(`root ${sub.results[0]!.payload_id}: ${sub.results.length} payload(s)\n`);
}
