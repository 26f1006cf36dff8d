import { join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseRateLimit } from '../../operators/index.js';
import { CONFIG_FILE_NAME } from '../config/load-config.js';
import { normaliseLevel } from '../log/logger.js';
import { RequestMeta } from '../model/request-meta.js';
import { Stoq, type StoqOptions } from '../stoq.js';
import { useCliLog } from './cli-log.js';
import { parseKeyValues, parsePluginOpts, positiveInt, splitNames } from './parse-values.js';
import { CliError } from './cli-error.js';
import { stoqHome } from './stoq-home.js';

/** Flags `scan` and `run` share, as parsed by commander. */
export interface CommonFlags {
  alwaysDispatch?: string[];
  startDispatch?: string[];
  dispatchers?: string[];
  connectors?: string[];
  decorators?: string[];
  destArchivers?: string[];
  sourceArchivers?: string[];
  pluginOpts?: string[];
  requestSource?: string;
  requestExtra?: string[];
  pluginDir?: string[];
  configFile?: string;
  logLevel?: string;
  maxRecursion?: string;
  metricsPort?: string;
  metricsHost?: string;
  poolSize?: string;
  ratelimit?: string;
  /** `--cache BYTES` (a string), or false with `--no-cache`. */
  cache?: string | false;
  cacheRedis?: string;
  /** false with --no-default-profile: no default profile (src/cli/default-profile.ts). */
  defaultProfile?: boolean;
}

/** A flag value commander rejects as a usage error (exit 2), with the check's own message. */
const checked =
  (check: (raw: string) => unknown) =>
  (raw: string): string => {
    try {
      check(raw);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
    return raw;
  };

/** `--log-level`: pino's names and upstream's (WARNING, CRITICAL), any case, as in config files. */
export const logLevelOption = () =>
  new Option('--log-level <level>', 'log level: trace, debug, info, warning, error, critical or silent (any case)').argParser(checked(normaliseLevel));

export function addCommonOptions(cmd: Command): Command {
  return cmd
    .option('-a, --always-dispatch <workers...>', 'workers to run on every payload')
    .option('-s, --start-dispatch <workers...>', 'workers to run on the initial payload(s)')
    .option('-R, --dispatchers <plugins...>', 'dispatcher plugins')
    .option(
      '--no-default-profile',
      'scan with exactly the plugins given (otherwise no -a/-s/-R, and none in the config, means the default profile: -a hash -R yara)',
    )
    .option('-C, --connectors <plugins...>', 'connector plugins (results go there instead of stdout)')
    .option('-D, --decorators <plugins...>', 'decorator plugins')
    .option('-A, --dest-archivers <plugins...>', 'destination archiver plugins')
    .option('-S, --source-archivers <plugins...>', 'source archiver plugins')
    .option('--plugin-opts <plugin:opt=value...>', 'plugin options (values take the type the plugin declares)')
    .option('--request-source <source>', 'RequestMeta.source')
    .option('--request-extra <key=value...>', 'RequestMeta.extra_data entries')
    .option('--plugin-dir <dirs...>', 'plugin directories (replace the configured list)')
    .option('--config-file <path>', `config file (default $STOQ_HOME/${CONFIG_FILE_NAME})`)
    .addOption(logLevelOption())
    .option('--max-recursion <n>', 'maximum extraction depth')
    .option('--metrics-port <port>', 'serve Prometheus metrics at http://HOST:PORT/metrics while running')
    .option('--metrics-host <host>', 'address for --metrics-port (default 127.0.0.1; 0.0.0.0 for all)')
    .option('--pool-size <n>', 'worker threads for CPU-bound plugin work (default: one per core)')
    .option('--cache <bytes>', 'reuse worker answers for content scanned before: an in-memory result cache of BYTES (e.g. 268435456)')
    .option('--cache-redis <url>', 'a Redis shared by a fleet as the result cache (redis://host:port/db); with or without --cache')
    .option('--no-cache', 'no result cache, whatever the config file says')
    .addOption(new Option('--ratelimit <N/S>', 'at most N scans per S seconds, e.g. 10/1 (upstream ratelimit=)').argParser(checked(parseRateLimit)));
}

/** Stoq constructor options from the shared flags. */
export function stoqOptionsFrom(flags: CommonFlags): StoqOptions {
  const home = stoqHome();
  return {
    baseDir: home,
    configFile: flags.configFile,
    logLevel: flags.logLevel,
    prettyLogs: process.stderr.isTTY === true,
    pluginOpts: parsePluginOpts(flags.pluginOpts),
    pluginDirList: flags.pluginDir,
    alwaysDispatch: splitNames(flags.alwaysDispatch),
    dispatchers: splitNames(flags.dispatchers),
    connectors: splitNames(flags.connectors),
    decorators: splitNames(flags.decorators),
    destArchivers: splitNames(flags.destArchivers),
    sourceArchivers: splitNames(flags.sourceArchivers),
    maxRecursion: flags.maxRecursion === undefined ? undefined : positiveInt(flags.maxRecursion, '--max-recursion'),
    metricsPort: flags.metricsPort === undefined ? undefined : port(flags.metricsPort),
    metricsHost: flags.metricsHost,
    poolSize: flags.poolSize === undefined ? undefined : atLeastOne(positiveInt(flags.poolSize, '--pool-size'), '--pool-size'),
    ratelimit: flags.ratelimit,
    resultCache: resultCacheFrom(flags),
  };
}

function resultCacheFrom(flags: CommonFlags): StoqOptions['resultCache'] {
  if (flags.cache === false) return false;
  if (flags.cache === undefined && flags.cacheRedis === undefined) return undefined;
  return { maxBytes: flags.cache === undefined ? undefined : atLeastOne(positiveInt(flags.cache, '--cache'), '--cache'), redisUrl: flags.cacheRedis };
}

/** The command's Stoq. From here on the CLI's own log lines (process warnings) use its logger. */
export function cliStoq(options: StoqOptions): Stoq {
  const stoq = new Stoq(options);
  useCliLog(stoq.log);
  return stoq;
}

/** Once ready: where the metrics endpoint listens (the real port when 0 asked for any free one). */
export function announceMetrics(stoq: Stoq): void {
  const server = stoq.metricsServer;
  if (!server) return;
  const host = server.host.includes(':') ? `[${server.host}]` : server.host;
  stoq.log.info({ metrics_host: server.host, metrics_port: server.port }, `metrics at http://${host}:${server.port}/metrics`);
}

function port(raw: string): number {
  const n = positiveInt(raw, '--metrics-port');
  if (n > 65535) throw new CliError(`--metrics-port expects a port number (0-65535), got "${raw}"`);
  return n;
}

function atLeastOne(n: number, flag: string): number {
  if (n < 1) throw new CliError(`${flag} must be at least 1`);
  return n;
}

export function requestMetaFrom(flags: CommonFlags): RequestMeta {
  return new RequestMeta({ source: flags.requestSource ?? null, extra_data: parseKeyValues(flags.requestExtra) });
}

export const defaultConfigPath = () => join(stoqHome(), CONFIG_FILE_NAME);
