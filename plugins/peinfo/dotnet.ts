import { DIR, type PeImage } from './pe-image.js';

export interface DotnetInfo {
  /** CLR header runtime version, `major.minor`. */
  runtime_version: string;
  /** The metadata root's version string, e.g. `v4.0.30319`. */
  metadata_version: string;
  flags: number;
  assembly?: { name: string; version: string; culture: string };
}

class MetadataError extends Error {}

type Column = number | ((s: Sizes) => number);
interface Sizes {
  string: number;
  guid: number;
  blob: number;
  rows: number[];
}

// Tables (ECMA-335 II.22) before Assembly (0x20), each as its column widths: numbers are fixed
// widths, functions heap or table indexes whose width depends on the file.
const str: Column = (s) => s.string;
const guid: Column = (s) => s.guid;
const blob: Column = (s) => s.blob;
const table =
  (t: number): Column =>
  (s) =>
    (s.rows[t] ?? 0) < 0x10000 ? 2 : 4;
const coded =
  (bits: number, tables: number[]): Column =>
  (s) =>
    Math.max(0, ...tables.map((t) => s.rows[t] ?? 0)) < 1 << (16 - bits) ? 2 : 4;
const TypeDefOrRef = coded(2, [0x02, 0x01, 0x1b]);
const HasConstant = coded(2, [0x04, 0x08, 0x17]);
const HasCustomAttribute = coded(
  5,
  [0x06, 0x04, 0x01, 0x02, 0x08, 0x09, 0x0a, 0x00, 0x0e, 0x17, 0x14, 0x11, 0x1a, 0x1b, 0x20, 0x23, 0x26, 0x27, 0x28, 0x2a, 0x2c, 0x2b],
);
const HasFieldMarshal = coded(1, [0x04, 0x08]);
const HasDeclSecurity = coded(2, [0x02, 0x06, 0x20]);
const MemberRefParent = coded(3, [0x02, 0x01, 0x1a, 0x06, 0x1b]);
const HasSemantics = coded(1, [0x14, 0x17]);
const MethodDefOrRef = coded(1, [0x06, 0x0a]);
const MemberForwarded = coded(1, [0x04, 0x06]);
const CustomAttributeType = coded(3, [0x06, 0x0a]);
const ResolutionScope = coded(2, [0x00, 0x1a, 0x23, 0x01]);

const TABLES_BEFORE_ASSEMBLY: Column[][] = [
  [2, str, guid, guid, guid], // 0x00 Module
  [ResolutionScope, str, str], // 0x01 TypeRef
  [4, str, str, TypeDefOrRef, table(0x04), table(0x06)], // 0x02 TypeDef
  [table(0x04)], // 0x03 FieldPtr
  [2, str, blob], // 0x04 Field
  [table(0x06)], // 0x05 MethodPtr
  [4, 2, 2, str, blob, table(0x08)], // 0x06 MethodDef
  [table(0x08)], // 0x07 ParamPtr
  [2, 2, str], // 0x08 Param
  [table(0x02), TypeDefOrRef], // 0x09 InterfaceImpl
  [MemberRefParent, str, blob], // 0x0a MemberRef
  [2, HasConstant, blob], // 0x0b Constant
  [HasCustomAttribute, CustomAttributeType, blob], // 0x0c CustomAttribute
  [HasFieldMarshal, blob], // 0x0d FieldMarshal
  [2, HasDeclSecurity, blob], // 0x0e DeclSecurity
  [2, 4, table(0x02)], // 0x0f ClassLayout
  [4, table(0x04)], // 0x10 FieldLayout
  [blob], // 0x11 StandAloneSig
  [table(0x02), table(0x14)], // 0x12 EventMap
  [table(0x14)], // 0x13 EventPtr
  [2, str, TypeDefOrRef], // 0x14 Event
  [table(0x02), table(0x17)], // 0x15 PropertyMap
  [table(0x17)], // 0x16 PropertyPtr
  [2, str, blob], // 0x17 Property
  [2, table(0x06), HasSemantics], // 0x18 MethodSemantics
  [table(0x02), MethodDefOrRef, MethodDefOrRef], // 0x19 MethodImpl
  [str], // 0x1a ModuleRef
  [blob], // 0x1b TypeSpec
  [2, MemberForwarded, str, table(0x1a)], // 0x1c ImplMap
  [4, table(0x04)], // 0x1d FieldRVA
  [4, 4], // 0x1e EncLog
  [4], // 0x1f EncMap
];
const ASSEMBLY = 0x20;

/**
 * The CLR header and, from the metadata tables, the Assembly row's name, version and culture.
 * Undefined for a PE without a CLR header; a header or stream that cannot be read is a warning.
 */
export function readDotnet(pe: PeImage, warn: (m: string) => void): DotnetInfo | undefined {
  const dir = pe.directory(DIR.CLR);
  if (!dir) return undefined;
  try {
    return parse(pe);
  } catch (e) {
    if (!(e instanceof MetadataError)) throw e;
    warn(`.NET metadata: ${e.message}`);
    return undefined;
  }
}

function parse(pe: PeImage): DotnetInfo {
  const dir = pe.directory(DIR.CLR)!;
  const cor = pe.bytesAt(dir.rva, 72);
  if (!cor || cor.length < 24) throw new MetadataError(`the CLR header at RVA 0x${dir.rva.toString(16)} is outside the data`);
  const info: DotnetInfo = {
    runtime_version: `${cor.readUInt16LE(4)}.${cor.readUInt16LE(6)}`,
    metadata_version: '',
    flags: cor.readUInt32LE(16),
  };
  const mdRva = cor.readUInt32LE(8);
  const mdSize = cor.readUInt32LE(12);
  const md = pe.bytesAt(mdRva, mdSize);
  if (!md || md.length < 20 || md.readUInt32LE(0) !== 0x424a5342) throw new MetadataError('no metadata root (BSJB signature) where the CLR header points');
  const versionLength = md.readUInt32LE(12);
  if (16 + versionLength + 4 > md.length) throw new MetadataError('the metadata version string runs past the metadata');
  info.metadata_version = upToNul(md.subarray(16, 16 + versionLength));
  let at = 16 + versionLength + 2;
  const streamCount = md.readUInt16LE(at);
  at += 2;
  const streams = new Map<string, Buffer>();
  for (let i = 0; i < Math.min(streamCount, 16); i++) {
    if (at + 8 > md.length) throw new MetadataError('the stream headers run past the metadata');
    const offset = md.readUInt32LE(at);
    const size = md.readUInt32LE(at + 4);
    const nameEnd = md.indexOf(0, at + 8);
    if (nameEnd === -1 || nameEnd - (at + 8) > 32) throw new MetadataError('a stream name is not terminated');
    const name = md.toString('latin1', at + 8, nameEnd);
    at = (nameEnd + 4) & ~3;
    if (offset + size > md.length) throw new MetadataError(`stream ${name} runs past the metadata`);
    streams.set(name, md.subarray(offset, offset + size));
  }
  const tables = streams.get('#~') ?? streams.get('#-');
  const strings = streams.get('#Strings');
  if (!tables || !strings) return info;
  const assembly = assemblyRow(tables);
  if (assembly) {
    const name = stringAt(strings, assembly.name);
    const culture = stringAt(strings, assembly.culture);
    info.assembly = { name, version: assembly.version, culture };
  }
  return info;
}

function assemblyRow(t: Buffer): { name: number; culture: number; version: string } | undefined {
  if (t.length < 24) throw new MetadataError('the #~ stream is truncated');
  const heapSizes = t[6]!;
  const valid = t.readBigUInt64LE(8);
  const rows: number[] = [];
  let at = 24;
  for (let i = 0; i < 64; i++) {
    if ((valid >> BigInt(i)) & 1n) {
      if (at + 4 > t.length) throw new MetadataError('the table row counts run past the #~ stream');
      rows[i] = t.readUInt32LE(at);
      at += 4;
    }
  }
  if (!((valid >> BigInt(ASSEMBLY)) & 1n)) return undefined;
  const sizes: Sizes = { string: heapSizes & 1 ? 4 : 2, guid: heapSizes & 2 ? 4 : 2, blob: heapSizes & 4 ? 4 : 2, rows };
  const width = (c: Column) => (typeof c === 'number' ? c : c(sizes));
  for (let i = 0; i < ASSEMBLY; i++) {
    const count = rows[i] ?? 0;
    at += count * TABLES_BEFORE_ASSEMBLY[i]!.reduce<number>((n, c) => n + width(c), 0);
  }
  const row = 4 + 8 + 4 + sizes.blob;
  if (at + row + 2 * sizes.string > t.length) throw new MetadataError('the Assembly table runs past the #~ stream');
  const read = (o: number) => (sizes.string === 4 ? t.readUInt32LE(o) : t.readUInt16LE(o));
  return {
    version: [4, 6, 8, 10].map((o) => t.readUInt16LE(at + o)).join('.'),
    name: read(at + row),
    culture: read(at + row + sizes.string),
  };
}

function stringAt(heap: Buffer, index: number): string {
  if (index >= heap.length) throw new MetadataError(`string index ${index} is past the #Strings heap`);
  return upToNul(heap.subarray(index, Math.min(heap.length, index + 1024)));
}

function upToNul(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.toString('utf8', 0, nul === -1 ? b.length : nul);
}
