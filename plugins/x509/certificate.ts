import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { children, contentOf, DerError, decodeOid, elementOf, expectTlv, readTlv, type Tlv } from './der.js';
import { type NameAttribute, parseName } from './names.js';
import { CURVE_BITS, OID, SIGNATURE_ALGORITHMS } from './oids.js';

export interface PublicKeyInfo {
  /** Node's key type: rsa, rsa-pss, ec, dsa, ed25519, ed448...; the algorithm OID if Node cannot load the key. */
  type: string;
  /** Modulus bits (RSA, DSA) or field bits of the curve (EC); null for other keys. */
  bits: number | null;
  /** OpenSSL's curve name (prime256v1, secp384r1...) for EC keys. */
  curve?: string;
}

export interface CertificateInfo {
  version: number;
  /** Upper-case hex of the serial number, as `openssl x509 -serial` prints it. */
  serial: string;
  subject: string;
  subject_attributes: NameAttribute[];
  issuer: string;
  issuer_attributes: NameAttribute[];
  not_before: string;
  not_after: string;
  /** As OpenSSL prints them: `DNS:…`, `IP Address:…`, `email:…`, `URI:…`, `DirName:…`, `Registered ID:…`, `othername:<unsupported>`. */
  subject_alt_names: string[];
  public_key: PublicKeyInfo;
  signature_algorithm: string;
  /** basicConstraints cA. */
  is_ca: boolean;
  /** Subject and issuer are the same name and the certificate's own key verifies its signature. */
  self_signed: boolean;
  sha1: string;
  sha256: string;
  /** Bytes of the certificate's DER. */
  size: number;
}

export interface CertificateLimits {
  /** Subject alternative names kept per certificate. */
  maxAltNames: number;
}

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const OBJECT_IDENTIFIER = 0x06;
const BOOLEAN = 0x01;
const OCTET_STRING = 0x04;

/** Everything the plugin reports about one DER certificate; a DerError names what is malformed. */
export function describeCertificate(der: Uint8Array, limits: CertificateLimits): CertificateInfo {
  const certificate = expectTlv(der, 0, der.length, SEQUENCE, 'Certificate');
  const [tbs, signatureAlgorithm] = children(der, certificate);
  if (!tbs || tbs.tag !== SEQUENCE || !signatureAlgorithm) throw new DerError('Certificate: no TBSCertificate and signature algorithm');
  const fields = children(der, tbs);
  let i = 0;
  let version = 1;
  if (fields[0]?.tag === 0xa0) {
    const v = expectTlv(der, fields[0].contentStart, fields[0].end, INTEGER, 'version');
    version = Number(integerValue(contentOf(der, v))) + 1;
    i = 1;
  }
  const [serial, , issuer, validity, subject, spki] = fields.slice(i, i + 6);
  if (!serial || !issuer || !validity || !subject || !spki) throw new DerError(`TBSCertificate has ${fields.length} fields, too few`);
  if (serial.tag !== INTEGER) throw new DerError('TBSCertificate: serialNumber is not an INTEGER');
  const [notBefore, notAfter] = children(der, validity);
  if (!notBefore || !notAfter) throw new DerError('Validity: notBefore and notAfter missing');
  const extensions = extensionsOf(
    der,
    fields.slice(i + 6).find((f) => f.tag === 0xa3),
  );
  const subjectName = parseName(der, subject);
  const issuerName = parseName(der, issuer);
  const spkiDer = elementOf(der, spki);
  const sameName = Buffer.compare(elementOf(der, subject), elementOf(der, issuer)) === 0;
  const san = extensions.get(OID.subjectAltName);
  const basic = extensions.get(OID.basicConstraints);
  return {
    version,
    serial: serialHex(contentOf(der, serial)),
    subject: subjectName.rfc4514,
    subject_attributes: subjectName.attributes,
    issuer: issuerName.rfc4514,
    issuer_attributes: issuerName.attributes,
    not_before: isoTime(der, notBefore),
    not_after: isoTime(der, notAfter),
    subject_alt_names: san ? altNames(der, san, limits.maxAltNames) : [],
    public_key: publicKeyInfo(der, spki, spkiDer),
    signature_algorithm: algorithmName(der, signatureAlgorithm),
    is_ca: basic ? isCa(der, basic) : false,
    self_signed: sameName && verifiesItself(der),
    sha1: createHash('sha1').update(der).digest('hex'),
    sha256: createHash('sha256').update(der).digest('hex'),
    size: der.length,
  };
}

/** extnID → the extnValue's inner element, for the extensions this plugin reads; others are skipped unread. */
function extensionsOf(der: Uint8Array, wrapper: Tlv | undefined): Map<string, Tlv> {
  const found = new Map<string, Tlv>();
  if (!wrapper) return found;
  const list = expectTlv(der, wrapper.contentStart, wrapper.end, SEQUENCE, 'Extensions');
  for (const extension of children(der, list)) {
    const parts = children(der, extension);
    const id = parts[0];
    if (!id || id.tag !== OBJECT_IDENTIFIER) throw new DerError(`Extension at offset ${extension.start} has no extnID`);
    const oid = decodeOid(contentOf(der, id));
    if (oid !== OID.subjectAltName && oid !== OID.basicConstraints) continue;
    const value = parts.find((p, k) => k > 0 && p.tag === OCTET_STRING);
    if (!value) throw new DerError(`Extension ${oid} has no extnValue`);
    found.set(oid, readTlv(der, value.contentStart, value.end));
  }
  return found;
}

function altNames(der: Uint8Array, names: Tlv, max: number): string[] {
  if (names.tag !== SEQUENCE) throw new DerError('subjectAltName is not a SEQUENCE');
  const out: string[] = [];
  for (const name of children(der, names)) {
    if (out.length >= max) break;
    const text = () => Buffer.from(contentOf(der, name)).toString('latin1');
    switch (name.tag) {
      case 0x81:
        out.push(`email:${text()}`);
        break;
      case 0x82:
        out.push(`DNS:${text()}`);
        break;
      case 0x86:
        out.push(`URI:${text()}`);
        break;
      case 0x87:
        out.push(`IP Address:${ipAddress(contentOf(der, name))}`);
        break;
      case 0x88:
        out.push(`Registered ID:${decodeOid(contentOf(der, name))}`);
        break;
      case 0xa4:
        out.push(`DirName:${parseName(der, readTlv(der, name.contentStart, name.end)).rfc4514}`);
        break;
      default:
        out.push('othername:<unsupported>');
    }
  }
  return out;
}

/** OpenSSL's form: dotted IPv4; IPv6 as eight upper-case hex groups, uncompressed. */
function ipAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length === 16) {
    const groups: string[] = [];
    for (let k = 0; k < 16; k += 2) groups.push(((bytes[k]! << 8) | bytes[k + 1]!).toString(16).toUpperCase());
    return groups.join(':');
  }
  return '<invalid>';
}

function isCa(der: Uint8Array, constraints: Tlv): boolean {
  const first = children(der, constraints)[0];
  return first?.tag === BOOLEAN && der[first.contentStart] !== 0;
}

function algorithmName(der: Uint8Array, identifier: Tlv): string {
  const oid = children(der, identifier)[0];
  if (!oid || oid.tag !== OBJECT_IDENTIFIER) throw new DerError('AlgorithmIdentifier has no OID');
  const dotted = decodeOid(contentOf(der, oid));
  return SIGNATURE_ALGORITHMS[dotted] ?? dotted;
}

function publicKeyInfo(der: Uint8Array, spki: Tlv, spkiDer: Uint8Array): PublicKeyInfo {
  try {
    const key = createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' });
    const type = key.asymmetricKeyType ?? 'unknown';
    const details = key.asymmetricKeyDetails ?? {};
    if (details.namedCurve) return { type, bits: CURVE_BITS[details.namedCurve] ?? null, curve: details.namedCurve };
    return { type, bits: details.modulusLength ?? null };
  } catch {
    // A key Node cannot load (an unknown algorithm or curve): name its algorithm, at least.
    const algorithm = children(der, spki)[0];
    const oid = algorithm ? children(der, algorithm)[0] : undefined;
    return { type: oid?.tag === OBJECT_IDENTIFIER ? decodeOid(contentOf(der, oid)) : 'unknown', bits: null };
  }
}

function verifiesItself(der: Uint8Array): boolean {
  try {
    const cert = new X509Certificate(der);
    return cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}

function integerValue(content: Uint8Array): bigint {
  if (content.length === 0) throw new DerError('empty INTEGER');
  let value = 0n;
  for (const b of content) value = (value << 8n) | BigInt(b);
  return content[0]! & 0x80 ? value - (1n << BigInt(content.length * 8)) : value;
}

function serialHex(content: Uint8Array): string {
  const value = integerValue(content);
  const magnitude = value < 0n ? -value : value;
  let hex = magnitude.toString(16).toUpperCase();
  if (hex.length % 2) hex = `0${hex}`;
  return value < 0n ? `-${hex}` : hex;
}

/** UTCTime or GeneralizedTime as ISO 8601 UTC (`2026-12-01T03:50:00Z`). */
function isoTime(der: Uint8Array, tlv: Tlv): string {
  const text = Buffer.from(contentOf(der, tlv)).toString('latin1');
  const m =
    tlv.tag === 0x17
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : tlv.tag === 0x18
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(text)
        : null;
  if (!m) throw new DerError(`Validity: ${JSON.stringify(text)} is not a UTCTime or GeneralizedTime in UTC`);
  let year = Number(m[1]);
  if (tlv.tag === 0x17) year += year >= 50 ? 1900 : 2000;
  return `${String(year).padStart(4, '0')}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`;
}
