import type { PdfDocument } from './document.js';
import { dictOf, nameOf, PdfRef, type PdfValue } from './objects.js';
import { textOf } from './text.js';

/** Leaves of the page tree, each node visited once (a /Kids loop is reported, not followed). */
export function countPages(doc: PdfDocument, pages: PdfValue | undefined): number | null {
  if (pages === undefined) return null;
  const seen = new Set<number>();
  const stack: PdfValue[] = [pages];
  let count = 0;
  let steps = 0;
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (v instanceof PdfRef) {
      if (seen.has(v.num)) {
        doc.note(`page tree visits object ${v.num} twice (a loop or a shared node)`);
        continue;
      }
      seen.add(v.num);
    }
    if (++steps > doc.limits.max_objects) {
      doc.note('page tree larger than max_objects; page count is partial');
      break;
    }
    const node = dictOf(doc.resolve(v));
    if (!node) continue;
    const kids = doc.resolve(node.get('Kids'));
    const type = nameOf(node.get('Type'));
    if (type === 'Page' || (type !== 'Pages' && !Array.isArray(kids))) count++;
    else if (Array.isArray(kids)) for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return count;
}

/** Calls `visit` for each (name, value) of a name tree (§7.9.6), nodes visited once. */
export function walkNameTree(doc: PdfDocument, rootNode: PdfValue | undefined, visit: (name: string, value: PdfValue) => void): void {
  const seen = new Set<number>();
  const stack: PdfValue[] = rootNode === undefined ? [] : [rootNode];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (v instanceof PdfRef) {
      if (seen.has(v.num)) {
        doc.note(`name tree visits object ${v.num} twice`);
        continue;
      }
      seen.add(v.num);
    }
    const node = dictOf(doc.resolve(v));
    if (!node) continue;
    const names = doc.resolve(node.get('Names'));
    if (Array.isArray(names)) for (let i = 0; i + 1 < names.length; i += 2) visit(textOf(doc.resolve(names[i])) ?? '', names[i + 1]!);
    const kids = doc.resolve(node.get('Kids'));
    if (Array.isArray(kids)) for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
}
