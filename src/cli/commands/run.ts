import { Command, InvalidArgumentError, Option } from 'commander';
import { CliError } from '../cli-error.js';
import { addCommonOptions, announceMetrics, cliStoq, requestMetaFrom, stoqOptionsFrom, type CommonFlags } from '../common-options.js';
import { readyWithProfile, withDefaultProfile } from '../default-profile.js';
import { splitNames } from '../parse-values.js';
import { stdoutClosed } from '../stdout-closed.js';

interface RunFlags extends CommonFlags {
  providers?: string[];
  grace: number;
}

/** `--grace`: seconds, fractions allowed; anything else is a usage error naming the flag and value. */
function graceSeconds(raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`--grace expects a number of seconds >= 0, got "${raw}"`);
  return n;
}

export function runCommand(): Command {
  const cmd = new Command('run')
    .description('consume providers until they finish or SIGINT/SIGTERM; results go to connectors')
    .option('-P, --providers <plugins...>', 'provider plugins')
    .addOption(
      new Option('--grace <seconds>', 'on SIGINT/SIGTERM, how long in-flight scans may finish before they are cancelled').argParser(graceSeconds).default(30),
    );
  return addCommonOptions(cmd).action(async (flags: RunFlags) => {
    // The same default profile as `scan`: a provider's items are analysed unless told otherwise.
    const profiled = withDefaultProfile(flags);
    const build = (chosen: CommonFlags) => cliStoq({ ...stoqOptionsFrom(chosen), providers: splitNames(flags.providers) });
    let stoq = build(profiled.flags);
    const stop = new AbortController();
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        process.stderr.write(`stoq: second ${sig}, exiting now\n`);
        process.exit(130);
      }
      stoq.log.info({ signal: sig }, 'stopping: no new input, finishing scans in flight');
      stop.abort(new Error(`received ${sig}`));
    };
    // `stoq run -C stdout | head -1`: once the reader has gone, stop as on a signal.
    const onStdoutClosed = () => {
      stoq.log.info('stopping: stdout was closed by its reader');
      stop.abort(stdoutClosed.reason);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    if (stdoutClosed.aborted) onStdoutClosed();
    else stdoutClosed.addEventListener('abort', onStdoutClosed, { once: true });
    try {
      stoq = (await readyWithProfile(stoq, profiled, build)).stoq;
      announceMetrics(stoq);
      if (stoq.loadedProviders.size === 0) throw new CliError('No activated provider plugins: give -P/--providers or set core.providers in the config');
      const summary = await stoq.run({
        requestMeta: requestMetaFrom(flags),
        addStartDispatch: splitNames(flags.startDispatch),
        signal: stop.signal,
        graceSeconds: flags.grace,
      });
      stoq.log.info({ items: summary.items, responses: summary.responses, failures: summary.failures.length }, 'run finished');
    } finally {
      await stoq.close();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      stdoutClosed.removeEventListener('abort', onStdoutClosed);
    }
  });
}
