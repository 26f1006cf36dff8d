import { DIR, type PeImage } from './pe-image.js';

export interface DebugEntry {
  MajorVersion: number;
  MinorVersion: number;
  SizeOfData: number;
  TimeDateStamp: number;
  TimeDateString: string;
  Type: number;
  /** CodeView (type 2) records: the signature ('RSDS' or 'NB10'), GUID, age and PDB path. */
  DebugSig?: string;
  DebugGUID?: string;
  DebugAge?: number;
  DebugPDB?: string;
}

const ENTRY_SIZE = 28;
const CODEVIEW = 2;

/** The debug directory (at most `maxEntries`), with CodeView records decoded for the PDB path. */
export function readDebugDirectory(pe: PeImage, maxEntries: number, warn: (m: string) => void): DebugEntry[] {
  const dir = pe.directory(DIR.DEBUG);
  if (!dir) return [];
  const count = Math.floor(dir.size / ENTRY_SIZE);
  if (count > maxEntries) warn(`debug directory holds ${count} entries; only ${maxEntries} are read`);
  const result: DebugEntry[] = [];
  for (let i = 0; i < Math.min(count, maxEntries); i++) {
    const e = pe.bytesAt(dir.rva + i * ENTRY_SIZE, ENTRY_SIZE);
    if (!e || e.length < ENTRY_SIZE) {
      warn(`debug directory entry ${i} is outside the data`);
      break;
    }
    const TimeDateStamp = e.readUInt32LE(4);
    const entry: DebugEntry = {
      MajorVersion: e.readUInt16LE(8),
      MinorVersion: e.readUInt16LE(10),
      SizeOfData: e.readUInt32LE(16),
      TimeDateStamp,
      TimeDateString: utcString(TimeDateStamp),
      Type: e.readUInt32LE(12),
    };
    const pointer = e.readUInt32LE(24);
    if (entry.Type === CODEVIEW && pointer + Math.min(entry.SizeOfData, 0x1000) <= pe.data.length) {
      Object.assign(entry, codeView(pe.data.subarray(pointer, pointer + Math.min(entry.SizeOfData, 0x1000))));
    }
    result.push(entry);
  }
  return result;
}

function codeView(b: Buffer): Partial<DebugEntry> {
  const sig = b.toString('latin1', 0, 4);
  if (sig === 'RSDS' && b.length >= 24) {
    const g = b.subarray(4, 20);
    const guid = `${hex(g.readUInt32LE(0), 8)}-${hex(g.readUInt16LE(4), 4)}-${hex(g.readUInt16LE(6), 4)}-${g.subarray(8, 10).toString('hex')}-${g.subarray(10, 16).toString('hex')}`;
    return { DebugSig: sig, DebugGUID: guid.toUpperCase(), DebugAge: b.readUInt32LE(20), DebugPDB: upToNul(b.subarray(24)) };
  }
  if (sig === 'NB10' && b.length >= 16) {
    return { DebugSig: sig, DebugAge: b.readUInt32LE(12), DebugPDB: upToNul(b.subarray(16)) };
  }
  return {};
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

function upToNul(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.toString('utf8', 0, nul === -1 ? b.length : nul);
}

/** `YYYY-MM-DD HH:MM:SS` in UTC (upstream used the host's local time; UTC is the same everywhere). */
export function utcString(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace('T', ' ').slice(0, 19);
}
