import { PayloadMeta } from './payload-meta.js';
import type { Content } from './payload.js';

/** Content a worker carved out of a payload; the core turns it into a new `Payload`. */
export class ExtractedPayload {
  content: Content;
  payload_meta: PayloadMeta;

  constructor(content: Content, payloadMeta?: PayloadMeta) {
    this.content = content;
    this.payload_meta = payloadMeta ?? new PayloadMeta();
  }
}
