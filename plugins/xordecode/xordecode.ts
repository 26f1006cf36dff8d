import { ExtractedPayload, PayloadMeta, WorkerPlugin, WorkerResponse, type Payload } from 'rxstoq';
import { findXorKey, parseXorKey, xorWithKey } from './xor-key.js';

/**
 * XOR-decodes the payload with the `xorkey` a dispatcher put in its meta (any dispatcher, any
 * depth) and extracts the result. Upstream silently returned nothing without a key; here that
 * is an error, since the plugin was asked to run and could not.
 */
export class XorDecodePlugin extends WorkerPlugin {
  /** Its answer depends on the key a dispatcher chose for this payload, not on the content alone. */
  static override cacheable = false;
  scan(payload: Payload): WorkerResponse {
    const raw = findXorKey(payload.dispatch_meta);
    if (raw === undefined) {
      throw new Error('no XOR key found: no dispatcher put an "xorkey" in its meta for this payload');
    }
    const xorkey = parseXorKey(raw);
    // Upstream also recorded the key on the encoded payload itself.
    payload.payload_meta.extra_data['xorkey'] = xorkey;
    const decoded = xorWithKey(payload.content, xorkey);
    return new WorkerResponse({ extracted: [new ExtractedPayload(decoded, new PayloadMeta({ extra_data: { xorkey } }))] });
  }
}
