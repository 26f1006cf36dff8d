import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, ROOT, STOQ_BIN, stoq } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const fixtures = join(ROOT, 'test/cli/fixtures');
const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
const ESC = '\x1b[';

/**
 * Run the CLI with stderr on a real terminal (util-linux `script` gives it a pseudo-terminal)
 * and stdout in a file, as in `stoq scan FILE > out.json` typed at a prompt.
 */
function withTerminalStderr(args: string[], env: Record<string, string>) {
  const dir = tempDir();
  writeFileSync(join(dir, 'in'), 'x');
  const command = `${[process.execPath, STOQ_BIN, ...args].map(quote).join(' ')} < ${quote(join(dir, 'in'))} > ${quote(join(dir, 'out'))}`;
  const base = cleanEnv();
  delete base['NO_COLOR'];
  delete base['FORCE_COLOR'];
  // Node reports no colour on a terminal when CI is set (CI runs this suite with CI=true).
  delete base['CI'];
  return spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', env: { ...base, TERM: 'xterm-256color', ...env }, cwd: ROOT });
}

describe('stoq logging', () => {
  it('Node process warnings go through the logger, not Node’s own print', () => {
    const out = stoq(['scan', '-', '-a', 'warner', '--plugin-dir', fixtures], { input: 'x' });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stderr).not.toContain('(node:');
    const line = JSON.parse(
      out.stderr
        .trim()
        .split('\n')
        .find((l) => l.includes('STOQ_TEST_WARNING'))!,
    );
    expect(line).toMatchObject({ level: 40, name: 'stoq', warning: { name: 'DeprecationWarning', code: 'STOQ_TEST_WARNING' } });
    expect(line.msg).toBe('DeprecationWarning: warner was asked to scan');
  });

  it('warnings follow --log-level like every other line', () => {
    const out = stoq(['scan', '-', '-a', 'warner', '--plugin-dir', fixtures, '--log-level', 'error'], { input: 'x' });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stderr).toBe('');
  });

  it('pretty lines are coloured when stderr is a terminal, even with stdout in a file', () => {
    const out = withTerminalStderr(['scan', '-', '-a', 'warner', '--plugin-dir', fixtures], {});
    expect(out.status, out.stdout).toBe(0);
    expect(out.stdout).toContain('WARN');
    expect(out.stdout).toContain('DeprecationWarning: warner was asked to scan');
    expect(out.stdout).toContain(ESC);
  });

  it('NO_COLOR turns colour off; the lines stay pretty', () => {
    const out = withTerminalStderr(['scan', '-', '-a', 'warner', '--plugin-dir', fixtures], { NO_COLOR: '1' });
    expect(out.status, out.stdout).toBe(0);
    expect(out.stdout).toContain('WARN (stoq): DeprecationWarning: warner was asked to scan');
    expect(out.stdout).not.toContain(ESC);
  });

  it('--metrics-port 0 logs the address it is bound to', () => {
    const out = stoq(['scan', '-', '-a', 'hash', '--metrics-port', '0'], { input: 'x' });
    expect(out.status, out.stderr).toBe(0);
    const line = JSON.parse(
      out.stderr
        .trim()
        .split('\n')
        .find((l) => l.includes('metrics_port'))!,
    );
    expect(line.metrics_host).toBe('127.0.0.1');
    expect(line.metrics_port).toBeGreaterThan(0);
    expect(line.msg).toBe(`metrics at http://127.0.0.1:${line.metrics_port}/metrics`);
  });
});
