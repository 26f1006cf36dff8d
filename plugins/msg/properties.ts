import { ENTRY_STORAGE, ENTRY_STREAM, type CfbEntry, type CfbReader } from './cfb-reader.js';
import type { Decoder } from './text.js';

/** [MS-OXMSG] 2.4: bytes before the first 16-byte entry of a `__properties_version1.0` stream. */
export const HEADER_TOP_LEVEL = 32;
export const HEADER_EMBEDDED = 24;
export const HEADER_RECIPIENT_OR_ATTACHMENT = 8;

export const PT_I2 = 0x0002;
export const PT_LONG = 0x0003;
export const PT_BOOLEAN = 0x000b;
export const PT_I8 = 0x0014;
export const PT_OBJECT = 0x000d;
export const PT_STRING8 = 0x001e;
export const PT_UNICODE = 0x001f;
export const PT_SYSTIME = 0x0040;
export const PT_BINARY = 0x0102;

const UTF16 = new TextDecoder('utf-16le');
const SUBSTG = /^__substg1\.0_([0-9A-F]{4})([0-9A-F]{4})$/i;

interface FixedValue {
  type: number;
  flags: number;
  value: DataView;
}

/**
 * The properties of one message, recipient or attachment storage: fixed-size values from its
 * property stream, variable-size values (strings, binaries, objects) from their own
 * `__substg1.0_IIIITTTT` entries, read only when asked for. As msgconvert does, a substg stream
 * counts even when the property stream does not list it.
 */
export class PropertyStore {
  readonly #fixed = new Map<number, FixedValue>();
  readonly #variable = new Map<number, { type: number; entry: CfbEntry }>();
  /** Sizes the property stream declares for variable properties, checked against their streams. */
  readonly #declared = new Map<number, number>();

  constructor(
    readonly reader: CfbReader,
    readonly storage: CfbEntry,
    headerLength: number,
    readonly problems: string[],
    private readonly decodeAnsi: () => Decoder,
  ) {
    for (const child of storage.children) {
      const m = SUBSTG.exec(child.name);
      if (!m) continue;
      const id = Number.parseInt(m[1]!, 16);
      const type = Number.parseInt(m[2]!, 16);
      // Multi-valued properties (type | 0x1000) keep their values in further streams; not reported.
      if (type & 0x1000) continue;
      const wanted = type === PT_OBJECT ? ENTRY_STORAGE : ENTRY_STREAM;
      if (child.type === wanted || (type === PT_OBJECT && child.type === ENTRY_STREAM)) this.#variable.set(id, { type, entry: child });
    }
    const stream = reader.child(storage, '__properties_version1.0');
    if (!stream) {
      problems.push(`${where(storage)}: no __properties_version1.0 stream`);
      return;
    }
    const bytes = reader.read(stream);
    if (!bytes) return;
    if (bytes.length < headerLength) {
      problems.push(`${where(storage)}: property stream of ${bytes.length} bytes is shorter than its ${headerLength}-byte header`);
      return;
    }
    if ((bytes.length - headerLength) % 16 !== 0) problems.push(`${where(storage)}: property stream ends with a partial entry`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let o = headerLength; o + 16 <= bytes.length; o += 16) {
      const type = view.getUint16(o, true);
      const id = view.getUint16(o + 2, true);
      const flags = view.getUint32(o + 4, true);
      if (isVariable(type)) this.#declared.set(id, view.getUint32(o + 8, true));
      else this.#fixed.set(id, { type, flags, value: new DataView(bytes.buffer, bytes.byteOffset + o + 8, 8) });
    }
  }

  has(id: number): boolean {
    return this.#fixed.has(id) || this.#variable.has(id);
  }

  typeOf(id: number): number | undefined {
    return this.#variable.get(id)?.type ?? this.#fixed.get(id)?.type;
  }

  string(id: number): string | undefined {
    const v = this.#variable.get(id);
    if (!v || (v.type !== PT_UNICODE && v.type !== PT_STRING8)) return undefined;
    const bytes = this.#read(id, v.entry);
    if (!bytes) return undefined;
    const text = v.type === PT_UNICODE ? UTF16.decode(bytes.subarray(0, bytes.length & ~1)) : this.decodeAnsi().decode(bytes);
    return text.replace(/\0+$/, '');
  }

  binary(id: number): Uint8Array | undefined {
    const v = this.#variable.get(id);
    if (!v || v.type === PT_OBJECT || v.entry.type !== ENTRY_STREAM) return undefined;
    return this.#read(id, v.entry);
  }

  /** The storage of a PT_OBJECT property (an embedded message or OLE object). */
  object(id: number): CfbEntry | undefined {
    const v = this.#variable.get(id);
    return v && v.type === PT_OBJECT && v.entry.type === ENTRY_STORAGE ? v.entry : undefined;
  }

  /** Declared size of a variable property's stream, without reading it. */
  size(id: number): number | undefined {
    return this.#variable.get(id)?.entry.size;
  }

  int(id: number): number | undefined {
    const v = this.#fixed.get(id);
    if (!v) return undefined;
    if (v.type === PT_LONG) return v.value.getInt32(0, true);
    if (v.type === PT_I2) return v.value.getInt16(0, true);
    if (v.type === PT_BOOLEAN) return v.value.getUint8(0);
    if (v.type === PT_I8) return Number(v.value.getBigInt64(0, true));
    return undefined;
  }

  /** A PT_SYSTIME as ISO 8601 UTC (FILETIME: 100 ns ticks since 1601), or undefined when out of range. */
  time(id: number): string | undefined {
    const v = this.#fixed.get(id);
    if (!v || v.type !== PT_SYSTIME) return undefined;
    const ticks = v.value.getBigUint64(0, true);
    if (ticks === 0n) return undefined;
    const ms = Number(ticks / 10_000n) - 11_644_473_600_000;
    const date = new Date(ms);
    return Number.isNaN(date.getTime()) || ms < -62_135_596_800_000 || ms > 253_402_300_799_000 ? undefined : date.toISOString();
  }

  #read(id: number, entry: CfbEntry): Uint8Array | undefined {
    const declared = this.#declared.get(id);
    const bytes = this.reader.read(entry);
    // Strings declare their size with the terminator; some writers leave it out. Only a claim
    // larger than the stream by more than a terminator is worth reporting.
    if (bytes && declared !== undefined && declared > bytes.length + 2) {
      this.problems.push(`${where(this.storage)}: property 0x${hex4(id)} declares ${declared} bytes, its stream holds ${bytes.length}`);
    }
    return bytes;
  }
}

function isVariable(type: number): boolean {
  return type === PT_UNICODE || type === PT_STRING8 || type === PT_BINARY || type === PT_OBJECT || type === 0x0048 || (type & 0x1000) !== 0;
}

export function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

export function where(storage: CfbEntry): string {
  return storage.depth === 0 ? 'message' : storage.name;
}
