import { isIPv4, isIPv6 } from 'node:net';
import { parse as parseDomain } from 'tldts';

export const IOC_TYPES = ['md5', 'sha1', 'sha256', 'sha512', 'ipv4', 'ipv6', 'mac_address', 'email', 'domain', 'url'] as const;
export type IocType = (typeof IOC_TYPES)[number];

/** A candidate's normalised form, or undefined when it is not really one (a file name, a version number...). */
type Normalise = (match: RegExpExecArray, text: string) => string | undefined;

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOSTNAME = `(?:${LABEL}\\.)+[a-z][a-z0-9-]{0,62}`;
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';

/**
 * The words that make a dotted quad a version number: "version 1.2.3.4", "v 1.2.3.4",
 * "build: 6.1.7601.1", "rev=1.0.0.1", or a product token "Firefox/115.0.2.1".
 */
const VERSION_BEFORE = /(?:\b(?:version|ver|v|rev|revision|release|build|firmware|fw)\.?\s*[:=#]?\s*|[a-z]\/)$/i;

/** A hostname whose suffix is in the ICANN section of the public suffix list, with a label before it. */
export function registrableHostname(host: string): boolean {
  if (host.length > 253) return false;
  const parsed = parseDomain(host);
  return parsed.isIcann === true && parsed.domain !== null && !parsed.isIp;
}

const hexHash = (length: number): [RegExp, Normalise] => [new RegExp(`\\b[a-f0-9]{${length}}\\b`, 'gi'), (m) => m[0].toLowerCase()];

/** Per type: the candidates' pattern (run on refanged text) and how a candidate is checked and normalised. */
export const EXTRACTORS: Record<IocType, [RegExp, Normalise]> = {
  md5: hexHash(32),
  sha1: hexHash(40),
  sha256: hexHash(64),
  sha512: hexHash(128),
  ipv4: [
    // Not inside a longer run of dotted numbers (1.2.3.4.5, OIDs such as 1.3.6.1.4.1.311).
    new RegExp(`(?<![\\w.])(?:${OCTET}\\.){3}${OCTET}(?![\\w]|\\.\\d)`, 'g'),
    (m, text) => (VERSION_BEFORE.test(text.slice(Math.max(0, m.index - 24), m.index)) ? undefined : m[0]),
  ],
  ipv6: [
    // Candidates; node:net decides. Not glued to a word, so C++'s std::map is no address.
    /(?<![\w:.])(?:[0-9a-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9a-f]{0,4})(?![\w:])/gi,
    (m) => (isIPv6(m[0]) && /[0-9a-f]/i.test(m[0]) ? canonicalIpv6(m[0]) : undefined),
  ],
  mac_address: [/(?<![\w:-])[0-9a-f]{2}([:-])(?:[0-9a-f]{2}\1){4}[0-9a-f]{2}(?![\w:-])/gi, (m) => m[0].toLowerCase().replaceAll('-', ':')],
  email: [
    new RegExp(`(?<![\\w.%+-])[a-z0-9._%+-]{1,64}@(${HOSTNAME})(?![\\w-]|\\.[a-z0-9])`, 'gi'),
    (m) => {
      const host = m[1]!.toLowerCase();
      return registrableHostname(host) ? `${m[0].slice(0, m[0].lastIndexOf('@'))}@${host}` : undefined;
    },
  ],
  domain: [
    // Not followed by @ or +: then it is the local part of an e-mail address (first.last@...).
    new RegExp(`(?<![\\w.-])${HOSTNAME}(?![\\w@+-]|\\.[a-z0-9])`, 'gi'),
    (m) => {
      const host = m[0].toLowerCase();
      return registrableHostname(host) ? host : undefined;
    },
  ],
  url: [
    /\b(https?|ftp):\/\/(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?([/?#][^\s"'<>\\^`{|}]*)?/gi,
    (m) => {
      const host = m[2]!.toLowerCase();
      const valid = host.startsWith('[') ? isIPv6(host.slice(1, -1)) : isIPv4(host) || registrableHostname(host);
      if (!valid) return undefined;
      return `${m[1]!.toLowerCase()}://${host}${m[3] ?? ''}${trimTrailing(m[4] ?? '')}`;
    },
  ],
};

/**
 * RFC 5952 text form: the WHATWG URL serializer's (lower case, longest zero run as `::`), except
 * that IPv4-mapped addresses keep their dotted tail (`::ffff:192.0.2.1`), as RFC 5952 section 5 asks.
 */
function canonicalIpv6(address: string): string {
  const text = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(text);
  if (!mapped) return text;
  const [high, low] = [Number.parseInt(mapped[1]!, 16), Number.parseInt(mapped[2]!, 16)];
  return `::ffff:${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/** Punctuation that ends a sentence rather than the URL; a closing bracket only when it opened outside. */
function trimTrailing(path: string): string {
  const unbalanced = { ')': count(path, ')') - count(path, '('), ']': count(path, ']') - count(path, '[') };
  let end = path.length;
  while (end > 0) {
    const c = path[end - 1]!;
    if (c === ')' || c === ']') {
      if (unbalanced[c] <= 0) break;
      unbalanced[c] -= 1;
    } else if (!'.,;:!?\'"'.includes(c)) {
      break;
    }
    end -= 1;
  }
  return path.slice(0, end);
}

const count = (s: string, c: string) => s.split(c).length - 1;
