import { children, contentOf, DerError, decodeOid, elementOf, expectTlv, type Tlv } from './der.js';
import { ATTRIBUTE_NAMES } from './oids.js';

export interface NameAttribute {
  oid: string;
  /** OpenSSL's short name (CN, O, emailAddress...), or the dotted OID when it has none. */
  name: string;
  value: string;
}

/** A Name: its attributes in encoded order (most significant first), and RDN boundaries. */
export interface ParsedName {
  attributes: NameAttribute[];
  /** RFC 4514 string: attributes last to first, those of one multi-valued RDN joined with `+`. */
  rfc4514: string;
}

const SEQUENCE = 0x30;
const SET = 0x31;
const OBJECT_IDENTIFIER = 0x06;

export function parseName(bytes: Uint8Array, name: Tlv): ParsedName {
  if (name.tag !== SEQUENCE) throw new DerError(`Name: expected a SEQUENCE at offset ${name.start}`);
  const rdns: { attribute: NameAttribute; der: Uint8Array | undefined }[][] = [];
  for (const rdn of children(bytes, name)) {
    if (rdn.tag !== SET) throw new DerError(`Name: expected a SET (RDN) at offset ${rdn.start}`);
    rdns.push(
      children(bytes, rdn).map((atv) => {
        const [type, value] = children(bytes, expectTlv(bytes, atv.start, atv.end, SEQUENCE, 'AttributeTypeAndValue'));
        if (!type || !value || type.tag !== OBJECT_IDENTIFIER) throw new DerError(`AttributeTypeAndValue at offset ${atv.start} is malformed`);
        const oid = decodeOid(contentOf(bytes, type));
        const text = decodeString(bytes, value);
        return {
          attribute: { oid, name: ATTRIBUTE_NAMES[oid] ?? oid, value: text ?? hexString(elementOf(bytes, value)) },
          // RFC 4514 writes a value of a type with no string form as # and its DER in hex.
          der: text === undefined ? elementOf(bytes, value) : undefined,
        };
      }),
    );
  }
  // Last attribute first, as OpenSSL's RFC2253 format does: also within a multi-valued RDN.
  const flat = rdns.flatMap((rdn, index) => rdn.map((entry) => ({ ...entry, index }))).reverse();
  const rfc4514 = flat
    .map(({ attribute, der, index }, k) => {
      const separator = k === 0 ? '' : flat[k - 1]!.index === index ? '+' : ',';
      return `${separator}${attribute.name}=${der ? hexString(der) : escapeValue(attribute.value)}`;
    })
    .join('');
  return { attributes: rdns.flat().map((a) => a.attribute), rfc4514 };
}

/** The text of a directory string type; undefined for a type that is not one. */
export function decodeString(bytes: Uint8Array, tlv: Tlv): string | undefined {
  const content = Buffer.from(contentOf(bytes, tlv));
  switch (tlv.tag) {
    case 0x0c: // UTF8String
      return content.toString('utf8');
    case 0x12: // NumericString
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x1a: // VisibleString
      return content.toString('latin1');
    case 0x14: // T61String: OpenSSL treats it as Latin-1 too
      return content.toString('latin1');
    case 0x1e: // BMPString (UTF-16BE)
      return Buffer.from(content).swap16().toString('utf16le');
    case 0x1c: {
      // UniversalString (UTF-32BE)
      let out = '';
      for (let i = 0; i + 4 <= content.length; i += 4) out += String.fromCodePoint(content.readUInt32BE(i) & 0x10ffff);
      return out;
    }
    default:
      return undefined;
  }
}

/** RFC 4514 section 2.4 escaping (as OpenSSL's RFC2253 name format does it for ASCII). */
function escapeValue(value: string): string {
  let out = value.replace(/[,+"\\<>;]/g, (c) => `\\${c}`).replace(/\0/g, '\\00');
  if (out.startsWith('#') || out.startsWith(' ')) out = `\\${out}`;
  if (out.endsWith(' ') && out.length > 1) out = `${out.slice(0, -1)}\\ `;
  return out;
}

const hexString = (bytes: Uint8Array) => `#${Buffer.from(bytes).toString('hex')}`;
