import type { z } from 'zod';
import { StoqException, StoqPluginException, StoqPluginNotFound } from '../exceptions.js';
import type { Logger } from '../log/logger.js';
import { STOQ_API_VERSION } from '../version.js';
import { PLUGIN_BASE, type BasePlugin } from './base-plugin.js';
import { BUNDLED_PLUGIN_DIR, BUNDLED_SOURCE_DIR } from './bundled.js';
import { resolve } from 'node:path';
import { discoverPlugins, type PluginInfo, type PluginRoot, type PluginSource } from './discovery.js';
import { findPluginPackages, nearestProjectDir, stoqHomeDir } from './package-discovery.js';
import { importPluginModule } from './share-rxstoq.js';
import { pluginOptions } from './options.js';
import { ThreadedPlugin, type PluginClassStatics } from '../isolation/threaded-plugin.js';
import type { ThreadMethod } from '../isolation/thread-protocol.js';
import type { PluginConfig } from './plugin-config.js';
import { ROLE_METHODS, playsRole, type Role } from './roles.js';

export interface PluginManagerOptions {
  pluginDirList?: string[];
  /** Per-plugin options, highest precedence. */
  pluginOpts?: Record<string, Record<string, unknown>>;
  /** Per-plugin sections of the config file. */
  configSections?: Record<string, Record<string, unknown>>;
  /** Index the bundled plugins (lowest precedence: any plugin folder overrides them). Default true. */
  includeBundled?: boolean;
  /**
   * Folders whose package.json dependencies are searched for plugin packages, lowest precedence
   * first. Default: `$STOQ_HOME` (or ~/.stoq), then the project around the working directory
   * (the nearest package.json). `[]` turns plugin packages off.
   */
  packageRoots?: string[];
  log: Logger;
  env?: NodeJS.ProcessEnv;
  /** The engine's default per-call timeout in seconds, handed to plugins (`BasePlugin.timeoutSeconds`). */
  pluginTimeout?: number;
}

export interface PluginListing {
  /** Roles the plugin's class plays: 'Worker', 'Dispatcher', ... ('UNKNOWN' if it will not import). */
  classes: string[];
  version: string;
  description: string;
  /** Where it came from: bundled, a plugin package (name and version) or a plugin folder. */
  source: PluginSource;
  /** The folder holding its manifest. */
  pluginDir: string;
}

export type PluginClass = (new (
  config: PluginConfig,
) => BasePlugin) & {
  optionsSchema?: z.ZodType;
};

const ROLE_LABELS: Record<Role, string> = {
  archiver: 'Archiver',
  connector: 'Connector',
  decorator: 'Decorator',
  dispatcher: 'Dispatcher',
  provider: 'Provider',
  worker: 'Worker',
};

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.+-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Plugin classes a module exports: subclasses of the framework's bases that implement a role. */
export function pluginClasses(mod: Record<string, unknown>): PluginClass[] {
  const seen = new Set<unknown>();
  const out: PluginClass[] = [];
  for (const value of Object.values(mod)) {
    if (typeof value !== 'function' || seen.has(value)) continue;
    seen.add(value);
    const cls = value as unknown as Record<symbol, unknown> & { prototype: object };
    if (!cls[PLUGIN_BASE] || Object.hasOwn(cls, PLUGIN_BASE)) continue;
    const implementsRole = Object.values(ROLE_METHODS)
      .flat()
      .some((m) => typeof (cls.prototype as Record<string, unknown>)[m] === 'function');
    if (implementsRole) out.push(value as unknown as PluginClass);
  }
  return out;
}

/** `$STOQ_HOME` (the CLI's home, where `stoq install` puts packages), then the working directory's project. */
function defaultPackageRoots(env: NodeJS.ProcessEnv): string[] {
  const project = nearestProjectDir(process.cwd());
  return [stoqHomeDir(env), ...(project ? [project] : [])];
}

/**
 * Finds plugins (manifests) in the plugin path and loads them on demand, one cached instance
 * per name, shared by every role it plays.
 */
export class PluginManager {
  protected readonly pluginInfo: Map<string, PluginInfo>;
  /** Manifests that could not be read, by file name stem: why each was skipped. */
  protected readonly skippedManifests = new Map<string, string>();
  /** Plugin packages that were skipped, one message each naming the package and what is wrong. */
  readonly packageProblems: string[] = [];
  protected readonly loaded = new Map<string, Promise<BasePlugin>>();
  protected readonly instances = new Map<string, BasePlugin>();
  protected readonly pluginOpts: Record<string, Record<string, unknown>>;
  protected readonly pluginTimeout: number | undefined;
  protected readonly configSections: Record<string, Record<string, unknown>>;
  protected readonly env: NodeJS.ProcessEnv;
  readonly log: Logger;

  constructor(options: PluginManagerOptions) {
    this.log = options.log;
    this.pluginOpts = options.pluginOpts ?? {};
    this.configSections = options.configSections ?? {};
    this.env = options.env ?? process.env;
    this.pluginTimeout = options.pluginTimeout;
    // The checkout's own plugins/ folder is the bundled set (already indexed, or its sources).
    const own = new Set([BUNDLED_PLUGIN_DIR, BUNDLED_SOURCE_DIR]);
    const userDirs = (options.pluginDirList ?? []).filter((d) => !own.has(resolve(d.trim()).replace(/\/$/, '')));
    const projects = options.packageRoots ?? defaultPackageRoots(this.env);
    const { packages } = findPluginPackages(projects, this.packageProblems);
    for (const problem of this.packageProblems) this.log.warn(`Skipping plugin package: ${problem}`);
    // Lowest precedence first: bundled, plugin packages (home, then project), plugin folders.
    const roots: PluginRoot[] = [
      ...(options.includeBundled === false ? [] : [{ dir: BUNDLED_PLUGIN_DIR, source: { kind: 'bundled' } as const }]),
      ...packages.flatMap((p) => p.pluginDirs.map((dir) => ({ dir, source: { kind: 'package', package: p.name, version: p.version } as const }))),
      ...userDirs.map((dir) => ({ dir, source: { kind: 'folder', dir: resolve(dir.trim()) } as const })),
    ];
    this.pluginInfo = discoverPlugins(roots, this.log, this.skippedManifests);
  }

  /** Where a plugin was found, or undefined. */
  pluginDetails(name: string): PluginInfo | undefined {
    return this.pluginInfo.get(name.trim());
  }

  /** Loaded instances, by name. */
  get loadedPlugins(): ReadonlyMap<string, BasePlugin> {
    return this.instances;
  }

  /**
   * Load (once) and return the plugin called `name`. With `role`, also check it can play that
   * role, so a misconfigured name fails at load time with a clear message.
   */
  async loadPlugin(name: string, role?: Role): Promise<BasePlugin> {
    const key = name.trim();
    let pending = this.loaded.get(key);
    if (!pending) {
      pending = this.instantiate(key);
      this.loaded.set(key, pending);
      // Failed loads are not cached: a later call retries (the error may be transient).
      pending.then(
        (p) => this.instances.set(key, p),
        () => this.loaded.delete(key),
      );
    }
    const plugin = await pending;
    if (role && !playsRole(plugin, role)) {
      throw new StoqPluginException(`Plugin "${key}" cannot be used as a ${role}: it implements none of ${ROLE_METHODS[role].map((m) => `${m}()`).join(', ')}`);
    }
    return plugin;
  }

  protected async importClass(info: PluginInfo): Promise<PluginClass> {
    let mod: Record<string, unknown>;
    try {
      mod = await importPluginModule(info.modulePath);
    } catch (err) {
      throw new StoqPluginException(`Plugin "${info.name}": failed to import ${info.modulePath}: ${(err as Error).message}`, { cause: err });
    }
    const classes = pluginClasses(mod);
    if (classes.length === 0) {
      throw new StoqException(`No valid plugin classes found in the module for ${info.name} (${info.modulePath})`);
    }
    if (classes.length > 1) {
      throw new StoqException(
        `Multiple possible plugin classes found in the module for ${info.name}, unable to distinguish which to use (${info.modulePath}: ${classes.map((c) => c.name).join(', ')})`,
      );
    }
    return classes[0]!;
  }

  protected async instantiate(name: string): Promise<BasePlugin> {
    const info = this.pluginInfo.get(name);
    if (!info) {
      const why = this.skippedManifests.get(name);
      throw new StoqPluginNotFound(`The plugin "${name}" is invalid or does not exist in your plugin path${why ? ` (manifest skipped: ${why})` : ''}`);
    }
    const min = info.manifest.min_stoq_version;
    if (min && compareVersions(STOQ_API_VERSION, min) < 0) {
      this.log.warn({ plugin: name, min_stoq_version: min }, `Plugin ${name} not compatible with this version of stoQ. Unpredictable results may occur!`);
    }
    const cls = await this.importClass(info);
    const options = pluginOptions(name, cls.optionsSchema, {
      manifest: info.manifest.options,
      configSection: this.configSections[name],
      env: this.env,
      pluginOpts: this.pluginOpts[name],
    });
    const config = {
      name,
      manifest: info.manifest,
      options,
      pluginDir: info.pluginDir,
      log: this.log.child({ plugin: name }),
      pluginTimeout: this.pluginTimeout,
    };
    const isolation = options['isolation'] ?? info.manifest.isolation;
    const plugin = isolation === 'thread' ? this.threaded(cls, config, info) : new cls(config);
    if (typeof plugin.setup === 'function') {
      try {
        await plugin.setup();
      } catch (err) {
        throw new StoqPluginException(`Plugin "${name}" failed to set up: ${(err as Error).message}`, { cause: err });
      }
    }
    return plugin;
  }

  /** The stand-in for a plugin whose calls run in terminable worker threads. */
  protected threaded(cls: PluginClass, config: PluginConfig, info: PluginInfo): BasePlugin {
    const proto = cls.prototype as Record<string, unknown>;
    const implemented = Object.values(ROLE_METHODS)
      .flat()
      .filter((m) => typeof proto[m] === 'function');
    const unsupported = implemented.filter((m) => m !== 'scan' && m !== 'getDispatches');
    if (unsupported.length > 0) {
      throw new StoqPluginException(
        `Plugin "${info.name}": isolation: thread supports worker and dispatcher calls only, but the class implements ${unsupported.map((m) => `${m}()`).join(', ')}`,
      );
    }
    return new ThreadedPlugin(config, info.modulePath, implemented as ThreadMethod[], this.log.level, cls as PluginClassStatics);
  }

  /** Every discovered plugin with its roles, version and description. */
  async listPlugins(): Promise<Record<string, PluginListing>> {
    const out: Record<string, PluginListing> = {};
    const names = [...this.pluginInfo.keys()].sort();
    for (const name of names) {
      const info = this.pluginInfo.get(name)!;
      let classes: string[];
      try {
        const cls = await this.importClass(info);
        const proto = cls.prototype as Record<string, unknown>;
        classes = (Object.keys(ROLE_METHODS) as Role[]).filter((r) => ROLE_METHODS[r].some((m) => typeof proto[m] === 'function')).map((r) => ROLE_LABELS[r]);
      } catch {
        classes = ['UNKNOWN'];
      }
      out[name] = { classes, version: info.manifest.version, description: info.manifest.description, source: info.source, pluginDir: info.pluginDir };
    }
    return out;
  }

  /** Close every loaded plugin that holds resources. */
  async closePlugins(): Promise<void> {
    const plugins = [...this.instances.values()];
    await Promise.allSettled(plugins.map((p) => p.close?.()));
  }
}
