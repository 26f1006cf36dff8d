import { ENTRY_STORAGE, ENTRY_STREAM, type CfbEntry, type CfbReader } from './cfb-reader.js';
import { type CfbNode, writeCompoundFile } from './cfb-writer.js';
import { HEADER_EMBEDDED, HEADER_TOP_LEVEL } from './properties.js';

/**
 * A storage inside the .msg (an embedded message, or an OLE object attachment) as a compound file
 * of its own, so it is scanned as a standalone file: an embedded message gets
 * `dispatch_to: ['msg']` and is read exactly like a top-level .msg. For a message, the property
 * stream's 24-byte embedded header grows to the 32-byte top-level one ([MS-OXMSG] 2.4.1) and the
 * parent's `__nameid_version1.0` (the named-property map, kept only at the top) is copied in; the
 * root gets CLSID_MailMessage, as Outlook's files have. An OLE object keeps its storage's CLSID.
 * The subtree is walked with an explicit stack; streams are read through the bounded reader, so
 * the copy is never larger than the streams the file really holds.
 */
export function serialiseStorage(reader: CfbReader, storage: CfbEntry, asMessage: boolean): Uint8Array {
  const top = copy(reader, storage, asMessage);
  if (asMessage && !reader.child(storage, '__nameid_version1.0')) {
    const nameid = reader.child(reader.root, '__nameid_version1.0');
    if (nameid) top.push({ name: nameid.name, children: copy(reader, nameid, false) });
  }
  return writeCompoundFile(top, asMessage ? MAIL_MESSAGE_CLSID : storage.clsidBytes);
}

/** {00020D0B-0000-0000-C000-000000000046}, CLSID_MailMessage, as Outlook marks a .msg's root. */
const MAIL_MESSAGE_CLSID = Uint8Array.from([0x0b, 0x0d, 0x02, 0x00, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46]);

function copy(reader: CfbReader, from: CfbEntry, asMessage: boolean): CfbNode[] {
  const top: CfbNode[] = [];
  const stack: [CfbEntry, CfbNode[]][] = [[from, top]];
  while (stack.length > 0) {
    const [dir, into] = stack.pop()!;
    for (const c of dir.children) {
      if (c.type === ENTRY_STORAGE) {
        const children: CfbNode[] = [];
        into.push({ name: c.name, children });
        stack.push([c, children]);
      } else if (c.type === ENTRY_STREAM) {
        let data = reader.read(c) ?? new Uint8Array(0);
        if (asMessage && dir === from && c.name.toLowerCase() === '__properties_version1.0' && data.length >= HEADER_EMBEDDED) {
          const grown = new Uint8Array(data.length + HEADER_TOP_LEVEL - HEADER_EMBEDDED);
          grown.set(data.subarray(0, HEADER_EMBEDDED));
          grown.set(data.subarray(HEADER_EMBEDDED), HEADER_TOP_LEVEL);
          data = grown;
        }
        into.push({ name: c.name, data });
      }
    }
  }
  return top;
}
