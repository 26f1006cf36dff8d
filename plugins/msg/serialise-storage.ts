import CFB from 'cfb';
import { ENTRY_STORAGE, ENTRY_STREAM, type CfbEntry, type CfbReader } from './cfb-reader.js';
import { HEADER_EMBEDDED, HEADER_TOP_LEVEL } from './properties.js';

/**
 * A storage inside the .msg (an embedded message, or an OLE object attachment) as a compound file
 * of its own, written with npm `cfb`'s writer, so it is scanned as a standalone file: an embedded
 * message gets `dispatch_to: ['msg']` and is read exactly like a top-level .msg. For a message,
 * the property stream's 24-byte embedded header grows to the 32-byte top-level one ([MS-OXMSG]
 * 2.4.1) and the parent's `__nameid_version1.0` (named-property map, kept only at the top) is
 * copied in. The copy walks the subtree with an explicit stack; streams are read through the
 * bounded reader, so the result (where cfb's writer creates a storage only as the parent of a
 * stream, so an empty storage is not copied) is never larger than the streams the file really holds.
 */
export function serialiseStorage(reader: CfbReader, storage: CfbEntry, asMessage: boolean): Uint8Array {
  const out = CFB.utils.cfb_new();
  const add = (path: string, data: Uint8Array) => CFB.utils.cfb_add(out, path, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  const copy = (from: CfbEntry, base: string, topLevel: boolean) => {
    const stack: [CfbEntry, string][] = [[from, base]];
    while (stack.length > 0) {
      const [dir, path] = stack.pop()!;
      for (const c of dir.children) {
        const p = `${path}/${c.name}`;
        if (c.type === ENTRY_STORAGE) {
          stack.push([c, p]);
        } else if (c.type === ENTRY_STREAM) {
          let data = reader.read(c) ?? new Uint8Array(0);
          if (topLevel && dir === from && c.name.toLowerCase() === '__properties_version1.0' && data.length >= HEADER_EMBEDDED) {
            const grown = new Uint8Array(data.length + HEADER_TOP_LEVEL - HEADER_EMBEDDED);
            grown.set(data.subarray(0, HEADER_EMBEDDED));
            grown.set(data.subarray(HEADER_EMBEDDED), HEADER_TOP_LEVEL);
            data = grown;
          }
          add(p, data);
        }
      }
    }
  };
  copy(storage, '', asMessage);
  if (asMessage) {
    const nameid = reader.child(reader.root, '__nameid_version1.0');
    if (nameid && !reader.child(storage, '__nameid_version1.0')) copy(nameid, '/__nameid_version1.0', false);
  }
  return new Uint8Array(CFB.write(out, { type: 'buffer' }) as Buffer);
}
