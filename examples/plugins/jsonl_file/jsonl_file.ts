import { appendFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConnectorPlugin, type StoqResponse } from 'rxstoq';

/** An example connector: one compact JSON line per response, appended to `path`. */
export class JsonlFile extends ConnectorPlugin {
  async save(response: StoqResponse): Promise<void> {
    await appendFile(resolve(this.optionString('path', 'results.jsonl')), `${JSON.stringify(response)}\n`);
  }
}
