import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stoq } from 'rxstoq';
import { tempDir } from '../../test/helpers/tmp.js';

type Iocs = Record<string, string[]>;

const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
const SHA1 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709';
const SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const SHA512 = 'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e';

describe('iocextract plugin', () => {
  let stoq: Stoq;
  beforeAll(async () => {
    // No default whitelist here: it would hide the private addresses some cases use.
    stoq = new Stoq({ alwaysDispatch: ['iocextract'], logLevel: 'silent', pluginOpts: { iocextract: { whitelist_file: [] } } });
    await stoq.ready();
  });
  afterAll(() => stoq.close());

  const iocsOf = async (text: string | Uint8Array, s = stoq): Promise<Iocs> => {
    const response = await s.scan(typeof text === 'string' ? Buffer.from(text) : text);
    expect(response.errors).toEqual([]);
    return response.results[0]!.workers['iocextract'] as Iocs;
  };
  const withOptions = async (options: Record<string, unknown>, run: (s: Stoq) => Promise<void>) => {
    const s = new Stoq({ alwaysDispatch: ['iocextract'], logLevel: 'silent', pluginOpts: { iocextract: options } });
    try {
      await run(s);
    } finally {
      await s.close();
    }
  };

  it('finds every type in plain text, normalised, each once, in first-seen order', async () => {
    const text = [
      `Dropper md5 ${MD5.toUpperCase()} sha1 ${SHA1} sha256 ${SHA256}`,
      `sha512: ${SHA512}`,
      'It beacons to 203.0.113.7 and 198.51.100.23:8080, and again to 203.0.113.7.',
      'IPv6 C2: 2001:DB8:0:0:0:0:0:1 and fe80::1ff:fe23:4567:890a; loopback ::1; mapped ::FFFF:c000:0280 and 64:ff9b::198.51.100.7',
      'NIC 00-1A-2B-3C-4D-5E seen, also 00:1a:2b:3c:4d:5f',
      'Mail Bad.Actor+tag@Evil-Corp.co.uk or ops@example.com.',
      'Download from https://Files.Evil-Corp.co.uk:8443/payload/stage2.bin?id=42&x=y#frag, then http://203.0.113.7/x.',
      '(see http://example.com/path_(with)_parens) and "http://example.org/quoted".',
    ].join('\n');
    expect(await iocsOf(text)).toEqual({
      md5: [MD5],
      sha1: [SHA1],
      sha256: [SHA256],
      sha512: [SHA512],
      // The dotted tail of an IPv6 address is an IPv4 address too.
      ipv4: ['203.0.113.7', '198.51.100.23', '198.51.100.7'],
      ipv6: ['2001:db8::1', 'fe80::1ff:fe23:4567:890a', '::1', '::ffff:192.0.2.128', '64:ff9b::c633:6407'],
      mac_address: ['00:1a:2b:3c:4d:5e', '00:1a:2b:3c:4d:5f'],
      email: ['Bad.Actor+tag@evil-corp.co.uk', 'ops@example.com'],
      domain: ['evil-corp.co.uk', 'example.com', 'files.evil-corp.co.uk', 'example.org'],
      url: [
        'https://files.evil-corp.co.uk:8443/payload/stage2.bin?id=42&x=y#frag',
        'http://203.0.113.7/x',
        'http://example.com/path_(with)_parens',
        'http://example.org/quoted',
      ],
    });
  });

  it('gives the result its README shows for its sample text', async () => {
    const readme = readFileSync(new URL('README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Results'));
    const [, sample, shown] = /```\n([\s\S]*?)```[\s\S]*?```json\n([\s\S]*?)```/.exec(section)!;
    expect(await iocsOf(sample!)).toEqual(JSON.parse(shown!));
  });

  it('refangs defanged indicators', async () => {
    const text = [
      'hxxp://evil[.]example[.]com/a and hXXps://cdn(dot)example(dot)net/b and meow://x{.}example{.}org',
      'h[tt]p[:]//bad[.]example[.]info/c',
      'IP 192[.]0[.]2[.]10 and 192(.)0(.)2(.)11',
      'mail: admin[@]phish[.]example[.]com, user (at) example (dot) com, x[at]example<dot>biz',
    ].join('\n');
    const iocs = await iocsOf(text);
    expect(iocs['url']).toEqual(['http://evil.example.com/a', 'https://cdn.example.net/b', 'http://x.example.org', 'http://bad.example.info/c']);
    expect(iocs['ipv4']).toEqual(['192.0.2.10', '192.0.2.11']);
    expect(iocs['email']).toEqual(['admin@phish.example.com', 'user@example.com', 'x@example.biz']);
    expect(iocs['domain']).toEqual([
      'evil.example.com',
      'cdn.example.net',
      'x.example.org',
      'bad.example.info',
      'phish.example.com',
      'example.com',
      'example.biz',
    ]);
  });

  it('reports no file names, version numbers or other look-alikes', async () => {
    const text = [
      'Attached report.pdf, invoice.doc, setup.exe, payload.dll, run.bat, image.png, notes.txt, index.html, app.js, data.json',
      'Installed version 1.2.3.4, Version: 10.0.0.1, v2.3.4.5, build 6.1.7601.1, rev=1.0.0.1, Firefox/115.0.2.1',
      'OID 1.3.6.1.4.1.311 and dotted 1.2.3.4.5, not 256.1.1.1 nor 01.02.03.04',
      'C++ std::map and std::vector; time 12:34:56; ratio 1:2:3',
      'a GUID {6B29FC40-CA47-1067-B31D-00DD010662DA} and a 31-hex 0123456789abcdef0123456789abcde',
      'hosts localhost, printer.local, db.internal, example.test, thing.invalid; a suffix alone: co.uk',
    ].join('\n');
    expect(await iocsOf(text)).toEqual({});
  });

  it('still finds a dotted quad after ordinary words, at line starts and in URLs', async () => {
    const iocs = await iocsOf('connect to 8.8.8.8\n9.9.9.9 is a resolver\nserver 1.1.1.1 (reversed: 1.1.1.1)\nhttp://4.4.4.4/v1.2.3.4/');
    expect(iocs['ipv4']).toEqual(['8.8.8.8', '9.9.9.9', '1.1.1.1', '4.4.4.4']);
  });

  it('treats real TLDs that look like file extensions as domains, and says so in the README', async () => {
    // .sh, .py and .zip are delegated TLDs: the rule is the public suffix list, not guesswork.
    expect((await iocsOf('run install.sh or setup.py from archive.zip'))['domain']).toEqual(['install.sh', 'setup.py', 'archive.zip']);
  });

  it('applies upstream-style whitelists from files and options, keeping emptied types as []', async () => {
    const dir = tempDir('rxstoq-iocextract-');
    const file = join(dir, 'wl.txt');
    writeFileSync(file, '# comment\n\nipv4:203.0.113.0/24\ndomain:.example.com\nmd5:D41D8CD98F00B204E9800998ECF8427E\n');
    const text = `203.0.113.9 198.51.100.1 a.example.com example.com notexample.com ${MD5} http://www.example.com/x http://203.0.113.5/ ops@corp.example.org`;
    await withOptions({ whitelist_file: [file], whitelist: ['email:OPS@corp.example.org', 'url:.example.org'] }, async (s) => {
      expect(await iocsOf(text, s)).toEqual({
        md5: [],
        ipv4: ['198.51.100.1'],
        email: [],
        domain: ['notexample.com', 'corp.example.org'],
        url: [],
      });
    });
  });

  it('whitelists private and loopback addresses by default (bundled whitelist.txt)', async () => {
    await withOptions({}, async (s) => {
      expect(await iocsOf('10.1.2.3 172.16.5.4 192.168.1.1 127.0.0.1 8.8.4.4 ::1 fe80::1 2001:db8::5', s)).toEqual({
        ipv4: ['8.8.4.4'],
        ipv6: ['2001:db8::5'],
      });
    });
  });

  it('refuses a bad whitelist at load, naming the file and line or the entry', async () => {
    const dir = tempDir('rxstoq-iocextract-');
    const file = join(dir, 'bad.txt');
    writeFileSync(file, 'ipv4:10.0.0.0/8\nipv4:10.0.0.0/33\n');
    for (const [options, message] of [
      [{ whitelist_file: [file] }, /bad\.txt:2: "10\.0\.0\.0\/33" is not an ipv4 address or network/],
      [{ whitelist_file: [], whitelist: ['hostname:x'] }, /option whitelist\[0\]: "hostname:x" is not <type>:<pattern>/],
      [{ whitelist_file: [join(dir, 'missing.txt')] }, /cannot read whitelist_file .*missing\.txt/],
    ] as const) {
      const s = new Stoq({ alwaysDispatch: ['iocextract'], logLevel: 'silent', pluginOpts: { iocextract: options } });
      await expect(s.ready()).rejects.toThrow(message);
      await s.close();
    }
  });

  it('extracts only the asked types, and caps each type', async () => {
    await withOptions({ whitelist_file: [], types: ['ipv4'], max_per_type: 3 }, async (s) => {
      const response = await s.scan(Buffer.from(Array.from({ length: 10 }, (_, i) => `203.0.113.${i} host${i}.example.com`).join('\n')));
      expect(response.results[0]!.workers['iocextract']).toEqual({ ipv4: ['203.0.113.0', '203.0.113.1', '203.0.113.2'] });
      expect(response.errors.map((e) => [e.plugin_name, e.error])).toEqual([
        ['iocextract', 'more than max_per_type (3) ipv4 indicators; only the first 3 are reported'],
      ]);
    });
  });

  it('searches only the first max_size bytes, saying so', async () => {
    await withOptions({ whitelist_file: [], max_size: 20 }, async (s) => {
      const response = await s.scan(Buffer.from('8.8.8.8 ........... 9.9.9.9'));
      expect(response.results[0]!.workers['iocextract']).toEqual({ ipv4: ['8.8.8.8'] });
      expect(response.errors[0]!.error).toMatch(/larger than max_size \(20\); only its first 20 bytes were searched/);
    });
  });

  it('stays linear on adversarial text: long dotted runs, colon runs, hex runs, binary', async () => {
    const hostile = [
      'a.'.repeat(200_000),
      '1.'.repeat(200_000),
      ':'.repeat(200_000),
      'f:'.repeat(100_000),
      'a'.repeat(300_000),
      'http://'.repeat(50_000),
      '[.]'.repeat(100_000),
    ].join(' ');
    expect(await iocsOf(hostile)).toEqual({});
    expect((await iocsOf(`http://example.com/${')'.repeat(200_000)}`))['url']).toEqual(['http://example.com/']);
    const binary = Buffer.alloc(1_000_000);
    for (let i = 0; i < binary.length; i++) binary[i] = (i * 2654435761) >>> 24;
    expect(typeof (await iocsOf(binary))).toBe('object');
  });
});
