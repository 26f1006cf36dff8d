import { ExtractedPayload, PayloadMeta, StoqError, WorkerPlugin, WorkerResponse, z, type Payload } from 'rxstoq';
import { CfbFile, type CfbEntry } from './cfb-reader.js';
import { detectEncryption } from './encryption.js';
import { parseOle10Native } from './ole10native.js';
import { DOC_SUMMARY_NAMES, parsePropertySetStream, SUMMARY_NAMES } from './property-set.js';
import type { OleEntry, OleResult } from './ole-result.js';

const OptionsSchema = z.object({
  /** Extract every stream as a payload (listing and properties are reported either way). */
  extract_streams: z.boolean().default(true),
  /** Streams extracted at most; the rest are listed only. */
  max_streams: z.number().int().positive().default(1000),
  /** Largest stream extracted, in bytes; bigger ones are listed only. */
  max_stream_size: z.number().int().positive().default(50_000_000),
  /** Bytes extracted from one file at most, all streams together. */
  max_total_size: z.number().int().positive().default(250_000_000),
  /** Directory entries read at most. */
  max_entries: z.number().int().positive().default(65_536),
  /** Storages nested at most (up to 1000: the tree walk recurses once per level). */
  max_depth: z.number().int().positive().max(1000).default(64),
});

/** Problems reported one by one at most; the rest are counted in one more error. */
const MAX_ERRORS = 20;
/** Property set streams read at most this many bytes. */
const MAX_PROPERTY_STREAM = 1 << 20;

/**
 * OLE2 / Compound File Binary files ([MS-CFB]): Word, Excel and PowerPoint binaries, Outlook
 * messages, MSI, embedded objects. Lists every storage and stream (path, size, CLSID, times),
 * decodes the SummaryInformation and DocumentSummaryInformation property sets, recognises
 * encryption, and extracts every stream (an Ole10Native package as the file it wraps).
 */
export class OlePlugin extends WorkerPlugin<typeof OptionsSchema> {
  static override optionsSchema = OptionsSchema;

  scan(payload: Payload): WorkerResponse {
    const problems: string[] = [];
    let cfb: CfbFile;
    try {
      cfb = CfbFile.open(payload.content, { maxEntries: this.options.max_entries, maxDepth: this.options.max_depth });
    } catch (e) {
      return new WorkerResponse({ results: {}, errors: [this.#error(payload, `not a readable OLE2 file: ${(e as Error).message}`)] });
    }
    const read = (entry: CfbEntry, max: number) => {
      const { data, short } = cfb.read(entry, max);
      if (short) problems.push(`stream ${JSON.stringify(entry.path)} declares ${entry.size} bytes, its sectors hold ${data.length}`);
      return data;
    };
    const streams = cfb.entries.filter((e) => e.type === 'stream');
    const top = new Map(streams.filter((e) => !e.path.includes('/')).map((e) => [e.name, e]));
    const properties = (name: string, names: Record<number, string>, totalEditId?: number) => {
      const entry = top.get(name);
      if (!entry) return null;
      const set = parsePropertySetStream(read(entry, MAX_PROPERTY_STREAM), names, totalEditId);
      problems.push(...set.problems.map((p) => `${name.slice(1)}: ${p}`));
      return set;
    };
    const summary = properties('\x05SummaryInformation', SUMMARY_NAMES, 10);
    const docSummary = properties('\x05DocumentSummaryInformation', DOC_SUMMARY_NAMES);
    const encryption = detectEncryption(cfb, (e, max) => read(e, max));

    const { extracted, ole10native } = this.#extract(streams, read, problems);
    const root = cfb.root;
    const results: OleResult = {
      major_version: cfb.header.major_version,
      minor_version: cfb.header.minor_version,
      sector_size: cfb.header.sector_size,
      root: root ? { name: root.name, clsid: root.clsid, created: root.created, modified: root.modified } : null,
      stream_count: streams.length,
      storage_count: cfb.entries.length - streams.length,
      entries: cfb.entries.map(
        (e): OleEntry => ({ path: e.path, type: e.type as 'storage' | 'stream', size: e.size, clsid: e.clsid, created: e.created, modified: e.modified }),
      ),
      summary_information: summary?.properties ?? null,
      document_summary_information: docSummary?.properties ?? null,
      user_defined_properties: docSummary?.user_defined ?? null,
      encryption,
      ole10native,
    };
    const all = [...cfb.problems, ...problems];
    const errors = all.slice(0, MAX_ERRORS).map((p) => this.#error(payload, p));
    if (all.length > MAX_ERRORS) errors.push(this.#error(payload, `${all.length - MAX_ERRORS} more problems not listed`));
    return new WorkerResponse({ results, extracted, errors });
  }

  #extract(streams: CfbEntry[], read: (e: CfbEntry, max: number) => Uint8Array, problems: string[]) {
    const { extract_streams, max_streams, max_stream_size, max_total_size } = this.options;
    const extracted: ExtractedPayload[] = [];
    const ole10native: OleResult['ole10native'] = [];
    let total = 0;
    let skippedCount = 0;
    for (const [index, entry] of streams.entries()) {
      const isNative = entry.name === '\x01Ole10Native';
      if (!extract_streams && !isNative) continue;
      if (extracted.length >= max_streams) {
        skippedCount++;
        continue;
      }
      if (entry.size > max_stream_size) {
        problems.push(`stream ${JSON.stringify(entry.path)} is ${entry.size} bytes, over max_stream_size (${max_stream_size}); not extracted`);
        continue;
      }
      if (total + entry.size > max_total_size) {
        problems.push(`stream ${JSON.stringify(entry.path)} (${entry.size} bytes) would pass max_total_size (${max_total_size}); not extracted`);
        continue;
      }
      const data = read(entry, entry.size);
      total += data.length;
      const meta = { index, name: entry.name, path: entry.path };
      if (isNative) {
        const { native, problem } = parseOle10Native(data);
        if (problem) problems.push(`${entry.path}: ${problem}`);
        if (native) {
          ole10native.push({ path: entry.path, label: native.label, source_path: native.source_path, temp_path: native.temp_path, size: native.size });
          extracted.push(
            new ExtractedPayload(native.data.slice(), new PayloadMeta({ extra_data: { ...meta, filename: native.label, source_path: native.source_path } })),
          );
          continue;
        }
        if (!extract_streams) continue;
      }
      extracted.push(new ExtractedPayload(data, new PayloadMeta({ extra_data: meta })));
    }
    if (skippedCount > 0) problems.push(`${skippedCount} streams past max_streams (${max_streams}) not extracted`);
    return { extracted, ole10native };
  }

  #error(payload: Payload, message: string): StoqError {
    return new StoqError(`ole: ${message}`, this.plugin_name, payload.payload_id);
  }
}
