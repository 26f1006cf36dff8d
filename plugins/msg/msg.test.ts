import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Payload, Stoq, type ExtractedPayload, type StoqResponse, type WorkerResponse } from 'rxstoq';
import { CfbReader } from './cfb-reader.js';
import { decompressRtf } from './compressed-rtf.js';
import { ansiCodepage } from './text.js';
import { buildMsg, compressRtf, messageEntries, type MsgSpec, nestedMsg, sampleMsg, writeCfb } from './fixtures/msg-builder.js';
import type { MsgPlugin } from './msg.js';
import type { MsgResult } from './msg-result.js';

/** Deterministic bytes: a SHA-256 counter stream. */
function bytes(seed: string, length: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; out.length * 32 < length; i++) out.push(createHash('sha256').update(`${seed}:${i}`).digest());
  return Buffer.concat(out).subarray(0, length);
}
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
/** Line ends as Python's email package hands back a text part. */
const lf = (s: string) => s.replace(/\r\n/g, '\n');
/**
 * msgconvert 0.921 writes the non-ASCII characters of a PT_UNICODE body UTF-8-encoded twice
 * ("—" becomes "â\u0080\u0094"); one layer is undone here before comparing. PT_STRING8 bodies
 * (decoded by their code page) come out right.
 */
const fixMsgconvertUtf8 = (s: string, unicode: boolean) => (unicode ? Buffer.from(s, 'latin1').toString('utf8') : s);

const HEADERS = [
  'Received: from mx.example.net (mx.example.net [192.0.2.7])',
  '\tby mail.example.org with ESMTPS id 4711',
  '\tfor <ann@example.org>; Fri, 01 Mar 2024 10:20:31 +0000',
  'Received: from [10.0.0.5] by mx.example.net with SMTP; Fri, 01 Mar 2024 10:20:30 +0000',
  'Authentication-Results: mail.example.org; spf=fail smtp.mailfrom=example.com',
  'X-Mailer: builder',
  '',
].join('\r\n');

const INNER: MsgSpec = {
  subject: 'Fwd: the original',
  from: { name: 'Inner Sender', address: 'inner@example.com' },
  to: [{ name: 'Bob', address: 'bob@example.org' }],
  body: 'Inner body with http://inner.example.com/a?b=1 inside.',
  date: new Date('2023-12-24T08:00:00Z'),
  attachments: [{ filename: 'inner.bin', data: bytes('inner', 700), mime: 'application/octet-stream' }],
};

const SAMPLES: Record<string, MsgSpec> = {
  'unicode: recipients, headers, html, attachments by value, an embedded message': {
    subject: 'Rechnung — ünïcode ✓ 4711',
    from: { name: 'Billing Dept', address: 'billing@example.com' },
    to: [
      { name: 'Ann Example', address: 'ann@example.org' },
      { name: 'Zoë', address: 'zoe@example.org' },
    ],
    cc: [{ name: 'Carl', address: 'carl@example.org' }],
    bcc: [{ name: 'Hidden', address: 'hidden@example.org' }],
    body: 'Dear Ann,\r\npay at https://pay.example.net/invoice?id=4711 today.\r\n— Billing',
    html: '<html><body><p>Pay <a href="https://pay.example.net/invoice?id=4711">here</a> or <a href="http://evil.example/x.exe">this</a>.</p></body></html>',
    headers: HEADERS,
    messageId: '<4711@example.com>',
    date: new Date('2024-03-01T10:20:30Z'),
    attachments: [
      { filename: 'invoice.pdf', data: bytes('pdf', 9000), mime: 'application/pdf' },
      { filename: 'logo.png', data: bytes('png', 300), mime: 'image/png', contentId: '<logo@example.com>' },
      { message: INNER, filename: 'Fwd the original' },
    ],
  },
  'ANSI (PT_STRING8, code page 1252) strings': {
    unicode: false,
    subject: 'Café ünd Bücher',
    from: { name: 'Jürgen Müller', address: 'jm@example.de' },
    to: [{ name: 'Renée', address: 'renee@example.fr' }],
    body: 'Grüße aus Köln: https://example.de/ä',
    attachments: [{ filename: 'résumé.txt', data: Buffer.from('ça va\n', 'latin1'), mime: 'text/plain' }],
  },
  'only a compressed RTF body that encapsulates HTML': {
    subject: 'rtf only',
    from: { name: 'R', address: 'r@example.com' },
    rtf:
      '{\\rtf1\\ansi\\ansicpg1252\\fromhtml1 \\deff0{\\fonttbl{\\f0\\fswiss Arial;}}{\\*\\htmltag19 <html>}{\\*\\htmltag34 <body>}\\htmlrtf {\\htmlrtf0 ' +
      '{\\*\\htmltag64 <p>}Click {\\*\\htmltag84 <a href="http://rtf.example.com/go">}here{\\*\\htmltag92 </a>} caf\\\'e9 \\htmlrtf\\par\\htmlrtf0 ' +
      '{\\*\\htmltag72 </p>}}\\htmlrtf0 {\\*\\htmltag42 </body>}{\\*\\htmltag27 </html>}}',
  },
  'only a subject': { subject: 'nothing else' },
};

/** What the RTF sample's HTML is, de-encapsulated by hand per [MS-OXRTFEX]. */
const RTF_HTML = '<html><body><p>Click <a href="http://rtf.example.com/go">here</a> café </p></body></html>';

describe('msg plugin', () => {
  let dir: string;
  let stoq: Stoq;
  let plugin: MsgPlugin;
  const built: Record<string, Buffer> = {};
  const direct: Record<string, WorkerResponse> = {};
  const responses: Record<string, StoqResponse> = {};
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the Python reference script
  let reference: Record<string, any> = {};

  const scanDirect = (content: Uint8Array) => plugin.scan(new Payload(content));
  const rootResult = (r: StoqResponse) => r.results[0]!.workers['msg'] as MsgResult | undefined;
  const msgErrors = (r: StoqResponse, payloadId = r.results[0]!.payload_id) =>
    r.errors.filter((e) => e.payload_id === payloadId).map((e) => `${e.plugin_name}: ${e.error}`);
  const embeddedOf = (w: WorkerResponse) => w.extracted.find((e) => e.payload_meta.extra_data['msg_part'] === 'embedded_message')!;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rxstoq-msg-'));
    stoq = new Stoq({ alwaysDispatch: ['msg'], logLevel: 'silent' });
    plugin = (await stoq.loadPlugin('msg')) as MsgPlugin;
    const files: string[] = [];
    for (const [i, [name, spec]] of Object.entries(SAMPLES).entries()) {
      built[name] = buildMsg(spec);
      direct[name] = scanDirect(built[name]);
      responses[name] = await stoq.scan(built[name]);
      files.push(join(dir, `${i}.msg`));
      writeFileSync(files.at(-1)!, built[name]);
      const embedded = direct[name].extracted.find((e) => e.payload_meta.extra_data['msg_part'] === 'embedded_message');
      if (embedded) {
        files.push(join(dir, `${i}-embedded.msg`));
        writeFileSync(files.at(-1)!, embedded.content);
      }
    }
    // msgconvert's own library, one process for every file: /usr/bin/msgconvert also loads
    // Email::Address (for --mbox), which Debian's package does not depend on.
    const perl = spawnSync(
      'perl',
      [
        '-MEmail::Outlook::Message',
        '-e',
        'for my $f (@ARGV) { my $m = Email::Outlook::Message->new($f); open(my $o, ">", "$f.eml") or die; binmode $o; print $o $m->to_email_mime->as_string; close $o }',
        ...files,
      ],
      { encoding: 'utf8' },
    );
    if (perl.status !== 0) throw new Error(`Email::Outlook::Message failed: ${perl.stderr}`);
    const py = spawnSync('/usr/bin/python3', [join(import.meta.dirname, 'fixtures', 'eml_fields.py'), ...files.map((f) => `${f}.eml`)], { encoding: 'utf8' });
    if (py.status !== 0) throw new Error(`eml_fields.py failed: ${py.stderr}`);
    reference = JSON.parse(py.stdout);
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const ref = (name: string, suffix = '') => reference[join(dir, `${Object.keys(SAMPLES).indexOf(name)}${suffix}.msg.eml`)];

  describe.each(Object.keys(SAMPLES))('%s', (name) => {
    it('agrees with msgconvert (Email::Outlook::Message) read back by Python email', () => {
      const msg = rootResult(responses[name]!)!;
      const eml = ref(name);
      expect(msgErrors(responses[name]!)).toEqual([]);
      expect(msg.subject).toBe(eml.subject);
      const spec = SAMPLES[name]!;
      expect(eml.from).toEqual(spec.from ? [spec.from] : []);
      expect(spec.from ? [msg.from] : []).toEqual(eml.from);
      const bare = (rs: { name: string | null; address: string | null }[]) => rs.map(({ name, address }) => ({ name, address }));
      expect(bare(msg.to)).toEqual(eml.to);
      expect(bare(msg.cc)).toEqual(eml.cc);
      // msgconvert always writes a text part (empty when the .msg has no PR_BODY).
      expect(lf(msg.body ?? '')).toBe(fixMsgconvertUtf8(lf(eml.body ?? ''), !(spec.unicode === false)));
      if (eml.html !== null) expect(msg.body_html).toBe(eml.html);
      const attachments = msg.attachments.filter((a) => !a.embedded_message);
      const extracted = direct[name]!.extracted.filter((e) => e.payload_meta.extra_data['msg_part'] === 'attachment');
      const refFiles = eml.attachments.filter((a: { sha256?: string }) => a.sha256);
      expect(attachments.map((a) => a.filename)).toEqual(refFiles.map((a: { filename: string }) => a.filename));
      expect(extracted.map((e) => e.payload_meta.extra_data['filename'])).toEqual(refFiles.map((a: { filename: string }) => a.filename));
      expect(extracted.map((e) => sha256(e.content))).toEqual(refFiles.map((a: { sha256: string }) => a.sha256));
      expect(attachments.map((a) => a.content_type)).toEqual(refFiles.map((a: { content_type: string }) => a.content_type));
      // With no PR_ATTACH_CONTENT_ID msgconvert passes an empty Content-ID, which Email::MIME replaces by one it makes up.
      const madeUp = /^<\d+\.[0-9A-Za-z]+\.\d+@[^>]*>$/;
      expect(attachments.map((a) => a.content_id)).toEqual(
        refFiles.map((a: { content_id: string | null }) => (a.content_id && !madeUp.test(a.content_id) ? a.content_id : null)),
      );
    });
  });

  it('reports dates, message id, bcc, the transport headers and the Received chain', () => {
    const name = Object.keys(SAMPLES)[0]!;
    const msg = rootResult(responses[name]!)!;
    const eml = ref(name);
    expect(msg.date).toBe('2024-03-01T10:20:30.000Z');
    expect(msg.date_source).toBe('client_submit_time');
    expect(new Date(eml.date).toISOString()).toBe(msg.date);
    expect(msg.message_id).toBe(eml.message_id);
    expect(msg.bcc).toEqual([{ name: 'Hidden', address: 'hidden@example.org', address_type: 'SMTP' }]);
    expect(msg.received).toEqual(eml.received);
    expect(msg.received).toHaveLength(2);
    expect(msg.headers['authentication-results']).toEqual(['mail.example.org; spf=fail smtp.mailfrom=example.com']);
    expect(msg.urls).toEqual(['https://pay.example.net/invoice?id=4711', 'http://evil.example/x.exe']);
    expect(msg.attachments.map((a) => [a.method, a.size, a.extracted])).toEqual([
      ['by_value', 9000, true],
      ['by_value', 300, true],
      ['embedded_message', null, true],
    ]);
  });

  it('extracts an embedded message as a standalone .msg that msgconvert reads and that is scanned again as msg', () => {
    const name = Object.keys(SAMPLES)[0]!;
    const response = responses[name]!;
    const summary = rootResult(response)!.attachments[2]!.embedded_message!;
    expect(summary).toEqual({
      message_class: 'IPM.Note',
      subject: INNER.subject,
      from: INNER.from,
      date: '2023-12-24T08:00:00.000Z',
      attachment_count: 1,
    });
    const embedded = embeddedOf(direct[name]!);
    expect(embedded.payload_meta.dispatch_to).toEqual(['msg']);
    expect(new CfbReader(embedded.content as Uint8Array, { maxEntries: 100, maxDepth: 8, maxStreamSize: 1e6 }).root.clsid).toBe(
      '00020d0b-0000-0000-c000-000000000046',
    );
    // What msgconvert made of the embedded storage (a message/rfc822 part) and of our standalone copy agree.
    const inlineRef = ref(name).attachments.find((a: { message?: unknown }) => a.message).message;
    const standaloneRef = ref(name, '-embedded');
    for (const eml of [inlineRef, standaloneRef]) {
      expect(eml.subject).toBe(INNER.subject);
      expect(eml.body).toBe(INNER.body);
      expect(eml.attachments.map((a: { filename: string; sha256: string }) => [a.filename, a.sha256])).toEqual([
        ['inner.bin', sha256((INNER.attachments![0] as { data: Uint8Array }).data)],
      ]);
    }
    // The recursion: the extracted .msg's own results, one level down.
    const child = response.results.find((r) => r.payload_meta.extra_data['msg_part'] === 'embedded_message')!;
    const inner = child.workers['msg'] as MsgResult;
    expect(inner.subject).toBe(standaloneRef.subject);
    expect(inner.body).toBe(standaloneRef.body);
    expect(inner.urls).toEqual(['http://inner.example.com/a?b=1']);
    expect(msgErrors(response, child.payload_id)).toEqual([]);
  });

  it('decompresses the RTF body byte for byte as msgconvert does and recovers the encapsulated HTML', () => {
    const name = 'only a compressed RTF body that encapsulates HTML';
    const msg = rootResult(responses[name]!)!;
    const rtf = direct[name]!.extracted.find((e) => e.payload_meta.extra_data['msg_part'] === 'body_rtf')!;
    expect(sha256(rtf.content)).toBe(ref(name).rtf_sha256);
    expect(Buffer.from(rtf.content as Uint8Array).toString('latin1')).toBe(SAMPLES[name]!.rtf);
    expect(rtf.payload_meta.dispatch_to).toEqual(['rtf']);
    expect(msg.rtf).toEqual({ size: SAMPLES[name]!.rtf!.length, encapsulation: 'html' });
    expect(msg.body_html_source).toBe('rtf');
    expect(msg.body_html).toBe(RTF_HTML);
    expect(msg.urls).toEqual(['http://rtf.example.com/go']);
    const html = direct[name]!.extracted.find((e) => e.payload_meta.extra_data['msg_part'] === 'body_html_rtf')!;
    expect(html.payload_meta.dispatch_to).toEqual(['html']);
  });

  it('decompresses a real-world compressed RTF (test vector of linagora/OBM CompressedRTFTests.java) that uses the preloaded dictionary', () => {
    const vector = Buffer.from(
      '3gAAADkCAABMWkZ1lTR5wz8ACQMwAQMB9wKnAgBjaBEKwHNldALRcHJx4DAgVGFoA3ECgwBQ6wNUDzcyD9MyBgAGwwKDpxIBA+MReDA0EhUgAoArApEI5jsJbzAVwzEyvjgJtBdCCjIXQRb0ORIAHxeEGOEYExjgFcMyNTX/CbQaYgoyGmEaHBaKCaUa9v8c6woUG3YdTRt/Hwwabxbt/xyPF7gePxg4JY0YVyRMKR+dJfh9CoEBMAOyMTYDMYksgSc1AUAnNmYtQNY3GoAtkDktgTMtQAwBFy3QLX8KhX0wgA==',
      'base64',
    );
    const { rtf, problems } = decompressRtf(vector, 1_000_000);
    const text = Buffer.from(rtf).toString('latin1');
    expect(problems).toEqual([]);
    expect(rtf.length).toBe(vector.readUInt32LE(4));
    expect(text.startsWith('{\\rtf1\\ansi \\deff0{\\fonttbl{\\f0\\fnil\\fcharset0\\fprq0 Tahoma;}')).toBe(true);
    // "Pouic pouic", the text the vector's test expects, as RTF hex escapes.
    expect(text.endsWith("\\f0 \\fs16 \\f0 \\'50\\'6f\\'75\\'69\\'63\\'20\\'70\\'6f\\'75\\'69\\'63\r\n\\par }")).toBe(true);
    expect(Buffer.from(decompressRtf(compressRtf(Buffer.from('abcabcabcabcabc')), 100).rtf).toString()).toBe('abcabcabcabcabc');
  });

  it('decodes PT_STRING8 by PR_MESSAGE_CODEPAGE, else the locale, not by the MIME charset', () => {
    expect(ansiCodepage(1251, 0x0411, 50220)).toBe(1251);
    // Japanese Outlook: PR_INTERNET_CPID 50220 (iso-2022-jp), PR_MESSAGE_LOCALE_ID ja-JP, strings in 932.
    expect(ansiCodepage(undefined, 0x0411, 50220)).toBe(932);
    expect(ansiCodepage(undefined, 0x0409, 28591)).toBe(1252);
    expect(ansiCodepage(undefined, undefined, 1250)).toBe(1250);
    expect(ansiCodepage(undefined, undefined, 50220)).toBe(1252);
  });

  describe('hostile input', () => {
    const errorsOf = (r: StoqResponse) => msgErrors(r);

    it('a file that is not a compound file', async () => {
      const r = await stoq.scan(bytes('noise', 2000));
      expect(errorsOf(r)).toEqual(['msg: msg: not a compound file (no OLE2 signature)']);
    });

    it('a compound file that is not a message', async () => {
      const r = await stoq.scan(writeCfb([['/WordDocument', bytes('doc', 600)]]));
      expect(errorsOf(r)).toEqual([expect.stringMatching(/^msg: msg: not an Outlook message: .*"WordDocument"/)]);
      expect(rootResult(r)).toBeUndefined();
    });

    it('truncated files keep what was read and name the damage', async () => {
      const whole = sampleMsg();
      for (const keep of [600, 1536, Math.floor(whole.length * 0.75), whole.length - 1]) {
        const r = await stoq.scan(whole.subarray(0, keep));
        expect(errorsOf(r).length, `cut at ${keep}`).toBeGreaterThan(0);
        expect(
          errorsOf(r).every((e) => e.startsWith('msg: msg: ')),
          `cut at ${keep}`,
        ).toBe(true);
      }
      const r = await stoq.scan(whole.subarray(0, Math.floor(whole.length * 0.75)));
      expect(rootResult(r)).toBeDefined();
    });

    it('a FAT loop in an attachment chain ends the chain, the rest is read', async () => {
      const file = Buffer.from(buildMsg(SAMPLES[Object.keys(SAMPLES)[0]!]!));
      const reader = new CfbReader(file, { maxEntries: 1000, maxDepth: 64, maxStreamSize: 1e9 });
      const pdf = reader.root.children.find((c) => c.name === '__attach_version1.0_#00000000')!.children.find((c) => c.name === '__substg1.0_37010102')!;
      // Point the chain's third sector back to its first.
      const fatSector = file.readUInt32LE(0x4c);
      const fatAt = (s: number) => (fatSector + 1) * 512 + s * 4;
      const second = file.readUInt32LE(fatAt(pdf.start));
      const third = file.readUInt32LE(fatAt(second));
      file.writeUInt32LE(pdf.start, fatAt(third));
      // Also the case that hangs npm cfb 1.2.2's reader: the directory entry starts inside the loop.
      const inside = Buffer.from(file);
      const dirSector = inside.readUInt32LE(0x30);
      inside.writeUInt32LE(second, (dirSector + 1) * 512 + pdf.id * 128 + 116);
      expect(errorsOf(await stoq.scan(inside))).toContainEqual(expect.stringMatching(/sector chain loops back to sector \d+ \(FAT loop\)/));
      const r = await stoq.scan(file);
      expect(errorsOf(r)).toEqual([
        expect.stringMatching(/stream __substg1\.0_37010102: sector chain loops back to sector \d+ \(FAT loop\)/),
        expect.stringMatching(/stream __substg1\.0_37010102 declares 9000 bytes but its sector chain holds 1536/),
        expect.stringMatching(/__attach_version1\.0_#00000000: property 0x3701 declares 9000 bytes, its stream holds 1536/),
      ]);
      const msg = rootResult(r)!;
      expect(msg.subject).toBe(SAMPLES[Object.keys(SAMPLES)[0]!]!.subject);
      expect(msg.attachments).toHaveLength(3);
    });

    it('a directory loop is cut', async () => {
      const file = Buffer.from(sampleMsg());
      const dirSector = file.readUInt32LE(0x30);
      // Entry 1's child pointer back to entry 1's own parent chain: the root's first child.
      const rootChild = file.readUInt32LE((dirSector + 1) * 512 + 76);
      const attach = new CfbReader(file, { maxEntries: 1000, maxDepth: 64, maxStreamSize: 1e9 }).root.children.find((c) => c.type === 1)!;
      file.writeUInt32LE(rootChild, (dirSector + 1) * 512 + attach.id * 128 + 76);
      const r = await stoq.scan(file);
      expect(errorsOf(r)).toContainEqual(expect.stringMatching(/directory entry \d+ is linked twice \(directory loop\)/));
      expect(rootResult(r)!.subject).toBe('Invoice 4711');
    });

    it('huge declared sizes in the property stream and the directory', async () => {
      const entries = messageEntries(SAMPLES['only a subject']!, '', false);
      const props = entries.find(([p]) => p === '/__properties_version1.0')![1] as Buffer;
      for (let o = 32; o + 16 <= props.length; o += 16) if (props.readUInt16LE(o + 2) === 0x0037) props.writeUInt32LE(0xfffffff0, o + 8);
      const file = writeCfb(entries);
      const r = await stoq.scan(file);
      expect(errorsOf(r)).toEqual(['msg: msg: message: property 0x0037 declares 4294967280 bytes, its stream holds 26']);
      expect(rootResult(r)!.subject).toBe('nothing else');
      // The same stream's directory entry claiming 4 GB: not read, the rest is.
      const reader = new CfbReader(file, { maxEntries: 1000, maxDepth: 64, maxStreamSize: 1e9 });
      const subject = reader.root.children.find((c) => c.name === '__substg1.0_0037001F')!;
      const dirSector = file.readUInt32LE(0x30);
      file.writeUInt32LE(0xfffffff0, (dirSector + 1) * 512 + subject.id * 128 + 120);
      const r2 = await stoq.scan(file);
      expect(errorsOf(r2)).toEqual([expect.stringMatching(/stream __substg1\.0_0037001F declares 4294967280 bytes, more than max_stream_size/)]);
      expect(rootResult(r2)!.subject).toBeNull();
      expect(rootResult(r2)!.message_class).toBe('IPM.Note');
    });

    it('a compressed RTF body declaring 4 GB stays bounded', () => {
      const lying = Buffer.from(compressRtf(Buffer.from('{\\rtf1 x}')));
      lying.writeUInt32LE(0xffffffff, 4);
      lying.writeUInt32LE(0x7ffffff0, 0);
      const { rtf, problems } = decompressRtf(lying, 1000);
      expect(Buffer.from(rtf).toString()).toBe('{\\rtf1 x}');
      expect(problems).toEqual([
        `compressed RTF declares 2147483636 bytes, ${lying.length} present`,
        'compressed RTF declares 4294967295 bytes uncompressed, more than max_rtf_size (1000); cut there',
      ]);
    });

    it('1,000 nested embedded messages: read to max_storage_depth, recursion bounded', async () => {
      const file = nestedMsg(1000);
      const r = await stoq.scan(file);
      expect(rootResult(r)!.subject).toBe('level 1');
      expect(rootResult(r)!.attachments[0]!.embedded_message!.subject).toBe('level 2');
      expect(errorsOf(r)).toEqual([expect.stringMatching(/storage\(s\) nested deeper than max_storage_depth \(64\) not read/)]);
      const levels = r.results.map((x) => (x.workers['msg'] as MsgResult | undefined)?.subject).filter(Boolean);
      expect(levels.length).toBeGreaterThan(2);
      expect(levels.length).toBeLessThan(40);
    });
  });

  it('extracted payloads: bodies routed to html and rtf, attachments with file name and content type', () => {
    const name = Object.keys(SAMPLES)[0]!;
    const meta = direct[name]!.extracted.map((e: ExtractedPayload) => [
      e.payload_meta.extra_data['msg_part'],
      e.payload_meta.extra_data['filename'],
      e.payload_meta.dispatch_to,
    ]);
    expect(meta).toEqual([
      ['body', 'body.txt', []],
      ['body_html_pr_html', 'body.html', ['html']],
      ['attachment', 'invoice.pdf', []],
      ['attachment', 'logo.png', []],
      ['embedded_message', 'Fwd the original', ['msg']],
    ]);
  });
});
