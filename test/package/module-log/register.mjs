// Preloaded with `node --import` by heavy-modules.test.ts: writes every module the process loads
// to the file named by MODULE_LOAD_LOG, one path or URL a line. ES modules are seen by a resolve
// hook (hooks.mjs); CommonJS ones, including those required from inside CommonJS packages,
// which Node 20's hooks do not see, are read from the require cache when the process exits.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const log = process.env.MODULE_LOAD_LOG;
if (!log) throw new Error('MODULE_LOAD_LOG must name the file to write loaded modules to');
register(new URL('./hooks.mjs', import.meta.url), { data: { log } });
const { cache } = createRequire(import.meta.url);
process.on('exit', () =>
  appendFileSync(
    log,
    Object.keys(cache)
      .map((path) => `${path}\n`)
      .join(''),
  ),
);
