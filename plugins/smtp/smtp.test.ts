import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stoq } from 'rxstoq';
import type { EmailSummary } from './analyse-message.js';
import { base64Lines, buildNestedMultiparts, buildSampleEml } from './fixtures/eml-builder.js';
import { buildTnef, tnefAttribute, type TnefSpecAttachment } from './fixtures/tnef-builder.js';

const BUILDER = fileURLToPath(new URL('./fixtures/build_messages.py', import.meta.url));
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface PyAttachment {
  filename: string | null;
  content_type: string;
  content_id: string | null;
  sha256?: string;
  inner_subject?: string;
}
interface PyReference {
  headers: Record<string, string>;
  subject: string | null;
  message_id: string | null;
  date: string | null;
  from: { name: string; address: string }[];
  to: { name: string; address: string }[];
  cc: { name: string; address: string }[];
  bcc: { name: string; address: string }[];
  reply_to: { name: string; address: string }[];
  received: string[];
  body: string | null;
  body_html: string | null;
  attachments: PyAttachment[];
}

type SmtpResults = Record<string, unknown> & { email: EmailSummary; body?: string; body_html?: string };

const TNEF_MEMBERS: TnefSpecAttachment[] = [
  { title: 'REPORT~1.PDF', longName: 'Quarterly report 2026.pdf', mimeTag: 'application/pdf', data: Buffer.from(`%PDF-1.4\n${'x'.repeat(2000)}`) },
  { title: 'macro.doc', data: Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 31) & 0xff)) },
  { title: 'LONGUN~1.TXT', longName: 'long unicode name.txt', unicodeLongName: true, data: Buffer.from('hello from tnef\n') },
];

describe('smtp plugin', () => {
  let dir: string;
  let stoq: Stoq;
  let reference: Record<string, PyReference>;
  const emls: Record<string, Buffer> = {};

  const scan = async (content: Uint8Array, s = stoq) => {
    const response = await s.scan(content);
    const root = response.results[0]!;
    const smtp = root.workers['smtp'] as SmtpResults;
    const ownErrors = response.errors.filter((e) => e.payload_id === root.payload_id).map((e) => e.error);
    return { response, smtp, ownErrors, children: response.results.filter((r) => r.extracted_from.includes(root.payload_id)) };
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rxstoq-smtp-'));
    const py = spawnSync('/usr/bin/python3', [BUILDER, dir], { encoding: 'utf8' });
    if (py.status !== 0) throw new Error(`build_messages.py failed: ${py.stderr}`);
    reference = JSON.parse(py.stdout) as Record<string, PyReference>;
    for (const f of readdirSync(dir)) if (f.endsWith('.eml')) emls[f.slice(0, -4)] = readFileSync(join(dir, f));
    // hash gives each extracted payload's sha256, compared with Python's decoded part bytes.
    stoq = new Stoq({ alwaysDispatch: ['smtp', 'hash'], logLevel: 'silent' });
  });

  afterAll(async () => {
    await stoq?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('built every sample', () => {
    expect(Object.keys(emls).sort()).toEqual(Object.keys(reference).sort());
    expect(Object.keys(emls).length).toBe(5);
  });

  it.each(['alternative_and_pdf', 'compat_multipart', 'nested_and_related', 'qp_latin1_crlf', 'single_attachment_only'])(
    'reads %s as Python’s email parser (policy=default) does',
    async (name) => {
      const ref = reference[name]!;
      const { smtp, ownErrors, children } = await scan(emls[name]!);
      expect(ownErrors).toEqual([]);
      const { email, body, body_html, ...headers } = smtp;
      // Python re-renders address headers from what it parsed ("Forwarder" <x> becomes Forwarder <x>);
      // the plugin keeps what the sender wrote, decoded. Those are compared as parsed lists below.
      const rendered = new Set(['from', 'to', 'cc', 'bcc', 'reply-to', 'sender']);
      const unrendered = (h: Record<string, unknown>) => Object.fromEntries(Object.entries(h).filter(([k]) => !rendered.has(k)));
      expect(unrendered(headers)).toEqual(unrendered(ref.headers));
      expect(Object.keys(headers)).toEqual(Object.keys(ref.headers));
      expect(email.subject).toBe(ref.subject);
      expect(email.message_id).toBe(ref.message_id);
      expect(email.date).toBe(ref.date);
      for (const k of ['from', 'to', 'cc', 'bcc', 'reply_to'] as const) expect(email[k], k).toEqual(ref[k]);
      expect(email.received.map((r) => r.raw)).toEqual(ref.received);
      expect(body).toBe(ref.body ?? '');
      expect(body_html).toBe(ref.body_html ?? '');

      expect(email.attachments.map((a) => [a.filename, a.content_type, a.content_id])).toEqual(
        ref.attachments.map((a) => [a.filename, a.content_type, a.content_id]),
      );
      const attachmentPayloads = children.filter((c) => !['body.txt', 'body.html'].includes(String(c.payload_meta.extra_data['filename'])));
      expect(attachmentPayloads.length).toBe(ref.attachments.length);
      for (const [i, a] of ref.attachments.entries()) {
        const child = attachmentPayloads[i]!;
        expect(child.payload_meta.extra_data).toMatchObject({ filename: a.filename, content_type: a.content_type });
        if (a.sha256) expect(child.payload_meta.dispatch_to).toEqual([]);
        if (a.sha256) expect(child.size).toBe(email.attachments[i]!.size);
        if (a.inner_subject !== undefined) {
          // The nested message went back through the engine to smtp, which read its subject.
          expect(child.payload_meta.dispatch_to).toEqual(['smtp']);
          expect((child.workers['smtp'] as SmtpResults).email.subject).toBe(a.inner_subject);
        }
      }
      for (const [i, a] of ref.attachments.entries())
        if (a.sha256) expect((attachmentPayloads[i]!.workers['hash'] as { sha256: string }).sha256).toBe(a.sha256);

      const bodies = children.filter((c) => ['body.txt', 'body.html'].includes(String(c.payload_meta.extra_data['filename'])));
      expect(bodies.map((b) => [b.payload_meta.extra_data['content_type'], b.payload_meta.dispatch_to])).toEqual([
        ...(ref.body ? [['text/plain', []]] : []),
        ...(ref.body_html ? [['text/html', ['html']]] : []),
      ]);
    },
  );
});

describe('smtp plugin: TNEF (winmail.dat)', () => {
  let dir: string;
  let stoq: Stoq;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rxstoq-smtp-tnef-'));
    stoq = new Stoq({ alwaysDispatch: ['smtp', 'hash'], logLevel: 'silent' });
  });
  afterAll(async () => {
    await stoq?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('unpacks the same files, names and bytes as the tnef CLI', async () => {
    const winmail = buildTnef(TNEF_MEMBERS);
    const file = join(dir, 'winmail.dat');
    writeFileSync(file, winmail);
    const out = join(dir, 'out');
    mkdirSync(out);
    const run = spawnSync('tnef', ['-C', out, '-f', file], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    // Lines "name<TAB>|<TAB>name<TAB>|<TAB>mime type<TAB>|<TAB>", mime type "unknown" when none is given.
    const listed = spawnSync('tnef', ['--list-with-mime-types', '-f', file], { encoding: 'utf8' });
    const rows = listed.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split('\t|\t'));
    const names = rows.map((r) => r[0]!);
    const expected = new Map(readdirSync(out).map((f) => [f, sha256(readFileSync(join(out, f)))]));
    expect([...expected.keys()].sort()).toEqual([...names].sort());
    expect(names.length).toBe(TNEF_MEMBERS.length);

    const eml = mailWith(
      ['Content-Type: application/ms-tnef; name="winmail.dat"', 'Content-Disposition: attachment; filename="winmail.dat"', 'Content-Transfer-Encoding: base64'],
      base64Lines(winmail),
    );
    const { smtp, ownErrors, children } = await scan(stoq, eml);
    expect(ownErrors).toEqual([]);
    const members = children.filter((c) => c.payload_meta.extra_data['tnef'] === 'winmail.dat');
    expect(new Map(members.map((m) => [m.payload_meta.extra_data['filename'], (m.workers['hash'] as { sha256: string }).sha256]))).toEqual(expected);
    const mimeTypes = new Map(rows.map((r) => [r[0], r[2] === 'unknown' ? null : r[2]]));
    const listing = smtp.email.attachments[0]!;
    expect(new Map(listing.tnef!.attachments.map((a) => [a.filename, a.mime_type]))).toEqual(mimeTypes);
    expect(listing).toMatchObject({ filename: 'winmail.dat', content_type: 'application/ms-tnef', extracted: true });
    expect(listing.tnef).toEqual({
      message_class: 'IPM.Microsoft Mail.Note',
      subject: 'TNEF sample',
      attachments: [
        { filename: 'Quarterly report 2026.pdf', mime_type: 'application/pdf', size: TNEF_MEMBERS[0]!.data.length },
        { filename: 'macro.doc', mime_type: null, size: 5000 },
        { filename: 'long unicode name.txt', mime_type: null, size: 16 },
      ],
    });
  });

  it('unpacks a bare winmail.dat payload (routed by its signature) the same way', async () => {
    const winmail = buildTnef(TNEF_MEMBERS);
    const { response, ownErrors, children } = await scan(stoq, winmail);
    expect(ownErrors).toEqual([]);
    const root = response.results[0]!.workers['smtp'] as { tnef: NonNullable<EmailSummary['attachments'][number]['tnef']> };
    expect(root.tnef.attachments.map((a) => a.filename)).toEqual(['Quarterly report 2026.pdf', 'macro.doc', 'long unicode name.txt']);
    expect(children.map((c) => [c.payload_meta.extra_data['filename'], (c.workers['hash'] as { sha256: string }).sha256])).toEqual(
      TNEF_MEMBERS.map((m) => [m.longName ?? m.title, sha256(m.data)]),
    );
  });

  it('reports a damaged winmail.dat and keeps the members before the damage', async () => {
    const good = buildTnef(TNEF_MEMBERS.slice(0, 1));
    // An attachment whose data attribute declares 1 TB, then a bad checksum on a title.
    const huge = Buffer.concat([tnefAttribute(2, 0x00069002, Buffer.alloc(14)), tnefAttribute(2, 0x00018010, Buffer.from('x.bin\0'), 0xbeef)]);
    const declared = Buffer.from(tnefAttribute(2, 0x0006800f, Buffer.alloc(8)));
    declared.writeUInt32LE(0xffffffff, 5);
    const eml = mailWith(['Content-Type: application/ms-tnef', 'Content-Transfer-Encoding: base64'], base64Lines(Buffer.concat([good, huge, declared])));
    const { smtp, ownErrors, children } = await scan(stoq, eml);
    expect(ownErrors.some((e) => /^smtp: winmail\.dat: TNEF: checksum mismatch/.test(e))).toBe(true);
    expect(ownErrors.some((e) => /^smtp: winmail\.dat: TNEF: attribute 0x800f .* declares 4294967295 bytes/.test(e))).toBe(true);
    expect(smtp.email.attachments[0]!.tnef!.attachments.map((a) => a.filename)).toEqual(['Quarterly report 2026.pdf', 'x.bin']);
    expect(children.filter((c) => c.payload_meta.extra_data['tnef']).map((c) => c.payload_meta.extra_data['filename'])).toEqual(['Quarterly report 2026.pdf']);
  });
});

function mailWith(partHeaders: string[], partBody: string, extraHeaders: string[] = []): Buffer {
  return Buffer.from(
    [
      'From: sender@example.org',
      'To: rcpt@example.org',
      'Subject: test',
      ...extraHeaders,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="XX"',
      '',
      '--XX',
      'Content-Type: text/plain',
      '',
      'see attached',
      '--XX',
      ...partHeaders,
      '',
      partBody,
      '--XX--',
      '',
    ].join('\r\n'),
    'latin1',
  );
}

async function scan(s: Stoq, content: Uint8Array) {
  const response = await s.scan(content);
  const root = response.results[0]!;
  return {
    response,
    smtp: root.workers['smtp'] as SmtpResults,
    ownErrors: response.errors.filter((e) => e.payload_id === root.payload_id).map((e) => e.error),
    children: response.results.filter((r) => r.extracted_from.includes(root.payload_id)),
  };
}

describe('smtp plugin: hostile and odd input', () => {
  let stoq: Stoq;
  beforeAll(() => {
    stoq = new Stoq({ alwaysDispatch: ['smtp'], logLevel: 'silent' });
  });
  afterAll(async () => {
    await stoq?.close();
  });

  it('stops at max_depth in 10,000 nested multiparts, keeping the headers', async () => {
    const { smtp, ownErrors } = await scan(stoq, buildNestedMultiparts(10_000));
    expect(smtp.email.subject).toBe('deep');
    expect(ownErrors).toEqual([
      'smtp: MIME nesting deeper than max_depth (32) at part 1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1: parts below it not read',
    ]);
    expect(smtp.body).toBe('');
  });

  it('walks 10,000 nested multiparts to the bottom when max_depth allows it (one pass, no recursion)', async () => {
    const deep = new Stoq({ alwaysDispatch: ['smtp'], logLevel: 'silent', pluginOpts: { smtp: { max_depth: 20_000, max_parts: 20_000 } } });
    try {
      const { smtp, ownErrors } = await scan(deep, buildNestedMultiparts(10_000));
      expect(ownErrors).toEqual([]);
      expect(smtp.body).toBe('bottom');
    } finally {
      await deep.close();
    }
  });

  it('does not trust an attachment declared as 1 TB', async () => {
    const eml = mailWith(
      [
        'Content-Type: application/octet-stream',
        'Content-Length: 1099511627776',
        'Content-Disposition: attachment; filename="big.bin"; size=1099511627776',
        'Content-Transfer-Encoding: base64',
      ],
      base64Lines(Buffer.from('tiny')),
    );
    const { smtp, ownErrors, children } = await scan(stoq, eml);
    expect(smtp.email.attachments).toEqual([expect.objectContaining({ filename: 'big.bin', size: 4, declared_size: 1099511627776, extracted: true })]);
    expect(ownErrors).toEqual(['smtp: attachment big.bin declares size=1099511627776 but has 4 bytes']);
    expect(children.map((c) => c.size)).toEqual([12, 4]);
  });

  it('keeps what it read of a truncated message and says what is missing', async () => {
    const whole = buildSampleEml();
    const cut = whole.subarray(0, whole.indexOf('winmail.dat"\r\nContent-Transfer') + 200);
    const { smtp, ownErrors } = await scan(stoq, cut);
    expect(smtp.email.subject).toBe('Konto gesperrt — sofort handeln');
    expect(smtp.body).toBe('Log in at http://bank.example.bad.example/login now.');
    expect(ownErrors).toContain('smtp: the message: closing boundary "--b1--" missing');
    expect(ownErrors.some((e) => e.startsWith('smtp: winmail.dat: TNEF: '))).toBe(true);
  });

  it('reports binary garbage as no email, extracting nothing', async () => {
    let x = 15;
    const garbage = Buffer.alloc(65536, 0).map(() => {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      return x >> 16;
    });
    const { response, smtp, ownErrors } = await scan(stoq, garbage);
    expect(ownErrors).toEqual(['smtp: no RFC 5322 header fields at the start of the payload']);
    expect(smtp.email.attachments).toEqual([]);
    expect(response.results.length).toBe(1);
  });

  it('decodes broken base64 as far as it goes, and says so', async () => {
    const good = Buffer.from('The quick brown fox jumps over the lazy dog').toString('base64');
    const eml = mailWith(
      ['Content-Type: application/octet-stream; name=fox.txt', 'Content-Transfer-Encoding: base64'],
      `${good.slice(0, 20)}@@!!${good.slice(20, 41)}`,
    );
    const { smtp, ownErrors } = await scan(stoq, eml);
    expect(smtp.email.attachments[0]).toMatchObject({ filename: 'fox.txt', size: 30 });
    expect(ownErrors).toEqual(['smtp: part 2: 4 bytes outside the base64 alphabet skipped']);
  });

  it('reports a multipart without a boundary, and one whose boundary never appears', async () => {
    const noParam = Buffer.from('From: a@example.org\r\nSubject: nb\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\nhello\r\n');
    const r1 = await scan(stoq, noParam);
    expect(r1.ownErrors).toEqual(['smtp: the message is multipart/mixed without a boundary parameter']);
    expect(r1.smtp.email.subject).toBe('nb');
    const absent = Buffer.from('From: a@example.org\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--x\r\nhello\r\n');
    expect((await scan(stoq, absent)).ownErrors).toEqual(['smtp: the message: boundary "zz" never found']);
  });

  it('ends an unclosed inner multipart at the outer delimiter, as Python does', async () => {
    const eml = mailWith(
      ['Content-Type: multipart/mixed; boundary="in"'],
      ['--in', 'Content-Type: application/x-a; name=a.bin', '', 'AAA', '--in', 'Content-Type: application/x-b; name=b.bin', '', 'BBB'].join('\r\n'),
    );
    const withTail = Buffer.concat([
      eml.subarray(0, eml.length - '--XX--\r\n'.length),
      Buffer.from('--XX\r\nContent-Type: application/x-c; name=c.bin\r\n\r\nCCC\r\n--XX--\r\n'),
    ]);
    const { smtp, ownErrors } = await scan(stoq, withTail);
    expect(smtp.email.attachments.map((a) => [a.part, a.filename, a.size])).toEqual([
      ['2.1', 'a.bin', 3],
      ['2.2', 'b.bin', 3],
      ['3', 'c.bin', 3],
    ]);
    expect(ownErrors).toEqual(['smtp: part 2: closing boundary "--in--" missing']);
  });

  it('reads raw 8-bit headers (UTF-8, else Windows-1252) and RFC 2047 words', async () => {
    const eml = Buffer.concat([
      Buffer.from('From: "Zoë Ünal" <zoe@example.org>\r\nSubject: Prix réduit =?utf-8?q?=E2=82=AC?= 5\r\n', 'utf8'),
      Buffer.from('To: "Fran\xe7ois" <f@example.org>\r\nX-Note: caf\xe9\r\n\r\nbody\r\n', 'latin1'),
    ]);
    const { smtp, ownErrors } = await scan(stoq, eml);
    expect(ownErrors).toEqual([]);
    expect(smtp.email.from).toEqual([{ name: 'Zoë Ünal', address: 'zoe@example.org' }]);
    expect(smtp.email.to).toEqual([{ name: 'François', address: 'f@example.org' }]);
    expect(smtp.email.subject).toBe('Prix réduit € 5');
    expect(smtp['x-note']).toBe('café');
    expect(smtp.body).toBe('body\r\n');
  });

  it('joins RFC 2231 continuations with a charset, and decodes RFC 2047 words in a quoted filename', async () => {
    const a = mailWith(
      ['Content-Type: application/pdf', 'Content-Disposition: attachment; filename*0*=utf-8\'\'%E2%82%AC%20rate; filename*1=" list"; filename*2*=%2Epdf'],
      'x',
    );
    expect((await scan(stoq, a)).smtp.email.attachments[0]!.filename).toBe('€ rate list.pdf');
    const b = mailWith(['Content-Type: application/pdf; name="=?utf-8?b?w6TDtsO8LnBkZg==?="'], 'x');
    expect((await scan(stoq, b)).smtp.email.attachments[0]!.filename).toBe('äöü.pdf');
  });

  it('holds to max_attachments and max_attachment_size', async () => {
    const many = mailWith(['Content-Type: application/octet-stream; name=a.bin'], 'a'.repeat(100));
    const limited = new Stoq({ alwaysDispatch: ['smtp'], logLevel: 'silent', pluginOpts: { smtp: { max_attachment_size: 50, max_attachments: 1 } } });
    try {
      const { smtp, ownErrors, children } = await scan(limited, many);
      expect(smtp.email.attachments).toEqual([expect.objectContaining({ filename: 'a.bin', size: 100, extracted: false })]);
      expect(ownErrors).toEqual(['smtp: attachment a.bin is 100 bytes, over max_attachment_size (50): not extracted']);
      expect(children.map((c) => c.payload_meta.extra_data['filename'])).toEqual(['body.txt']);
    } finally {
      await limited.close();
    }
  });

  it('omit_body, extract_iocs, archive_attachments and always_dispatch as upstream', async () => {
    const opts = { omit_body: true, extract_iocs: true, archive_attachments: false, always_dispatch: ['hash'] };
    const upstreamish = new Stoq({ logLevel: 'silent', pluginOpts: { smtp: opts } });
    try {
      const response = await upstreamish.scan(buildSampleEml(), { addStartDispatch: ['smtp'] });
      const root = response.results[0]!;
      const smtp = root.workers['smtp'] as SmtpResults;
      expect('body' in smtp || 'body_html' in smtp).toBe(false);
      expect(smtp.subject).toBe('Konto gesperrt — sofort handeln');
      const children = response.results.filter((r) => r.extracted_from.includes(root.payload_id));
      expect(children.map((c) => [c.payload_meta.extra_data['filename'] ?? null, c.payload_meta.should_archive, c.payload_meta.dispatch_to])).toEqual([
        ['body.txt', true, []],
        ['body.html', true, ['html']],
        ['invoice 2026.doc', false, ['hash']],
        [null, false, ['iocextract']],
      ]);
      const iocs = children[3]!.workers['iocextract'] as Record<string, string[]>;
      expect(iocs['ipv4']).toContain('192.0.2.66');
    } finally {
      await upstreamish.close();
    }
  });

  it('reads the fuzz seed: auth results, URLs, Received hop, TNEF member', async () => {
    const { smtp, ownErrors, children } = await scan(stoq, buildSampleEml());
    expect(ownErrors).toEqual([]);
    expect(smtp.email.auth).toEqual({ spf: 'softfail', dkim: 'none', dmarc: 'fail' });
    expect(smtp.email.urls).toEqual(['http://bank.example.bad.example/login']);
    expect(smtp.email.received).toEqual([
      expect.objectContaining({
        from: 'relay.bad.example',
        from_ip: '192.0.2.66',
        by: 'mx.example.org',
        with: 'ESMTP',
        id: '9QZ',
        date: '2026-12-01T05:00:00.000Z',
      }),
    ]);
    expect(children.map((c) => [c.payload_meta.extra_data['filename'], c.payload_meta.dispatch_to])).toEqual([
      ['body.txt', []],
      ['body.html', ['html']],
      ['invoice 2026.doc', []],
    ]);
  });
});
