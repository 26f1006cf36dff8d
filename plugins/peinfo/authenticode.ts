import { derChildren, derOid, readDer, type Der } from './der.js';

export interface SignerCertificate {
  subject: string;
  issuer: string;
  /** Upper-case hex, as `openssl x509 -serial`. */
  serial: string;
  not_before: string;
  not_after: string;
}

const SIGNED_DATA = '1.2.840.113549.1.7.2';
const ATTRIBUTE_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.9': 'STREET',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '2.5.4.5': 'serialNumber',
  '2.5.4.4': 'SN',
  '2.5.4.42': 'GN',
  '2.5.4.12': 'title',
};

/**
 * The signer of an Authenticode PKCS#7 SignedData: the certificate named by the first SignerInfo's
 * issuer and serial number. Throws DerError on a blob that is not a SignedData.
 */
export function readSigner(pkcs7: Buffer): SignerCertificate | undefined {
  const contentInfo = derChildren(readDer(pkcs7));
  if (contentInfo.length < 2 || derOid(contentInfo[0]!) !== SIGNED_DATA) throw new Error('the certificate table entry is not a PKCS#7 SignedData');
  const signedData = derChildren(derChildren(contentInfo[1]!)[0]!);
  const certs = signedData.find((d) => d.tag === 0xa0);
  const signerInfos = signedData.find((d, i) => i > 2 && d.tag === 0x31);
  const firstSigner = signerInfos ? derChildren(signerInfos)[0] : undefined;
  const issuerAndSerial = firstSigner ? derChildren(firstSigner)[1] : undefined;
  if (!certs || !issuerAndSerial) return undefined;
  const [wantIssuer, wantSerial] = derChildren(issuerAndSerial);
  for (const cert of derChildren(certs)) {
    if (cert.tag !== 0x30) continue;
    const tbs = derChildren(derChildren(cert)[0]!);
    const fields = tbs[0]?.tag === 0xa0 ? tbs.slice(1) : tbs;
    const [serial, , issuer, validity, subject] = fields;
    if (!serial || !issuer || !validity || !subject) continue;
    if (!serial.raw.equals(wantSerial?.raw ?? Buffer.alloc(0)) || !issuer.raw.equals(wantIssuer?.raw ?? Buffer.alloc(0))) continue;
    const [notBefore, notAfter] = derChildren(validity);
    return {
      subject: rfc2253(subject),
      issuer: rfc2253(issuer),
      serial: serialHex(serial.content),
      not_before: notBefore ? derTime(notBefore) : '',
      not_after: notAfter ? derTime(notAfter) : '',
    };
  }
  return undefined;
}

/** A Name as RFC 2253 text (last RDN first), as `openssl x509 -nameopt RFC2253` prints it. */
function rfc2253(name: Der): string {
  return derChildren(name)
    .reverse()
    .map((rdn) =>
      derChildren(rdn)
        .map((atv) => {
          const [type, value] = derChildren(atv);
          if (!type || !value) return '';
          const oid = derOid(type);
          const label = ATTRIBUTE_NAMES[oid];
          if (!label) return `${oid}=#${value.raw.toString('hex')}`;
          const text =
            value.tag === 0x1e ? Buffer.from(value.content).swap16().toString('utf16le') : value.content.toString(value.tag === 0x0c ? 'utf8' : 'latin1');
          return `${label}=${escapeValue(text)}`;
        })
        .join('+'),
    )
    .join(',');
}

function escapeValue(s: string): string {
  return s
    .replace(/[,+"\\<>;]/g, '\\$&')
    .replace(/^[ #]/, '\\$&')
    .replace(/ $/, '\\ ');
}

function serialHex(b: Buffer): string {
  const start = b.length > 1 && b[0] === 0 ? 1 : 0;
  return b.subarray(start).toString('hex').toUpperCase();
}

/** UTCTime / GeneralizedTime as ISO 8601 (UTC). */
function derTime(d: Der): string {
  const s = d.content.toString('latin1');
  const full = d.tag === 0x17 ? `${Number(s.slice(0, 2)) >= 50 ? '19' : '20'}${s}` : s;
  return `${full.slice(0, 4)}-${full.slice(4, 6)}-${full.slice(6, 8)}T${full.slice(8, 10)}:${full.slice(10, 12)}:${full.slice(12, 14)}Z`;
}
