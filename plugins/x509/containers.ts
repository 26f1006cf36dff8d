import { children, contentOf, DerError, decodeOid, elementOf, expectTlv, readTlv } from './der.js';
import { OID } from './oids.js';

/** One certificate's DER found in the payload, and where it came from (for error messages). */
export interface FoundCertificate {
  der: Uint8Array;
  source: string;
}

export interface Found {
  format: 'pem' | 'der';
  /** `certificate` or `pkcs7` for DER; for PEM, the block labels in order. */
  containers: string[];
  certificates: FoundCertificate[];
  /** Blocks or bundles that could not be read; the others are still returned. */
  errors: string[];
}

const PEM_BEGIN = /-----BEGIN ([A-Z0-9 ]{1,40})-----\r?\n/g;
const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE']);
const PKCS7_LABELS = new Set(['PKCS7', 'CMS']);
const SEQUENCE = 0x30;
const OBJECT_IDENTIFIER = 0x06;

/**
 * The certificates in a payload: PEM text (any number of CERTIFICATE and PKCS7 blocks, other
 * blocks ignored) or one DER structure (a Certificate, or a PKCS#7 ContentInfo with SignedData,
 * as in an Authenticode signature; bytes after it, such as padding, are ignored).
 */
export function findCertificates(bytes: Uint8Array, maxCertificates: number): Found {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  if (text.includes('-----BEGIN ')) return fromPem(text, maxCertificates);
  return capped({ format: 'der', ...fromDer(bytes, 'the payload'), errors: [] }, maxCertificates);
}

function fromPem(text: string, maxCertificates: number): Found {
  const found: Found = { format: 'pem', containers: [], certificates: [], errors: [] };
  let blocks = 0;
  for (const { label, index, body } of pemBlocks(text)) {
    if (!CERTIFICATE_LABELS.has(label) && !PKCS7_LABELS.has(label)) continue;
    blocks += 1;
    const where = `PEM block ${blocks} (${label}) at offset ${index}`;
    try {
      const der = base64Body(body);
      if (CERTIFICATE_LABELS.has(label)) {
        // A TRUSTED CERTIFICATE carries OpenSSL's trust settings after the certificate.
        found.containers.push('certificate');
        found.certificates.push({ der: der.subarray(0, readTlv(der, 0, der.length).end), source: where });
      } else {
        found.containers.push('pkcs7');
        found.certificates.push(...pkcs7Certificates(der, where));
      }
    } catch (err) {
      found.errors.push(`${where}: ${(err as Error).message}`);
    }
    if (found.certificates.length > maxCertificates) break;
  }
  if (blocks === 0) throw new DerError('the payload has PEM markers but no complete CERTIFICATE or PKCS7 block');
  return capped(found, maxCertificates);
}

/**
 * Complete PEM blocks, in order. Linear in the text even when it is full of BEGIN lines with no
 * END: once a label's END marker is not found after some point, that label is not searched for again.
 */
function* pemBlocks(text: string): Generator<{ label: string; index: number; body: string }> {
  const unterminated = new Set<string>();
  // Where the last block ended: a BEGIN line inside a block's body starts nothing.
  let resumeAt = 0;
  for (const m of text.matchAll(PEM_BEGIN)) {
    const label = m[1]!;
    if (m.index < resumeAt || unterminated.has(label)) continue;
    const bodyStart = m.index + m[0].length;
    const end = text.indexOf(`-----END ${label}-----`, bodyStart);
    if (end < 0) {
      unterminated.add(label);
      continue;
    }
    resumeAt = end;
    yield { label, index: m.index, body: text.slice(bodyStart, end) };
  }
}

function fromDer(der: Uint8Array, where: string): Omit<Found, 'format' | 'errors'> {
  const outer = expectTlv(der, 0, der.length, SEQUENCE, `${where} is not DER`);
  const first = children(der, outer)[0];
  if (first?.tag === OBJECT_IDENTIFIER) {
    return { containers: ['pkcs7'], certificates: pkcs7Certificates(der.subarray(0, outer.end), where) };
  }
  if (first?.tag !== SEQUENCE) throw new DerError(`${where} is neither a certificate nor a PKCS#7 ContentInfo`);
  return { containers: ['certificate'], certificates: [{ der: elementOf(der, outer), source: where }] };
}

/** The certificates of a PKCS#7 SignedData ContentInfo. */
function pkcs7Certificates(der: Uint8Array, where: string): FoundCertificate[] {
  const contentInfo = expectTlv(der, 0, der.length, SEQUENCE, 'PKCS#7 ContentInfo');
  const [type, explicit] = children(der, contentInfo);
  if (!type || type.tag !== OBJECT_IDENTIFIER) throw new DerError('PKCS#7 ContentInfo has no content type');
  const contentType = decodeOid(contentOf(der, type));
  if (contentType !== OID.signedData) throw new DerError(`PKCS#7 content type ${contentType} is not signedData (${OID.signedData})`);
  if (explicit?.tag !== 0xa0) throw new DerError('PKCS#7 ContentInfo has no content');
  const signedData = expectTlv(der, explicit.contentStart, explicit.end, SEQUENCE, 'PKCS#7 SignedData');
  const set = children(der, signedData).find((c) => c.tag === 0xa0);
  if (!set) return [];
  // Other CertificateChoices (attribute certificates...) have context tags; only Certificates are SEQUENCEs.
  return children(der, set)
    .filter((c) => c.tag === SEQUENCE)
    .map((c, k) => ({ der: elementOf(der, c), source: `${where}, PKCS#7 certificate ${k + 1}` }));
}

function base64Body(body: string): Uint8Array {
  // RFC 1421 headers (Proc-Type: ...) may precede the base64 lines.
  const lines = body.split(/\r?\n/).filter((line) => !line.includes(':'));
  const b64 = lines.join('').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new DerError('the body is not base64');
  const der = Buffer.from(b64, 'base64');
  if (der.length === 0) throw new DerError('the body is empty');
  return der;
}

function capped(found: Found, max: number): Found {
  if (found.certificates.length <= max) return found;
  found.errors.push(`more than max_certificates (${max}) certificates; only the first ${max} are reported`);
  found.certificates = found.certificates.slice(0, max);
  return found;
}
