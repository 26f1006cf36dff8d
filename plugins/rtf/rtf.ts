import { ExtractedPayload, PayloadMeta, StoqError, WorkerPlugin, WorkerResponse, z, type Payload } from 'rxstoq';
import { describeObject, type RtfObjectResult } from './describe-object.js';
import { scanRtf, type Picture } from './scan-rtf.js';
import type { TrickSeen } from './tricks.js';

const OptionsSchema = z.object({
  /** Objects (and, separately, pictures) reported at most. */
  max_objects: z.number().int().positive().default(256),
  /** Bytes decoded from object hex and `\bin` data at most, over all objects of one payload. */
  max_hex_bytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024),
  /** Groups nested at most; deeper, the rest of the document is not read. */
  max_group_depth: z.number().int().positive().default(10_000),
});

export interface RtfResult {
  objects: RtfObjectResult[];
  pictures: { count: number; items: Picture[] };
  obfuscation: TrickSeen[];
}

/**
 * Embedded objects in RTF documents, found as oletools' rtfobj finds them (the same tolerant,
 * non-recursive walk over groups, destinations, hex, `\bin` and `\'hh`), with their OLE1
 * header, the file inside an OLE1 Package, the root CLSID of an embedded OLE2 file, flags for
 * classes and CLSIDs known from exploits, `\pict` pictures counted apart, and the obfuscation
 * seen on the way. Each object's content is extracted: a Package's file, an OLE object's native
 * data (an OLE2 file the dispatcher routes on), or the raw decoded bytes.
 */
export class RtfPlugin extends WorkerPlugin<typeof OptionsSchema> {
  static override optionsSchema = OptionsSchema;

  scan(payload: Payload): WorkerResponse {
    const scan = scanRtf(payload.content, this.options);
    const objects: RtfObjectResult[] = [];
    const extracted: ExtractedPayload[] = [];
    scan.objects.forEach((raw, index) => {
      const { result, payload: bytes } = describeObject(raw, index);
      objects.push(result);
      if (!bytes) return;
      const extra_data: Record<string, unknown> = { index, class_name: result.class_name, extracted_as: result.extracted_as };
      if (result.is_package) Object.assign(extra_data, { filename: result.filename, src_path: result.src_path, temp_path: result.temp_path });
      extracted.push(new ExtractedPayload(bytes.slice(), new PayloadMeta({ extra_data })));
    });
    const results: RtfResult = {
      objects,
      pictures: { count: scan.picture_count, items: scan.pictures },
      obfuscation: scan.tricks.list(),
    };
    const errors = scan.problems.map((p) => new StoqError(`rtf: ${p}`, this.plugin_name, payload.payload_id));
    return new WorkerResponse({ results, extracted, errors });
  }
}
