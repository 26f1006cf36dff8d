import type { PdfDocument } from './document.js';
import { filterNames } from './filters.js';
import { dictOf, nameOf, type PdfDict, PdfName, PdfRef, PdfStream, PdfString, type PdfValue } from './objects.js';
import type { PdfResult, TargetInfo } from './pdf-result.js';
import { pdfDate, textOf } from './text.js';
import { countPages, walkNameTree } from './trees.js';
import { readXmp } from './xmp.js';

export interface Extracted {
  data: Uint8Array;
  kind: 'javascript' | 'embedded_file';
  filename: string;
  object: number | null;
}

export interface AnalyseOptions {
  max_javascript: number;
  max_embedded_files: number;
  /** Characters of the XMP packet kept in the results. */
  max_xmp_chars: number;
}

/** Action types of ISO 32000-1 Table 198 (and 2.0's): /S of other dictionaries is something else. */
const ACTIONS = new Set(
  'GoTo GoToR GoToE GoToDp Launch Thread URI Sound Movie Hide Named SubmitForm ResetForm ImportData JavaScript SetOCGState Rendition Trans GoTo3DView RichMediaExecute'.split(
    ' ',
  ),
);

const INFO_DATES: Record<string, string> = { CreationDate: 'creation_date', ModDate: 'mod_date' };

/**
 * Everything the results report, from one pass over every object (in number order) plus walks
 * from the catalog. All walks use explicit stacks and visited sets.
 */
export function analyse(
  doc: PdfDocument,
  opts: AnalyseOptions,
  encryptionReadable: boolean,
): { result: Omit<PdfResult, 'encryption'>; extracted: Extracted[] } {
  const extracted: Extracted[] = [];
  const r: Omit<PdfResult, 'encryption'> = {
    version: doc.header.version,
    catalog_version: null,
    header_offset: doc.header.offset,
    linearized: false,
    xref: {
      sections: doc.sections.length,
      kinds: doc.sections.map((s) => s.kind),
      startxref: doc.startxref ?? null,
      rebuilt: doc.rebuilt,
      eof_markers: countOf(doc.bytes, '%%EOF'),
    },
    page_count: null,
    info: null,
    info_dates: {},
    xmp: null,
    object_count: 0,
    stream_count: 0,
    object_streams: { count: 0, objects: 0 },
    object_types: {},
    filters: {},
    action_types: {},
    uris: [],
    launch_actions: [],
    open_action: null,
    additional_actions: [],
    javascript: [],
    embedded_files: [],
    damage: doc.damage,
  };
  const scripts = new Set<string>();
  const files = new Map<string, PdfResult['embedded_files'][number]>();
  let catalog: PdfDict | undefined;
  const catalogRef = doc.trailer.get('Root');
  const root = dictOf(doc.resolve(catalogRef));
  if (root) catalog = root;

  const addScript = (js: PdfValue | undefined, owner: number) => {
    if (js === undefined) return;
    const key = js instanceof PdfRef ? `obj ${js.num}` : `in ${owner}:${scripts.size}`;
    if (scripts.has(key)) return;
    scripts.add(key);
    const object = js instanceof PdfRef ? js.num : owner;
    const v = doc.resolve(js);
    let data: Uint8Array | undefined;
    let source: 'string' | 'stream' = 'string';
    if (v instanceof PdfString) data = v.bytes;
    else if (v instanceof PdfStream) {
      source = 'stream';
      data = encryptionReadable ? doc.decode(v, `JavaScript stream ${object}`) : v.raw;
    }
    if (!data) return;
    const text = v instanceof PdfString ? textOf(v)! : new TextDecoder('utf-8').decode(data);
    const bytes = new TextEncoder().encode(text);
    const canExtract = encryptionReadable && extracted.filter((e) => e.kind === 'javascript').length < opts.max_javascript;
    if (encryptionReadable && !canExtract) doc.note(`more than max_javascript (${opts.max_javascript}) scripts: script in object ${object} not extracted`);
    r.javascript.push({ object, source, size: bytes.length, extracted: canExtract });
    if (canExtract) extracted.push({ data: bytes, kind: 'javascript', filename: `javascript_${object}_${r.javascript.length}.js`, object });
  };

  const addFile = (spec: PdfValue | undefined, source: 'name_tree' | 'annotation' | 'filespec', treeName?: string) => {
    const fs = dictOf(doc.resolve(spec));
    if (!fs) return;
    const ef = dictOf(doc.resolve(fs.get('EF')));
    const ref = ef?.get('UF') ?? ef?.get('F') ?? ef?.get('DOS') ?? ef?.get('Unix');
    const key = ref instanceof PdfRef ? `obj ${ref.num}` : spec instanceof PdfRef ? `spec ${spec.num}` : `tree ${files.size}`;
    const known = files.get(key);
    if (known) {
      if (source !== 'filespec' && known.source === 'filespec') known.source = source;
      return;
    }
    const name = encryptionReadable ? (textOf(doc.resolve(fs.get('UF'))) ?? textOf(doc.resolve(fs.get('F'))) ?? treeName ?? null) : null;
    const stream = doc.resolve(ref);
    const entry: PdfResult['embedded_files'][number] = { name, size: null, object: ref instanceof PdfRef ? ref.num : null, source, extracted: false };
    files.set(key, entry);
    r.embedded_files.push(entry);
    if (!(stream instanceof PdfStream) || !encryptionReadable) return;
    const data = doc.decode(stream, `embedded file ${entry.object ?? name}`);
    if (!data) return;
    entry.size = data.length;
    if (!encryptionReadable) return;
    if (extracted.filter((e) => e.kind === 'embedded_file').length >= opts.max_embedded_files) {
      doc.note(`more than max_embedded_files (${opts.max_embedded_files}): ${name ?? 'an embedded file'} not extracted`);
      return;
    }
    entry.extracted = true;
    extracted.push({ data, kind: 'embedded_file', filename: name ?? `embedded_${entry.object ?? files.size}`, object: entry.object });
  };

  const target = (v: PdfValue | undefined): TargetInfo => {
    const object = v instanceof PdfRef ? v.num : null;
    const t = doc.resolve(v);
    if (Array.isArray(t) || t instanceof PdfString || t instanceof PdfName) return { kind: 'destination', action: null, object };
    const d = dictOf(t);
    if (!d) return { kind: 'missing', action: null, object };
    return { kind: 'action', action: nameOf(d.get('S')) ?? null, object };
  };

  // The name tree first, so that its files are reported as such (and with the tree's order).
  const names = dictOf(doc.resolve(catalog?.get('Names')));
  if (names) walkNameTree(doc, names.get('EmbeddedFiles'), (name, spec) => addFile(spec, 'name_tree', name));

  // One pass over every object; members of object streams found by a rebuilt xref join the queue.
  const queue = [...doc.entries.keys()].sort((a, b) => a - b);
  const queued = new Set(queue);
  for (let qi = 0; qi < queue.length; qi++) {
    const num = queue[qi]!;
    const entry = doc.entries.get(num);
    if (!entry || entry.type === 'free') continue;
    const value = doc.getObject(num);
    if (value === null) continue;
    r.object_count++;
    if (value instanceof PdfStream) {
      r.stream_count++;
      for (const f of filterNames(value.dict)) r.filters[f] = (r.filters[f] ?? 0) + 1;
      if (nameOf(value.dict.get('Type')) === 'ObjStm') {
        const members = doc.loadObjectStream(num);
        for (const m of members?.keys() ?? []) {
          if (!queued.has(m) && !doc.entries.has(m) && doc.entries.size < doc.limits.max_objects) {
            doc.entries.set(m, { type: 'compressed', stream: num, index: 0 });
            queued.add(m);
            queue.push(m);
          }
        }
      }
    }
    const top = dictOf(value);
    const type = nameOf(top?.get('Type'));
    if (type) r.object_types[type] = (r.object_types[type] ?? 0) + 1;
    if (type === 'Catalog' && !catalog) catalog = top;
    if (top?.get('Linearized') !== undefined) r.linearized = true;
    // Dictionaries nested directly in this object (not through references).
    const stack: PdfValue[] = [value];
    while (stack.length > 0) {
      const v = stack.pop()!;
      if (Array.isArray(v)) {
        for (const c of v) stack.push(c);
        continue;
      }
      const d = dictOf(v);
      if (!d) continue;
      for (const c of d.entries.values()) stack.push(c);
      const s = nameOf(d.get('S'));
      if (s && ACTIONS.has(s) && (d.get('Type') === undefined || nameOf(d.get('Type')) === 'Action')) r.action_types[s] = (r.action_types[s] ?? 0) + 1;
      if (s === 'URI' && encryptionReadable) {
        const uri = textOf(doc.resolve(d.get('URI')));
        if (uri !== undefined) r.uris.push({ uri, object: num });
      }
      if (s === 'Launch') r.launch_actions.push(launch(doc, d, num, encryptionReadable));
      if (d.has('JS')) addScript(d.get('JS'), num);
      if (d.has('EF')) addFile(d, 'filespec');
      if (nameOf(d.get('Subtype')) === 'FileAttachment') addFile(d.get('FS'), 'annotation');
      const aa = dictOf(doc.resolve(d.get('AA')));
      if (aa) {
        const owner = nameOf(d.get('Type')) ?? (d.has('FT') ? 'Field' : d.has('Subtype') ? 'Annot' : 'unknown');
        for (const [trigger, a] of aa.entries) r.additional_actions.push({ owner, owner_object: num, trigger, ...target(a) });
      }
    }
    if (r.object_count >= doc.limits.max_objects) break;
  }
  r.object_streams = { count: doc.objectStreams.size, objects: [...doc.objectStreams.values()].reduce((a, b) => a + b, 0) };

  if (!catalog) doc.note('no document catalog (/Root)');
  else {
    r.catalog_version = nameOf(catalog.get('Version')) ?? null;
    if (catalog.has('OpenAction')) r.open_action = target(catalog.get('OpenAction'));
    r.page_count = countPages(doc, catalog.get('Pages'));
    const meta = doc.resolve(catalog.get('Metadata'));
    if (meta instanceof PdfStream && encryptionReadable) {
      const data = doc.decode(meta, 'XMP metadata stream');
      if (data) r.xmp = readXmp(data, opts.max_xmp_chars);
    }
  }
  const info = dictOf(doc.resolve(doc.trailer.get('Info')));
  if (info && encryptionReadable) {
    r.info = {};
    for (const [k, v] of info.entries) {
      const text = textOf(doc.resolve(v));
      if (text === undefined) continue;
      r.info[k] = text;
      const dateKey = INFO_DATES[k];
      const iso = dateKey ? pdfDate(text) : undefined;
      if (dateKey && iso) r.info_dates[dateKey] = iso;
    }
  }
  return { result: r, extracted };
}

function launch(doc: PdfDocument, d: PdfDict, object: number, readable: boolean): PdfResult['launch_actions'][number] {
  const win = dictOf(doc.resolve(d.get('Win')));
  const fileOf = (v: PdfValue | undefined): string | null => {
    const t = doc.resolve(v);
    const fs = dictOf(t);
    if (fs) return textOf(doc.resolve(fs.get('UF'))) ?? textOf(doc.resolve(fs.get('F'))) ?? null;
    return textOf(t) ?? null;
  };
  if (!readable) return { file: null, parameters: null, operation: null, object };
  return {
    file: fileOf(d.get('F')) ?? fileOf(win?.get('F')) ?? fileOf(d.get('Unix')) ?? fileOf(d.get('Mac')),
    parameters: textOf(doc.resolve(win?.get('P'))) ?? null,
    operation: textOf(doc.resolve(win?.get('O'))) ?? null,
    object,
  };
}

function countOf(bytes: Uint8Array, needle: string): number {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let n = 0;
  for (let i = buf.indexOf(needle, 0, 'latin1'); i >= 0; i = buf.indexOf(needle, i + needle.length, 'latin1')) n++;
  return n;
}
