// Follow a phishing email down to the URL its macro fetches: email → zip → document → macro → URL,
// all in one recursive response, with the CLI's default profile (hash on everything, yara routing).
//   node dist/examples/phishing-email.js MESSAGE.eml
import { readFileSync } from 'node:fs';
import { PayloadMeta, Stoq, type PayloadResults, type StoqResponse } from 'rxstoq';
import { isMain } from './plugin-dirs.js';

/** One payload on the way from the email to the URL. */
export interface Step {
  filename: string | undefined;
  /** The worker that carved it out of the step before (none for the email itself). */
  extracted_by: string | undefined;
  /** The workers the yara dispatcher chose for it, and the others that ran. */
  workers: string[];
}

export interface Walk {
  response: StoqResponse;
  /** From the email to the document holding the macro that fetches `url`. */
  steps: Step[];
  url: string | undefined;
  /** The mraptor-style verdict on that document's macros. */
  suspicious: boolean | undefined;
}

interface VbaFinding {
  type: string;
  keyword: string;
}

export async function main(eml: Uint8Array, filename = 'message.eml'): Promise<Walk> {
  const stoq = new Stoq({ alwaysDispatch: ['hash'], dispatchers: ['yara'], logLevel: 'warn' });
  const response = await stoq.scan(eml, { payloadMeta: new PayloadMeta({ extra_data: { filename } }) });
  await stoq.close();

  const byId = new Map(response.results.map((r) => [r.payload_id, r]));
  // The document whose macros the vba plugin found an URL in.
  const document = response.results.find((r) => urlsOf(r).length > 0);
  const steps: Step[] = [];
  for (let at: PayloadResults | undefined = document; at; at = byId.get(at.extracted_from[0] ?? '')) {
    steps.unshift({
      filename: at.payload_meta.extra_data['filename'] as string | undefined,
      extracted_by: at.extracted_by[0],
      workers: [...at.plugins_run.workers],
    });
  }
  const vba = document?.workers['vba'] as { mraptor?: { suspicious: boolean } } | undefined;
  return { response, steps, url: document ? urlsOf(document)[0] : undefined, suspicious: vba?.mraptor?.suspicious };
}

function urlsOf(r: PayloadResults): string[] {
  const vba = r.workers['vba'] as { analysis?: VbaFinding[] } | undefined;
  return (vba?.analysis ?? []).filter((f) => f.type === 'IOC' && /^https?:\/\//.test(f.keyword)).map((f) => f.keyword);
}

if (isMain(import.meta.url)) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: phishing-email.js MESSAGE.eml');
  const walk = await main(readFileSync(file), file);
  for (const [i, step] of walk.steps.entries()) {
    process.stdout.write(
      `${'  '.repeat(i)}${step.filename ?? '(no name)'}${step.extracted_by ? ` ← ${step.extracted_by}` : ''}  [${step.workers.join(', ')}]\n`,
    );
  }
  process.stdout.write(
    `${'  '.repeat(walk.steps.length)}macro fetches ${walk.url ?? '(nothing found)'}; verdict: ${walk.suspicious ? 'suspicious' : 'not suspicious'}\n`,
  );
}
