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
