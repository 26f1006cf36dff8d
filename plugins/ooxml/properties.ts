/** docProps/core.xml, app.xml and custom.xml ([ECMA-376] Part 2 §11, Part 1 §22.2 and §22.3) as plain values. */
import { textOf, type XmlNode } from './xml-scan.js';

/** Core property element (local name) → result key. */
const CORE: Record<string, string> = {
  title: 'title',
  subject: 'subject',
  creator: 'creator',
  keywords: 'keywords',
  description: 'description',
  lastModifiedBy: 'last_modified_by',
  revision: 'revision',
  created: 'created',
  modified: 'modified',
  lastPrinted: 'last_printed',
  category: 'category',
  contentStatus: 'content_status',
  contentType: 'content_type',
  identifier: 'identifier',
  language: 'language',
  version: 'version',
};

export function coreProperties(root: XmlNode): Record<string, string> {
  const out: Record<string, string> = {};
  const props = root.children.find((c) => c.name === 'coreProperties') ?? root.children[0];
  for (const c of props?.children ?? []) {
    const key = CORE[c.name];
    if (key && !(key in out)) out[key] = textOf(c).trim();
  }
  return out;
}

/** App property elements whose values are numbers or booleans; the rest stay text. */
const NUMBERS = new Set([
  'Pages',
  'Words',
  'Characters',
  'Lines',
  'Paragraphs',
  'Slides',
  'Notes',
  'TotalTime',
  'HiddenSlides',
  'MMClips',
  'CharactersWithSpaces',
  'DocSecurity',
]);
const BOOLEANS = new Set(['ScaleCrop', 'LinksUpToDate', 'SharedDoc', 'HyperlinksChanged']);

/** `AppVersion` → `app_version`, `MMClips` → `mm_clips`. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

export type AppValue = string | number | boolean | string[];

export function appProperties(root: XmlNode): Record<string, AppValue> {
  const out: Record<string, AppValue> = {};
  const props = root.children.find((c) => c.name === 'Properties') ?? root.children[0];
  for (const c of props?.children ?? []) {
    const key = snakeCase(c.name);
    if (key in out) continue;
    if (c.name === 'TitlesOfParts' || c.name === 'HeadingPairs') {
      out[key] = vectorTexts(c);
      continue;
    }
    const text = textOf(c).trim();
    if (NUMBERS.has(c.name) && /^-?\d{1,15}$/.test(text)) out[key] = Number(text);
    else if (BOOLEANS.has(c.name) && (text === 'true' || text === 'false')) out[key] = text === 'true';
    else if (c.children.length === 0) out[key] = text;
  }
  return out;
}

/** Texts of a vt:vector's elements (variants flattened). */
function vectorTexts(node: XmlNode): string[] {
  const out: string[] = [];
  const walk = (n: XmlNode) => {
    for (const c of n.children) {
      if (c.name === 'vector' || c.name === 'variant') walk(c);
      else out.push(textOf(c).trim());
    }
  };
  walk(node);
  return out;
}

/** docProps/custom.xml: property name → its value's text. */
export function customProperties(root: XmlNode): Record<string, string> {
  const out: Record<string, string> = {};
  const props = root.children.find((c) => c.name === 'Properties') ?? root.children[0];
  for (const c of props?.children ?? []) {
    const name = c.attrs['name'];
    if (c.name === 'property' && name !== undefined && !(name in out)) out[name] = textOf(c).trim();
  }
  return out;
}
