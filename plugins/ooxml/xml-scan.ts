/**
 * A tolerant XML reader for the small parts OOXML keeps its metadata in: elements, attributes
 * and text into a tree, by local name (prefixes dropped). No DTDs, no external entities, no
 * namespace checks; broken markup ends the tree where it breaks. Node count and depth are capped.
 */

export interface XmlNode {
  /** Local name, without the prefix. */
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

const MAX_NODES = 200_000;
const MAX_DEPTH = 256;

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,4});/g, (all, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : all;
    }
    return ENTITIES[e] ?? all;
  });
}

const localName = (qname: string) => qname.slice(qname.indexOf(':') + 1);
const ATTR = /([^\s=/>]+)\s*=\s*("([^"]*)"|'([^']*)')/g;

/** Parses `text` into a root node whose children are the document's top-level elements. */
export function parseXml(text: string): { root: XmlNode; problem: string | null } {
  const root: XmlNode = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlNode[] = [root];
  let nodes = 0;
  let pos = 0;
  let problem: string | null = null;
  while (pos < text.length) {
    const lt = text.indexOf('<', pos);
    const top = stack[stack.length - 1]!;
    if (lt < 0) {
      top.text += decodeEntities(text.slice(pos));
      break;
    }
    if (lt > pos) top.text += decodeEntities(text.slice(pos, lt));
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      pos = end < 0 ? text.length : end + 3;
      continue;
    }
    if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      top.text += text.slice(lt + 9, end < 0 ? text.length : end);
      pos = end < 0 ? text.length : end + 3;
      continue;
    }
    if (text[lt + 1] === '?' || text[lt + 1] === '!') {
      const end = text.indexOf('>', lt);
      pos = end < 0 ? text.length : end + 1;
      continue;
    }
    const gt = tagEnd(text, lt);
    if (gt < 0) {
      problem = `unterminated tag at character ${lt}`;
      break;
    }
    const body = text.slice(lt + 1, gt);
    pos = gt + 1;
    if (body[0] === '/') {
      const name = localName(body.slice(1).trim());
      // Close up to the matching element; a stray end tag is ignored.
      for (let i = stack.length - 1; i > 0; i--) {
        if (stack[i]!.name === name) {
          stack.length = i;
          break;
        }
      }
      continue;
    }
    const selfClosing = body.endsWith('/');
    const m = /^[^\s/>]+/.exec(body);
    if (!m) continue;
    if (++nodes > MAX_NODES) {
      problem = `more than ${MAX_NODES} elements; the rest are not read`;
      break;
    }
    const node: XmlNode = { name: localName(m[0]), attrs: {}, children: [], text: '' };
    for (const a of body.slice(m[0].length).matchAll(ATTR)) node.attrs[localName(a[1]!)] = decodeEntities(a[3] ?? a[4] ?? '');
    top.children.push(node);
    if (!selfClosing) {
      if (stack.length > MAX_DEPTH) {
        problem = `elements nested deeper than ${MAX_DEPTH}`;
        break;
      }
      stack.push(node);
    }
  }
  return { root, problem };
}

/** The '>' ending the tag opened at `lt`, skipping quoted attribute values. */
function tagEnd(text: string, lt: number): number {
  let quote = '';
  for (let i = lt + 1; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i;
  }
  return -1;
}

/** All text below a node, in document order. */
export function textOf(node: XmlNode): string {
  return node.text + node.children.map(textOf).join('');
}
