// Several plugin folders: each is searched recursively, a later folder overrides an earlier one,
// and the bundled plugins come first (so any folder can override them): here MORE_PLUGIN_DIR's
// `hash` (which adds sha512) replaces the bundled `hash`.
//   node dist/examples/multiple-plugin-dirs.js
import { Stoq } from 'rxstoq';
import { EXAMPLE_PLUGIN_DIR, isMain, MORE_PLUGIN_DIR } from './plugin-dirs.js';

export async function main() {
  const stoq = new Stoq({ pluginDirList: [EXAMPLE_PLUGIN_DIR, MORE_PLUGIN_DIR], alwaysDispatch: ['hash'], logLevel: 'warn' });
  const plugins = await stoq.listPlugins();
  const response = await stoq.scan('payload');
  await stoq.close();
  return { plugins, hash: response.results[0]!.workers['hash'] as Record<string, string> };
}

if (isMain(import.meta.url)) {
  const { plugins, hash } = await main();
  for (const [name, info] of Object.entries(plugins)) process.stdout.write(`${name} v${info.version} ${info.classes.join(',')}\n`);
  process.stdout.write(`hash keys: ${Object.keys(hash).join(', ')}\n`);
}
