import type { WriteStream } from 'node:tty';

/** What the bar shows; `total` is undefined while the inputs are still being counted. */
export interface ProgressState {
  files: number;
  bytes: number;
  total?: number;
  elapsedMs: number;
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

export function formatBytes(n: number): string {
  let i = 0;
  let v = n;
  while (v >= 1000 && i < UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${UNITS[i]}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

const count = (n: number) => n.toLocaleString('en-US');

/** One line, at most `width` columns: bar (when the total is known), files, bytes, rates, ETA. */
export function renderProgress(state: ProgressState, width: number): string {
  const seconds = state.elapsedMs / 1000;
  const rate = seconds > 0 ? state.files / seconds : 0;
  const byteRate = seconds > 0 ? state.bytes / seconds : 0;
  const known = state.total !== undefined;
  const files = known ? `${count(state.files)}/${count(state.total!)} files` : `${count(state.files)} files (counting…)`;
  const eta = known && rate > 0 ? formatDuration((state.total! - state.files) / rate) : '--:--';
  const text = `${files}  ${formatBytes(state.bytes)}  ${count(Math.round(rate))} files/s  ${formatBytes(byteRate)}/s  ETA ${eta}`;
  const room = width - text.length - 3;
  if (!known || room < 10) return text.slice(0, Math.max(0, width - 1));
  const barWidth = Math.min(room, 30);
  const done = state.total! > 0 ? Math.min(1, state.files / state.total!) : 1;
  const filled = Math.round(done * barWidth);
  return `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${text}`;
}

/**
 * A progress line on a terminal, redrawn a few times a second in place. Messages written
 * through `note` appear above it instead of being overwritten.
 */
export class ProgressBar {
  readonly #stream: WriteStream;
  readonly #started = Date.now();
  readonly #timer: NodeJS.Timeout;
  #files = 0;
  #bytes = 0;
  #total: number | undefined;
  #drawn = false;
  #stopped = false;

  constructor(stream: WriteStream, intervalMs = 200) {
    this.#stream = stream;
    this.#timer = setInterval(() => this.#draw(), intervalMs);
    this.#timer.unref();
  }

  /** One more input done (or `files` more). */
  tick(bytes: number, files = 1): void {
    this.#files += files;
    this.#bytes += bytes;
  }

  /** How many inputs there are in all (counted while the scan runs). */
  setTotal(total: number): void {
    this.#total = total;
  }

  /** Print a message line (an error) without it being overwritten by the bar. */
  note(line: string): void {
    this.#clear();
    this.#stream.write(line.endsWith('\n') ? line : `${line}\n`);
    this.#draw();
  }

  /** Final redraw, then leave the line as it is and move below it. */
  stop(): void {
    if (this.#stopped) return;
    clearInterval(this.#timer);
    this.#draw();
    this.#stopped = true;
    this.#stream.write('\n');
  }

  #clear(): void {
    if (this.#drawn) this.#stream.write('\r\x1b[K');
  }

  #draw(): void {
    if (this.#stopped) return;
    const line = renderProgress(
      { files: this.#files, bytes: this.#bytes, total: this.#total, elapsedMs: Date.now() - this.#started },
      this.#stream.columns || 80,
    );
    this.#stream.write(`\r${line}\x1b[K`);
    this.#drawn = true;
  }
}
