import type { PdfResult } from './pdf-result.js';

/** XMP properties reported by name when present (as elements or as attributes). */
const FIELDS = [
  'dc:title',
  'dc:creator',
  'dc:description',
  'dc:subject',
  'dc:format',
  'xmp:CreatorTool',
  'xmp:CreateDate',
  'xmp:ModifyDate',
  'xmp:MetadataDate',
  'pdf:Producer',
  'pdf:Keywords',
  'pdf:PDFVersion',
  'xmpMM:DocumentID',
  'xmpMM:InstanceID',
  'pdfaid:part',
  'pdfaid:conformance',
];

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (all, e: string) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : all;
    }
    return ENTITIES[e] ?? all;
  });
}

/**
 * The XMP packet as text, and its common properties by a light reading (no XML parser: the
 * packet is often broken in hostile files, and only a handful of values are wanted).
 */
export function readXmp(data: Uint8Array, maxChars: number): NonNullable<PdfResult['xmp']> {
  const text = new TextDecoder('utf-8').decode(data.subarray(0, maxChars * 4));
  const fields: Record<string, string> = {};
  for (const f of FIELDS) {
    const tag = f.replace(':', '\\:');
    const el = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`).exec(text);
    if (el) {
      const items = [...el[1]!.matchAll(/<rdf:li(?:\s[^>]*)?>([\s\S]*?)<\/rdf:li>/g)].map((m) => m[1]!);
      const raw = items.length > 0 ? items.join('; ') : el[1]!;
      fields[f] = unescapeXml(raw.replace(/<[^>]*>/g, '').trim());
      continue;
    }
    const attr = new RegExp(`\\s${tag}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(text);
    if (attr) fields[f] = unescapeXml(attr[1] ?? attr[2] ?? '');
  }
  return { size: data.length, fields, packet: text.slice(0, maxChars), truncated: text.length > maxChars || data.length > maxChars * 4 };
}
