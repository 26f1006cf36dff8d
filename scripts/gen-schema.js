// Writes schema/stoq-response.schema.json from the zod wire schema (run after tsc; part of `npm run build`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { responseJsonSchema } from '../dist/src/model/wire-schema.js';

const out = new URL('../schema/stoq-response.schema.json', import.meta.url);
mkdirSync(new URL('../schema/', import.meta.url), { recursive: true });
writeFileSync(out, `${JSON.stringify({ $id: 'https://rxstoq.dev/schema/stoq-response.schema.json', ...responseJsonSchema() }, null, 2)}\n`);
