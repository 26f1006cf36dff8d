import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { StoqException } from '../exceptions.js';
import { formatZodIssues } from '../plugin/manifest.js';
import { ConfigFileSchema, type ConfigFile } from './config-schema.js';

export const CONFIG_FILE_NAME = 'stoq.yaml';

/** Read and validate a config file; absent → empty config. One clear message when it is bad. */
export function loadConfig(file: string, { mustExist = false } = {}): ConfigFile {
  if (!existsSync(file)) {
    if (mustExist) throw new StoqException(`Config file ${file} does not exist`);
    return { core: {} } as ConfigFile;
  }
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new StoqException(`Invalid config file ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = ConfigFileSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new StoqException(`Invalid config file ${file}: ${formatZodIssues(parsed.error)}`);
  return parsed.data as ConfigFile;
}
