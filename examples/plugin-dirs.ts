import { fileURLToPath } from 'node:url';

/** The example plugins (line_splitter, jsonl_file, list_provider), next to this file. */
export const EXAMPLE_PLUGIN_DIR = fileURLToPath(new URL('./plugins/', import.meta.url));
/** A second plugin folder whose `hash` overrides the bundled one. */
export const MORE_PLUGIN_DIR = fileURLToPath(new URL('./more-plugins/', import.meta.url));

/** True when this module is the program node was started with (not imported by a test). */
export const isMain = (metaUrl: string) => process.argv[1] !== undefined && fileURLToPath(metaUrl) === process.argv[1];
