import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Stoq } from 'rxstoq';

/** Python's email package reading the same bytes: the reference for the decoded body. */
function pythonBody(message: Buffer): string {
  const script =
    'import sys\nfrom email import policy\nfrom email.parser import BytesParser\nm = BytesParser(policy=policy.default).parsebytes(sys.stdin.buffer.read())\nsys.stdout.buffer.write(m.get_body(("plain",)).get_content().encode("utf-8"))';
  const out = spawnSync('/usr/bin/python3', ['-c', script], { input: message });
  if (out.status !== 0) throw new Error(out.stderr.toString());
  return out.stdout.toString('utf8');
}

describe('smtp body charsets', () => {
  it('decodes a windows-1252 body (smart quotes, dashes, €) as Python does, not as Node’s Latin-1 reading of that label', async () => {
    const body = Buffer.concat([Buffer.from('Invoice '), Buffer.from([0x93, 0x34, 0x37, 0x31, 0x31, 0x94, 0x20, 0x96, 0x20, 0x80]), Buffer.from('500 due\n')]);
    const message = Buffer.concat([
      Buffer.from(
        'From: billing@example.net\r\nTo: a@example.org\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=windows-1252\r\nContent-Transfer-Encoding: 8bit\r\n\r\n',
      ),
      body,
    ]);
    const stoq = new Stoq({ logLevel: 'silent', alwaysDispatch: ['smtp'] });
    const response = await stoq.scan(message);
    await stoq.close();
    const smtp = response.results[0]!.workers['smtp'] as { body: string };
    expect(smtp.body).toBe(pythonBody(message));
    expect(smtp.body).toContain('Invoice “4711” – €500 due');
  });
});
