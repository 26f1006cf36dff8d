import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stoq } from 'rxstoq';

interface Certificate {
  version: number;
  serial: string;
  subject: string;
  subject_attributes: { oid: string; name: string; value: string }[];
  issuer: string;
  issuer_attributes: { oid: string; name: string; value: string }[];
  not_before: string;
  not_after: string;
  subject_alt_names: string[];
  public_key: { type: string; bits: number | null; curve?: string };
  signature_algorithm: string;
  is_ca: boolean;
  self_signed: boolean;
  sha1: string;
  sha256: string;
  size: number;
}
interface Result {
  format: 'pem' | 'der';
  containers: string[];
  certificates: Certificate[];
}

const openssl = (dir: string, args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/** What `openssl x509` prints about a PEM certificate, in the plugin's terms. */
function reference(dir: string, file: string) {
  const fields = (args: string[]) =>
    Object.fromEntries(
      openssl(dir, ['x509', '-in', file, '-noout', '-nameopt', 'RFC2253', '-dateopt', 'iso_8601', ...args])
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
  const main = fields(['-serial', '-subject', '-issuer', '-dates', '-fingerprint', '-sha1']);
  const sha1 = main['sha1 Fingerprint']!;
  const text = openssl(dir, ['x509', '-in', file, '-noout', '-fingerprint', '-sha256', '-text']);
  const sha256 = /^sha256 Fingerprint=(.*)$/m.exec(text)![1]!;
  const san = /X509v3 Subject Alternative Name: *(?:critical)?\n\s*(.*)\n/.exec(text)?.[1];
  const iso = (s: string) => s.replace(' ', 'T');
  const bits = /Public-Key: \((\d+) bit\)/.exec(text)?.[1];
  // Self-signed as OpenSSL decides it: the certificate verifies as its own trust anchor.
  const selfSigned = spawnSync('openssl', ['verify', '-no-CApath', '-no-CAstore', '-CAfile', file, file], { cwd: dir }).status === 0;
  return {
    serial: main['serial'],
    subject: main['subject'],
    issuer: main['issuer'],
    not_before: iso(main['notBefore']!),
    not_after: iso(main['notAfter']!),
    sha1: sha1.replaceAll(':', '').toLowerCase(),
    sha256: sha256.replaceAll(':', '').toLowerCase(),
    subject_alt_names: san ? san.split(', ') : [],
    bits: bits ? Number(bits) : null,
    curve: /ASN1 OID: (\S+)/.exec(text)?.[1],
    signature_algorithm: /Signature Algorithm: (\S+)/.exec(text)?.[1],
    is_ca: /CA:TRUE/.test(text),
    self_signed: selfSigned,
  };
}

describe('x509 plugin', () => {
  let dir: string;
  let stoq: Stoq;
  const pem: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rxstoq-x509-test-'));
    const run = (args: string[]) => openssl(dir, args);
    // A CA (RSA 2048) whose organisation needs RFC 4514 escaping.
    run([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '365',
      '-subj',
      '/C=US/O=rxstoq Test, Inc./CN=rxstoq Test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
    ]);
    // An EC P-256 leaf it signed, with every common kind of subject alternative name and a serial with its high bit set.
    run([
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'leaf.key',
      '-out',
      'leaf.csr',
      '-subj',
      '/CN=leaf.example.test/emailAddress=ops@example.test',
    ]);
    writeFileSync(
      join(dir, 'leaf.cnf'),
      'subjectAltName=DNS:leaf.example.test,DNS:*.example.test,IP:10.1.2.3,IP:2001:db8::1,email:ops@example.test,URI:https://example.test/x\n',
    );
    run([
      'x509',
      '-req',
      '-in',
      'leaf.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-set_serial',
      '0x80ff01',
      '-days',
      '30',
      '-out',
      'leaf.pem',
      '-extfile',
      'leaf.cnf',
    ]);
    // Self-signed P-384 valid past 2049 (notAfter becomes a GeneralizedTime), and Ed25519.
    run([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-384',
      '-nodes',
      '-keyout',
      'p384.key',
      '-out',
      'p384.pem',
      '-days',
      '40000',
      '-subj',
      '/DC=test/DC=example/OU=a+OU=b/CN=p384 #1',
    ]);
    run(['req', '-x509', '-newkey', 'ed25519', '-nodes', '-keyout', 'ed.key', '-out', 'ed.pem', '-days', '10', '-subj', '/CN=ed25519']);
    // A leaf with a 1 MB private extension.
    writeFileSync(join(dir, 'big.cnf'), `1.2.3.4.5.6=DER:04830f4240${'41'.repeat(1_000_000)}\n`);
    run(['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '7', '-days', '30', '-out', 'big.pem', '-extfile', 'big.cnf']);
    for (const name of ['ca', 'leaf', 'p384', 'ed', 'big']) pem[name] = readFileSync(join(dir, `${name}.pem`), 'latin1');
    writeFileSync(join(dir, 'chain.pem'), pem['leaf']! + pem['ca']!);
    run(['crl2pkcs7', '-nocrl', '-certfile', 'chain.pem', '-out', 'chain.p7b']);
    run(['crl2pkcs7', '-nocrl', '-certfile', 'chain.pem', '-outform', 'DER', '-out', 'chain.p7b.der']);
    run(['x509', '-in', 'leaf.pem', '-outform', 'DER', '-out', 'leaf.der']);
    run(['x509', '-in', 'big.pem', '-outform', 'DER', '-out', 'big.der']);
    // An Authenticode signature: a tiny PE signed by the leaf (chain included), its PKCS#7 blob taken back out.
    writeFileSync(join(dir, 'tiny.c'), 'int main(void) { return 0; }\n');
    execFileSync('x86_64-w64-mingw32-gcc', ['-s', '-o', 'tiny.exe', 'tiny.c'], { cwd: dir });
    execFileSync('osslsigncode', ['sign', '-certs', 'chain.pem', '-key', 'leaf.key', '-in', 'tiny.exe', '-out', 'signed.exe'], { cwd: dir, stdio: 'ignore' });
    execFileSync('osslsigncode', ['extract-signature', '-in', 'signed.exe', '-out', 'authenticode.p7'], { cwd: dir, stdio: 'ignore' });
    stoq = new Stoq({ alwaysDispatch: ['x509'], logLevel: 'silent' });
    await stoq.ready();
  });

  afterAll(async () => {
    await stoq?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const scan = async (content: Uint8Array | string, s = stoq) => {
    const response = await s.scan(typeof content === 'string' ? Buffer.from(content, 'latin1') : content);
    return { result: response.results[0]!.workers['x509'] as Result | undefined, errors: response.errors };
  };
  const certificatesOf = async (content: Uint8Array | string) => {
    const { result, errors } = await scan(content);
    expect(errors).toEqual([]);
    return result!;
  };

  it.each(['ca', 'leaf', 'p384', 'ed'])('reports what openssl x509 prints for the %s certificate', async (name) => {
    const { certificates, format, containers } = await certificatesOf(pem[name]!);
    expect(format).toBe('pem');
    expect(containers).toEqual(['certificate']);
    expect(certificates).toHaveLength(1);
    const cert = certificates[0]!;
    const ref = reference(dir, `${name}.pem`);
    expect({
      serial: cert.serial,
      subject: cert.subject,
      issuer: cert.issuer,
      not_before: cert.not_before,
      not_after: cert.not_after,
      sha1: cert.sha1,
      sha256: cert.sha256,
      subject_alt_names: cert.subject_alt_names,
      bits: cert.public_key.bits,
      curve: cert.public_key.curve,
      signature_algorithm: cert.signature_algorithm,
      is_ca: cert.is_ca,
      self_signed: cert.self_signed,
    }).toEqual(ref);
    expect(cert.version).toBe(3);
  });

  it('gives names as attribute lists in encoded order, and key types', async () => {
    const [ca] = (await certificatesOf(pem['ca']!)).certificates;
    expect(ca!.subject_attributes).toEqual([
      { oid: '2.5.4.6', name: 'C', value: 'US' },
      { oid: '2.5.4.10', name: 'O', value: 'rxstoq Test, Inc.' },
      { oid: '2.5.4.3', name: 'CN', value: 'rxstoq Test CA' },
    ]);
    expect(ca!.public_key).toEqual({ type: 'rsa', bits: 2048 });
    const [leaf] = (await certificatesOf(pem['leaf']!)).certificates;
    expect(leaf!.issuer_attributes).toEqual(ca!.subject_attributes);
    expect(leaf!.public_key).toEqual({ type: 'ec', bits: 256, curve: 'prime256v1' });
    expect(leaf!.serial).toBe('80FF01');
    const [p384] = (await certificatesOf(pem['p384']!)).certificates;
    expect(p384!.subject).toBe('CN=p384 #1,OU=b+OU=a,DC=example,DC=test');
    expect(p384!.not_after.slice(0, 2)).toBe('21');
    const [ed] = (await certificatesOf(pem['ed']!)).certificates;
    expect(ed!.public_key).toEqual({ type: 'ed25519', bits: null });
  });

  it('reads DER, a chain of PEM blocks, and PKCS#7 bundles in PEM and DER, identically', async () => {
    const leaf = (await certificatesOf(pem['leaf']!)).certificates[0]!;
    const ca = (await certificatesOf(pem['ca']!)).certificates[0]!;
    const der = await certificatesOf(readFileSync(join(dir, 'leaf.der')));
    expect(der).toEqual({ format: 'der', containers: ['certificate'], certificates: [leaf] });
    expect(await certificatesOf(readFileSync(join(dir, 'chain.pem')))).toEqual({
      format: 'pem',
      containers: ['certificate', 'certificate'],
      certificates: [leaf, ca],
    });
    expect(await certificatesOf(readFileSync(join(dir, 'chain.p7b')))).toEqual({ format: 'pem', containers: ['pkcs7'], certificates: [leaf, ca] });
    expect(await certificatesOf(readFileSync(join(dir, 'chain.p7b.der')))).toEqual({ format: 'der', containers: ['pkcs7'], certificates: [leaf, ca] });
    // Windows line ends, and text around the blocks.
    expect((await certificatesOf(`Issued to leaf:\r\n${pem['leaf']!.replaceAll('\n', '\r\n')}\r\nend of file`)).certificates).toEqual([leaf]);
    // Authenticode pads the PKCS#7 blob to 8 bytes; trailing bytes are ignored.
    const padded = Buffer.concat([readFileSync(join(dir, 'chain.p7b.der')), Buffer.alloc(5)]);
    expect((await certificatesOf(padded)).certificates).toEqual([leaf, ca]);
  });

  it('reads the certificates of an Authenticode signature (osslsigncode extract-signature)', async () => {
    const leaf = (await certificatesOf(pem['leaf']!)).certificates[0]!;
    const ca = (await certificatesOf(pem['ca']!)).certificates[0]!;
    const blob = readFileSync(join(dir, 'authenticode.p7'));
    const { format, containers, certificates } = await certificatesOf(blob);
    expect({ format, containers }).toEqual({ format: 'der', containers: ['pkcs7'] });
    expect(certificates.map((c) => c.sha256).sort()).toEqual([leaf.sha256, ca.sha256].sort());
  });

  it('reads a certificate with a 1 MB extension without copying it into the result', async () => {
    const { certificates } = await certificatesOf(pem['big']!);
    const ref = reference(dir, 'big.pem');
    expect(certificates[0]!.serial).toBe(ref.serial);
    expect(certificates[0]!.sha256).toBe(ref.sha256);
    expect(certificates[0]!.size).toBeGreaterThan(1_000_000);
    expect(JSON.stringify(certificates).length).toBeLessThan(5000);
  });

  it('caps the certificates reported, saying so', async () => {
    const many = Array.from({ length: 5 }, () => pem['ca']!).join('');
    const s = new Stoq({ alwaysDispatch: ['x509'], logLevel: 'silent', pluginOpts: { x509: { max_certificates: 3 } } });
    try {
      const { result, errors } = await scan(many, s);
      expect(result!.certificates).toHaveLength(3);
      expect(errors.map((e) => [e.plugin_name, e.error])).toEqual([['x509', expect.stringMatching(/more than max_certificates \(3\)/)]]);
    } finally {
      await s.close();
    }
  });

  it.each([
    [
      'truncated DER',
      () => readFileSync(join(dir, 'leaf.der')).subarray(0, 300),
      /truncated DER: element at offset 0 \(tag 0x30\) claims \d+ bytes, only 296 remain/,
    ],
    [
      'garbage PEM',
      () => '-----BEGIN CERTIFICATE-----\nthis is *not* base64!\n-----END CERTIFICATE-----\n',
      /PEM block 1 \(CERTIFICATE\) at offset 0: the body is not base64/,
    ],
    [
      'base64 of garbage',
      () => `-----BEGIN CERTIFICATE-----\n${Buffer.from('hello world').toString('base64')}\n-----END CERTIFICATE-----\n`,
      /PEM block 1 .*not DER|length|tag/,
    ],
    ['a PEM private key only', () => readFileSync(join(dir, 'leaf.key'), 'latin1'), /no complete CERTIFICATE or PKCS7 block/],
    ['random bytes', () => Buffer.from([0x13, 0x37, 0, 1, 2, 3]), /the payload is not DER: expected tag 0x30 at offset 0, found 0x13/],
    ['an empty payload', () => Buffer.alloc(0), /truncated DER/],
  ])('turns %s into an error naming what is wrong', async (_what, make, message) => {
    const { result, errors } = await scan(make());
    expect(result).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.plugin_name).toBe('x509');
    expect(errors[0]!.error).toMatch(/no certificate could be read/);
    expect(errors[0]!.error).toMatch(message);
  });

  it('stays linear on text full of BEGIN lines that never end', async () => {
    const hostile = `${'-----BEGIN CERTIFICATE-----\n'.repeat(100_000)}${'-----BEGIN PKCS7-----\nAAAA\n'.repeat(50_000)}`;
    const { errors } = await scan(hostile);
    expect(errors[0]!.error).toMatch(/no complete CERTIFICATE or PKCS7 block/);
    // A complete block before them is still read, and the unfinished ones are no error.
    expect((await certificatesOf(pem['ca']! + hostile)).certificates).toHaveLength(1);
  });

  it('keeps the readable certificates of a chain with a broken block', async () => {
    const broken = `${pem['ca']!}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`;
    const { result, errors } = await scan(broken);
    expect(result!.certificates.map((c) => c.subject)).toEqual(['CN=rxstoq Test CA,O=rxstoq Test\\, Inc.,C=US']);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.error).toMatch(/PEM block 2 \(CERTIFICATE\)/);
  });

  it('refuses a payload over max_size', async () => {
    const s = new Stoq({ alwaysDispatch: ['x509'], logLevel: 'silent', pluginOpts: { x509: { max_size: 1000 } } });
    try {
      const { errors } = await scan(pem['ca']!, s);
      expect(errors[0]!.error).toMatch(/payload of \d+ bytes is larger than max_size \(1000\)/);
    } finally {
      await s.close();
    }
  });

  it('is reached through the default yara dispatcher for PEM, DER and PKCS#7, and not for look-alikes', async () => {
    const s = new Stoq({ dispatchers: ['yara'], logLevel: 'silent' });
    try {
      const routed = async (content: Uint8Array) => Object.keys((await s.scan(content)).results[0]!.workers).includes('x509');
      expect(await routed(Buffer.from(pem['leaf']!))).toBe(true);
      expect(await routed(readFileSync(join(dir, 'leaf.der')))).toBe(true);
      expect(await routed(readFileSync(join(dir, 'chain.p7b')))).toBe(true);
      expect(await routed(readFileSync(join(dir, 'chain.p7b.der')))).toBe(true);
      expect(await routed(readFileSync(join(dir, 'authenticode.p7')))).toBe(true);
      // The 1 MB certificate uses 3-byte lengths (30 83).
      expect(await routed(readFileSync(join(dir, 'big.der')))).toBe(true);
      // A signed PE: peinfo extracts its Authenticode blob, which the dispatcher sends here.
      const signed = await s.scan(readFileSync(join(dir, 'signed.exe')));
      const subjects = signed.results.flatMap((r) => (r.workers['x509'] as Result | undefined)?.certificates.map((c) => c.subject) ?? []);
      expect(subjects.sort()).toEqual(['CN=rxstoq Test CA,O=rxstoq Test\\, Inc.,C=US', 'emailAddress=ops@example.test,CN=leaf.example.test']);
      // Two nested SEQUENCEs without the version tag, and a private key, are not certificates.
      const lookalike = Buffer.from(readFileSync(join(dir, 'leaf.der')));
      lookalike[8] = 0x02;
      expect(await routed(lookalike)).toBe(false);
      expect(await routed(readFileSync(join(dir, 'leaf.key')))).toBe(false);
    } finally {
      await s.close();
    }
  });
});
