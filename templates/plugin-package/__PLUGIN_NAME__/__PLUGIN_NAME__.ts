import { WorkerPlugin, WorkerResponse, type Payload } from 'rxstoq';

/** Bytes that read as text: printable ASCII, tab, line feed and carriage return. */
function isPrintable(byte: number): boolean {
  return (byte >= 0x20 && byte < 0x7f) || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/**
 * A worker: rxstoq calls scan() for every payload it is dispatched (`-a __PLUGIN_NAME__` on the
 * command line). It reports the payload's size, how many lines it has and which share of its
 * bytes is printable text. Replace the body with your own analysis; whatever `results` holds
 * appears under `workers.__PLUGIN_NAME__` in the response.
 */
export class __CLASS_NAME__ extends WorkerPlugin {
  scan(payload: Payload): WorkerResponse {
    const bytes = payload.content;
    let lines = 0;
    let printable = 0;
    for (const byte of bytes) {
      if (byte === 0x0a) lines++;
      if (isPrintable(byte)) printable++;
    }
    const size = bytes.byteLength;
    return new WorkerResponse({ results: { size, lines, printable_ratio: size === 0 ? 0 : printable / size } });
  }
}
