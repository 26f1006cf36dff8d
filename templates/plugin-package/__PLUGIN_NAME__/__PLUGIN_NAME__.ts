import { WorkerPlugin, WorkerResponse, z, type Payload } from 'rxstoq';

/**
 * The plugin's options and their defaults, written once. rxstoq types and checks what is
 * configured (stoq.yaml, environment, `--plugin-opts`) against it when the plugin loads:
 * `--plugin-opts __PLUGIN_NAME__:max_bytes=4096` arrives as the number 4096, and `max_bytes=abc`
 * is refused with a message naming the option. `z` is rxstoq's own zod: no zod dependency needed.
 */
const Options = z.object({
  /** Count lines and printable bytes in the first `max_bytes` bytes only; 0: the whole payload. */
  max_bytes: z.number().int().nonnegative().default(0),
});

/** Bytes that read as text: printable ASCII, tab, line feed and carriage return. */
function isPrintable(byte: number): boolean {
  return (byte >= 0x20 && byte < 0x7f) || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/**
 * A worker: rxstoq calls scan() for every payload it is dispatched (`-a __PLUGIN_NAME__` on the
 * command line). It reports the payload's size, how many lines it has and which share of its
 * bytes is printable text. Replace the body with your own analysis; whatever `results` holds
 * appears under `workers.__PLUGIN_NAME__` in the response.
 *
 * The type argument types `this.options` from the schema (`this.options.max_bytes` is a number);
 * the static `optionsSchema` is what rxstoq validates with.
 */
export class __CLASS_NAME__ extends WorkerPlugin<typeof Options> {
  static override optionsSchema = Options;

  scan(payload: Payload): WorkerResponse {
    const size = payload.content.byteLength;
    const limit = this.options.max_bytes;
    const bytes = limit > 0 && limit < size ? payload.content.subarray(0, limit) : payload.content;
    let lines = 0;
    let printable = 0;
    for (const byte of bytes) {
      if (byte === 0x0a) lines++;
      if (isPrintable(byte)) printable++;
    }
    const counted = bytes.byteLength;
    return new WorkerResponse({ results: { size, lines, printable_ratio: counted === 0 ? 0 : printable / counted } });
  }
}
