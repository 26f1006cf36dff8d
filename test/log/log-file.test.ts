import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeLogFile, createLogger } from '../../src/log/logger.js';
import { StoqException } from '../../src/exceptions.js';
import { Stoq } from '../../src/stoq.js';
import { tempDir } from '../helpers/tmp.js';

/** A pino destination kept in memory. */
const memory = () => {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
};

const filesIn = (dir: string) => readdirSync(dir).sort();
const linesOf = (file: string) => readFileSync(file, 'utf8').trim().split('\n');

describe('log file rotation (log_maxbytes, log_backup_count)', () => {
  it('rotates stoq.log by size and keeps log_backup_count files, newest first', async () => {
    const dir = join(tempDir(), 'logs');
    const log = createLogger({ level: 'info', logDir: dir, logFile: { maxBytes: 2000, backupCount: 2 }, destination: memory() });
    for (let i = 0; i < 300; i++) log.info({ i }, `line ${i} ${'x'.repeat(40)}`);
    await closeLogFile(log);

    expect(filesIn(dir)).toEqual(['stoq.log', 'stoq.log.1', 'stoq.log.2']);
    const numbers = (name: string) => linesOf(join(dir, name)).map((l) => (JSON.parse(l) as { i: number }).i);
    const [current, newer, older] = [numbers('stoq.log'), numbers('stoq.log.1'), numbers('stoq.log.2')];
    // The newest lines are in stoq.log, the lines before them in .1, then .2; older ones are gone.
    expect(current.at(-1)).toBe(299);
    expect(newer.at(-1)! + 1).toBe(current[0]);
    expect(older.at(-1)! + 1).toBe(newer[0]);
    expect(older[0]).toBeGreaterThan(0);
    // A file is rotated once it reaches the size: the line that crosses it is the last one in it.
    const lineBytes = readFileSync(join(dir, 'stoq.log.1'), 'utf8').indexOf('\n') + 1;
    for (const name of ['stoq.log.1', 'stoq.log.2']) {
      const size = statSync(join(dir, name)).size;
      expect(size).toBeGreaterThanOrEqual(2000);
      expect(size).toBeLessThan(2000 + 2 * lineBytes);
    }
  });

  it('acts on the stoq.yaml keys, with log_syntax text writing one readable line per entry', async () => {
    const base = tempDir();
    const logs = join(base, 'logs');
    writeFileSync(join(base, 'stoq.yaml'), `core:\n  log_dir: ${logs}\n  log_maxbytes: 1000\n  log_backup_count: 1\n  log_syntax: text\n`);
    const stoq = new Stoq({ baseDir: base, logDestination: memory() });
    await stoq.ready();
    for (let i = 0; i < 100; i++) stoq.log.warn({ i }, `entry ${i}`);
    await stoq.close();

    expect(filesIn(logs)).toEqual(['stoq.log', 'stoq.log.1']);
    const last = linesOf(join(logs, 'stoq.log')).at(-1)!;
    expect(last).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d{4}\] WARN \(stoq\): entry 99 \{"i":99\}$/);
    expect(readFileSync(join(logs, 'stoq.log.1'), 'utf8')).not.toContain('"level"');
  });

  it('json (the default) writes one JSON object a line', async () => {
    const base = tempDir();
    writeFileSync(join(base, 'stoq.yaml'), `core:\n  log_dir: logs\n  log_syntax: json\n`);
    const stoq = new Stoq({ baseDir: base, logDestination: memory(), logDir: join(base, 'logs') });
    stoq.log.info({ n: 1 }, 'hello');
    await stoq.close();
    expect(JSON.parse(linesOf(join(base, 'logs', 'stoq.log')).at(-1)!)).toMatchObject({ level: 30, msg: 'hello', n: 1 });
  });

  it.each([
    ['log_backup_count: 3', /core\.log_backup_count: log_backup_count needs log_maxbytes above 0/],
    ['log_maxbytes: 0\n  log_backup_count: 3', /log_backup_count needs log_maxbytes above 0/],
    ['log_maxbytes: 100\n  log_backup_count: 0', /log_backup_count must be at least 1/],
    ['log_syntax: xml', /core\.log_syntax/],
  ])('refuses settings that could not act (%s) with a message naming the key', (yaml, message) => {
    const base = tempDir();
    writeFileSync(join(base, 'stoq.yaml'), `core:\n  log_dir: logs\n  ${yaml}\n`);
    expect(() => new Stoq({ baseDir: base, logDestination: memory() })).toThrow(StoqException);
    expect(() => new Stoq({ baseDir: base, logDestination: memory() })).toThrow(message);
  });

  it('says so when file settings are given without a log_dir', () => {
    const out = memory();
    createLogger({ destination: out, logFile: { maxBytes: 1000 } });
    expect(out.lines).toHaveLength(1);
    expect(JSON.parse(out.lines[0]!)).toMatchObject({ level: 40, settings: { maxBytes: 1000 }, msg: expect.stringContaining('no log_dir is set') });
  });

  it('lines logged after closeLogFile reach the other destination only', async () => {
    const dir = tempDir();
    const out = memory();
    const log = createLogger({ logDir: dir, destination: out });
    log.info('before');
    await closeLogFile(log);
    log.info('after');
    expect(linesOf(join(dir, 'stoq.log')).map((l) => JSON.parse(l).msg)).toEqual(['before']);
    expect(out.lines.map((l) => JSON.parse(l).msg)).toEqual(['before', 'after']);
  });
});

describe('Stoq.close() and the log file', () => {
  it('flushes and closes the log file of the logger the Stoq made: every line is on disk, later lines are not', async () => {
    const dir = tempDir();
    const out = memory();
    const stoq = new Stoq({ baseDir: dir, logDir: dir, logDestination: out });
    for (let i = 0; i < 1000; i++) stoq.log.info({ i }, 'before');
    await stoq.close();
    const written = linesOf(join(dir, 'stoq.log')).map((l) => JSON.parse(l) as { i?: number; msg: string });
    expect(written.filter((r) => r.msg === 'before').map((r) => r.i)).toEqual([...Array(1000).keys()]);

    stoq.log.info('after close');
    await closeLogFile(stoq.log); // no-op once closed; waits for a file left open otherwise
    expect(readFileSync(join(dir, 'stoq.log'), 'utf8')).not.toContain('after close');
    expect(JSON.parse(out.lines.at(-1)!)).toMatchObject({ msg: 'after close' });
  });

  it("leaves a logger passed in open: closing it is the caller's business", async () => {
    const dir = tempDir();
    const log = createLogger({ logDir: dir, destination: memory() });
    const stoq = new Stoq({ baseDir: dir, logger: log });
    await stoq.close();
    log.info('after the stoq closed');
    await closeLogFile(log);
    expect(linesOf(join(dir, 'stoq.log')).map((l) => JSON.parse(l).msg)).toContain('after the stoq closed');
  });
});

describe('pretty lines', () => {
  it('are coloured only when asked; a destination other than stderr gets none by default', () => {
    const lines = (colour?: boolean) => {
      const out = memory();
      createLogger({ pretty: true, colour, destination: out }).warn('look');
      return out.lines.join('');
    };
    expect(lines(true)).toContain('\x1b[');
    expect(lines(false)).not.toContain('\x1b[');
    expect(lines()).not.toContain('\x1b[');
    expect(lines()).toMatch(/WARN \(stoq\): look/);
  });
});
