// Scan one piece of content with `hash` always dispatched, and print the response.
//   node dist/examples/individual-scan.js [FILE]
import { readFileSync } from 'node:fs';
import { PayloadMeta, Stoq, type StoqResponse } from 'rxstoq';
import { isMain } from './plugin-dirs.js';

export async function main(content: Uint8Array | string = 'The quick brown fox', filename?: string): Promise<StoqResponse> {
  const stoq = new Stoq({ alwaysDispatch: ['hash'], logLevel: 'warn' });
  const response = await stoq.scan(content, { payloadMeta: new PayloadMeta({ extra_data: filename ? { filename } : {} }) });
  await stoq.close();
  return response;
}

if (isMain(import.meta.url)) {
  const file = process.argv[2];
  const response = await main(file ? readFileSync(file) : undefined, file);
  process.stdout.write(`${JSON.stringify(response, null, 4)}\n`);
}
