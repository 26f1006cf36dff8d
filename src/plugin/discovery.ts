import { type Dirent, existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Logger } from '../log/logger.js';
import { RUNNING_FROM_SOURCE } from './bundled.js';
import { MANIFEST_SUFFIXES, readManifest, type Manifest } from './manifest.js';

/** Where a plugin came from: shipped with rxstoq, an installed plugin package, or a plugin folder. */
export type PluginSource = { kind: 'bundled' } | { kind: 'package'; package: string; version: string } | { kind: 'folder'; dir: string };

/** A folder searched for manifests, and what to call the plugins found in it. */
export interface PluginRoot {
  dir: string;
  source: PluginSource;
}

export interface PluginInfo {
  name: string;
  manifest: Manifest;
  manifestPath: string;
  modulePath: string;
  pluginDir: string;
  source: PluginSource;
}

// TypeScript modules only load under a TS-aware runner (vitest, tsx); built code never picks them.
const MODULE_EXTENSIONS = RUNNING_FROM_SOURCE ? ['.js', '.mjs', '.ts'] : ['.js', '.mjs'];
// Test fixtures inside a plugin folder (plugins/x/fixtures) hold sample data and test-only plugins.
const SKIP_DIRS = new Set(['node_modules', '.git', 'fixtures']);

/** `path` is `dir` itself or somewhere below it (`/x/plugins2` is not inside `/x/plugins`). */
function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function* walk(dir: string): Generator<string> {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  // Sorted, so which of two same-named plugins in one tree wins never depends on the file system.
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) yield* walk(full);
    } else if (e.isFile() && MANIFEST_SUFFIXES.some((s) => e.name.endsWith(s))) {
      yield full;
    }
  }
}

export function findModule(pluginDir: string, module: string): string | undefined {
  const direct = join(pluginDir, module);
  if (MODULE_EXTENSIONS.some((ext) => module.endsWith(ext)) && existsSync(direct)) return direct;
  for (const ext of MODULE_EXTENSIONS) {
    if (existsSync(direct + ext)) return direct + ext;
  }
  return undefined;
}

/**
 * Index every plugin manifest under the roots' folders (recursively). Later roots override earlier ones;
 * nothing is imported here. Bad manifests and missing modules are skipped with a warning that
 * names the file; `skipped` (when given) gets that reason under the manifest's file name stem,
 * so asking for the plugin later can say why it is not there.
 */
export function discoverPlugins(roots: PluginRoot[], log: Logger, skipped?: Map<string, string>): Map<string, PluginInfo> {
  const found = new Map<string, PluginInfo>();
  for (const root of roots) {
    const dir = resolve(root.dir.trim());
    let isDir = false;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) {
      log.warn({ dir }, `Invalid plugin directory specified, skipping: ${dir}`);
      continue;
    }
    for (const manifestPath of walk(dir)) {
      let manifest: Manifest;
      try {
        manifest = readManifest(manifestPath);
      } catch (err) {
        log.warn({ file: manifestPath }, `Error parsing plugin manifest, skipping: ${(err as Error).message}`);
        const stem = MANIFEST_SUFFIXES.reduce((n, suffix) => (n.endsWith(suffix) ? n.slice(0, -suffix.length) : n), basename(manifestPath));
        skipped?.set(stem, (err as Error).message);
        continue;
      }
      const pluginDir = dirname(manifestPath);
      const modulePath = findModule(pluginDir, manifest.module);
      if (!modulePath) {
        log.warn({ file: manifestPath }, `Unable to find module "${manifest.module}" (${MODULE_EXTENSIONS.join(', ')}) next to ${manifestPath}, skipping`);
        continue;
      }
      const previous = found.get(manifest.name);
      // Twice in this root warns; a root overriding an earlier one does not (the same manifest
      // reached again through nested roots is not a second definition either).
      if (previous && previous.manifestPath !== manifestPath && isInside(dir, previous.pluginDir)) {
        log.warn({ plugin: manifest.name }, `Plugin ${manifest.name} is defined twice in ${dir}; using ${manifestPath}`);
      }
      found.set(manifest.name, { name: manifest.name, manifest, manifestPath, modulePath, pluginDir, source: root.source });
    }
  }
  return found;
}
