import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { IOC_TYPES, type IocType } from './extract.js';

/**
 * Indicators never reported, in upstream's `type:pattern` form:
 * - `ipv4:` / `ipv6:` an address or a CIDR network;
 * - `domain:` a name, or `.name` for it and all its subdomains; applied to domains and to URL hosts;
 * - `url:` the same, applied to URL hosts only (a URL whose host is an address follows the ipv4/ipv6 entries);
 * - `email:`, `md5:`, `sha1:`, `sha256:`, `sha512:`, `mac_address:` exact values (any case).
 */
export class Whitelist {
  readonly #addresses = new BlockList();
  readonly #hostPatterns = { domain: [] as string[], url: [] as string[] };
  readonly #exact = new Set<string>();

  /** `source` names where the lines came from, for errors (`file.txt:12`, `option whitelist[3]`). */
  add(line: string, source: string): void {
    const text = line.trim();
    if (text === '' || text.startsWith('#')) return;
    const colon = text.indexOf(':');
    const type = text.slice(0, colon) as IocType;
    const pattern = text.slice(colon + 1).trim();
    if (colon < 0 || !IOC_TYPES.includes(type) || pattern === '') {
      throw new Error(`${source}: ${JSON.stringify(text)} is not <type>:<pattern> with a type among ${IOC_TYPES.join(', ')}`);
    }
    if (type === 'ipv4' || type === 'ipv6') this.#addAddress(type, pattern, source);
    else if (type === 'domain' || type === 'url') this.#hostPatterns[type].push(pattern.toLowerCase());
    else this.#exact.add(`${type}:${pattern.toLowerCase()}`);
  }

  #addAddress(type: 'ipv4' | 'ipv6', pattern: string, source: string): void {
    const [address = '', prefix] = pattern.split('/');
    const valid = type === 'ipv4' ? isIPv4(address) : isIPv6(address);
    const bits = prefix === undefined ? undefined : Number(prefix);
    const maxBits = type === 'ipv4' ? 32 : 128;
    if (!valid || (bits !== undefined && !(Number.isInteger(bits) && bits >= 0 && bits <= maxBits && /^\d+$/.test(prefix!)))) {
      throw new Error(`${source}: ${JSON.stringify(pattern)} is not an ${type} address or network`);
    }
    if (bits === undefined) this.#addresses.addAddress(address, type);
    else this.#addresses.addSubnet(address, bits, type);
  }

  /** Whether a normalised indicator of this type is whitelisted. */
  has(type: IocType, indicator: string): boolean {
    switch (type) {
      case 'ipv4':
      case 'ipv6':
        return this.#addresses.check(indicator, type);
      case 'domain':
        return matchesHost(indicator, this.#hostPatterns.domain);
      case 'url': {
        const host = new URL(indicator).hostname;
        if (isIPv4(host)) return this.#addresses.check(host, 'ipv4');
        if (host.startsWith('[')) return this.#addresses.check(host.slice(1, -1), 'ipv6');
        return matchesHost(host, this.#hostPatterns.domain) || matchesHost(host, this.#hostPatterns.url);
      }
      default:
        return this.#exact.has(`${type}:${indicator.toLowerCase()}`);
    }
  }
}

/** Upstream's rule: `.example.com` covers example.com and its subdomains; `example.com` only itself. */
function matchesHost(host: string, patterns: string[]): boolean {
  return patterns.some((p) => host === p || (p.startsWith('.') && `.${host}`.endsWith(p)));
}
