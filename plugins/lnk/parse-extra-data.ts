import type { LnkResult } from './lnk-result.js';
import { BLOCK_NAMES, KNOWN_FOLDERS, SPECIAL_FOLDERS } from './names.js';
import type { Reader } from './reader.js';
import { guidText, uuidV1Mac } from './time-and-ids.js';

type ExtraFields = Pick<
  LnkResult,
  'extra_data' | 'tracker' | 'environment' | 'icon_environment' | 'darwin' | 'known_folder' | 'special_folder' | 'console_code_page' | 'shim_layer'
>;

/** The smallest size each known block can have (MS-SHLLINK 2.5). */
const MIN_SIZES: Record<number, number> = {
  0xa0000001: 0x314,
  0xa0000002: 0xcc,
  0xa0000003: 0x60,
  0xa0000004: 0x0c,
  0xa0000005: 0x10,
  0xa0000006: 0x314,
  0xa0000007: 0x314,
  0xa0000008: 0x88,
  0xa000000b: 0x1c,
};

/** A block that holds a target both as 260 ANSI bytes and as 520 bytes of UTF-16; the Unicode one wins when set. */
function ansiAndUnicode(r: Reader, at: number): string {
  const wide = r.utf16z(at + 268, at + 788, 'Unicode target');
  return wide || r.ansiz(at + 8, at + 268, 'ANSI target');
}

/** What a shortcut without (readable) ExtraData has. */
export function noExtraData(): ExtraFields {
  return {
    extra_data: [],
    tracker: null,
    environment: null,
    icon_environment: null,
    darwin: null,
    known_folder: null,
    special_folder: null,
    console_code_page: null,
    shim_layer: null,
  };
}

/** The ExtraData blocks from `offset` to the terminal block. */
export function parseExtraData(r: Reader, offset: number, maxBlocks: number, problems: string[]): ExtraFields {
  const out = noExtraData();
  let at = offset;
  for (;;) {
    if (at + 4 > r.size) {
      problems.push(`ExtraData ends at offset ${at} without its terminal block (the file has ${r.size} bytes)`);
      return out;
    }
    const size = r.u32(at, 'BlockSize');
    if (size < 4) return out; // TerminalBlock
    if (size < 8 || at + size > r.size) {
      problems.push(`extra data block at offset ${at} claims ${size} bytes, which do not fit in the file (${r.size} bytes)`);
      return out;
    }
    if (out.extra_data.length >= maxBlocks) {
      problems.push(`more than ${maxBlocks} extra data blocks; the rest are not read (limit)`);
      return out;
    }
    const signature = r.u32(at + 4, 'BlockSignature');
    const name = BLOCK_NAMES[signature] ?? 'unknown';
    out.extra_data.push({ signature: `0x${signature.toString(16).padStart(8, '0')}`, name, size });
    const min = MIN_SIZES[signature];
    if (min !== undefined && size < min) problems.push(`${name} at offset ${at} is ${size} bytes, smaller than its ${min}: not decoded`);
    else decode(r, at, size, signature, out);
    at += size;
  }
}

function decode(r: Reader, at: number, size: number, signature: number, out: ExtraFields): void {
  switch (signature) {
    case 0xa0000001:
      out.environment = ansiAndUnicode(r, at);
      return;
    case 0xa0000007:
      out.icon_environment = ansiAndUnicode(r, at);
      return;
    case 0xa0000006:
      out.darwin = ansiAndUnicode(r, at);
      return;
    case 0xa0000003: {
      const ids = [32, 48, 64, 80].map((o) => r.slice(at + o, 16, 'TrackerDataBlock droid'));
      out.tracker = {
        machine_id: r.ansiz(at + 16, at + 32, 'TrackerDataBlock MachineID'),
        droid_volume_id: guidText(ids[0]!),
        droid_file_id: guidText(ids[1]!),
        birth_droid_volume_id: guidText(ids[2]!),
        birth_droid_file_id: guidText(ids[3]!),
        mac_address: uuidV1Mac(ids[1]!),
      };
      return;
    }
    case 0xa0000004:
      out.console_code_page = r.u32(at + 8, 'ConsoleFEDataBlock CodePage');
      return;
    case 0xa0000005: {
      const id = r.u32(at + 8, 'SpecialFolderID');
      out.special_folder = { id, name: SPECIAL_FOLDERS[id] ?? null, offset: r.u32(at + 12, 'SpecialFolderDataBlock Offset') };
      return;
    }
    case 0xa000000b: {
      const id = guidText(r.slice(at + 8, 16, 'KnownFolderID'));
      out.known_folder = { id, name: KNOWN_FOLDERS[id] ?? null, offset: r.u32(at + 24, 'KnownFolderDataBlock Offset') };
      return;
    }
    case 0xa0000008:
      out.shim_layer = r.utf16z(at + 8, at + size, 'ShimDataBlock LayerName');
      return;
    default:
  }
}
