/** OPC relationship parts ([ECMA-376] Part 2 §9.3): which part they belong to, and their entries. */
import type { XmlNode } from './xml-scan.js';

export interface Relationship {
  id: string;
  type: string;
  target: string;
  external: boolean;
}

/** `word/_rels/document.xml.rels` → `/word/document.xml`; `_rels/.rels` → `/` (the package). */
export function sourcePartOf(relsName: string): string {
  const m = /^(.*?)_rels\/([^/]*)\.rels$/i.exec(relsName.replace(/^\/+/, ''));
  if (!m) return `/${relsName}`;
  return m[2] === '' ? `/${m[1]}` : `/${m[1]}${m[2]}`;
}

export function relationships(root: XmlNode): Relationship[] {
  const rels = root.children.find((c) => c.name === 'Relationships') ?? root.children[0];
  return (rels?.children ?? [])
    .filter((c) => c.name === 'Relationship')
    .map((c) => ({
      id: c.attrs['Id'] ?? '',
      type: c.attrs['Type'] ?? '',
      target: c.attrs['Target'] ?? '',
      external: (c.attrs['TargetMode'] ?? '').toLowerCase() === 'external',
    }));
}

/** The last segment of a relationship type URI: `.../relationships/attachedTemplate` → `attachedTemplate`. */
export function shortType(type: string): string {
  return type.slice(type.lastIndexOf('/') + 1);
}

/** What an external relationship can do to the reader, by its type. */
export function categoryOf(type: string): string {
  switch (shortType(type)) {
    case 'attachedTemplate':
      return 'remote_template';
    case 'oleObject':
      return 'ole_object_link';
    case 'image':
      return 'remote_image';
    case 'hyperlink':
      return 'hyperlink';
    case 'frame':
      return 'remote_frame';
    case 'subDocument':
      return 'remote_subdocument';
    case 'externalLinkPath':
    case 'xlExternalLinkPath':
      return 'external_workbook';
    case 'video':
    case 'audio':
    case 'media':
      return 'remote_media';
    default:
      return 'other';
  }
}

/** Resolves a relationship's internal target against its source part into a part name. */
export function resolveTarget(source: string, target: string): string {
  if (target.startsWith('/')) return normalise(target);
  const base = source.endsWith('/') ? source : source.slice(0, source.lastIndexOf('/') + 1);
  return normalise(base + target);
}

function normalise(path: string): string {
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return `/${out.join('/')}`;
}
