import { fileURLToPath } from 'node:url';

/**
 * The bundled plugins folder: `dist/plugins` when running the build, `plugins/` when the
 * TypeScript sources run directly (tests). Both sit two levels above this file.
 */
export const BUNDLED_PLUGIN_DIR = fileURLToPath(new URL('../../plugins/', import.meta.url)).replace(/\/$/, '');

/** The bundled plugins' source folder in a checkout (it is the same as above when running from source). */
export const BUNDLED_SOURCE_DIR = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../../plugins/' : '../../../plugins/', import.meta.url)).replace(
  /\/$/,
  '',
);

/** Whether modules written in TypeScript can be imported (true under a TS-aware runner). */
export const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');
