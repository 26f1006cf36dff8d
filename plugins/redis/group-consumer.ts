import type { Redis } from 'ioredis';
import type { Logger } from 'rxstoq';

/** One stream entry as delivered to this consumer. */
export interface StreamEntry {
  id: string;
  fields: Map<string, Buffer>;
  /** How many times Redis has delivered it (1 for a fresh entry). */
  deliveries: number;
}

export interface GroupConsumerOptions {
  stream: string;
  group: string;
  consumer: string;
  dead_letter_stream: string;
  claim_idle_ms: number;
  max_deliveries: number;
  block_ms: number;
  batch: number;
  delete_acked: boolean;
}

type RawEntry = [id: Buffer, fields: Buffer[] | null];

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });

/**
 * `promise`, or a rejection as soon as `signal` aborts: a command queued on a connection that is
 * reconnecting may not settle for a long while, and a stopping run must not wait for it.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

const hungUp = new WeakSet<Redis>();

/** Whether `hangUp` was called on it: its retry strategy must then refuse to reconnect. */
export function isHungUp(redis: Redis): boolean {
  return hungUp.has(redis);
}

/**
 * Disconnect once: a second ioredis disconnect() after the socket closed arms a 2 s timer that
 * nothing clears, which keeps the process alive that long after `stoq run` is done. A connection
 * waiting to reconnect is not disconnected either: that would cancel the retry but leave its
 * queued commands pending, their timeout timers holding the process. Its retry strategy refuses
 * a hung-up connection, so the next attempt fails those commands and ends it (or, should it
 * connect, it is closed then).
 */
export function hangUp(redis: Redis): void {
  if (hungUp.has(redis)) return;
  hungUp.add(redis);
  if (redis.status === 'end') return;
  if (redis.status === 'reconnecting') {
    redis.once('ready', () => redis.disconnect());
    return;
  }
  redis.disconnect();
}

/** EXEC and fail if any command in the transaction failed (ioredis reports those per command). */
async function execOrThrow(tx: ReturnType<Redis['multi']>): Promise<void> {
  const replies = await tx.exec();
  if (replies === null) throw new Error('the Redis transaction was aborted');
  for (const [err] of replies) if (err) throw err;
}

function toFields(raw: Buffer[] | null): Map<string, Buffer> {
  const fields = new Map<string, Buffer>();
  for (let i = 0; raw && i + 1 < raw.length; i += 2) fields.set(raw[i]!.toString('utf8'), raw[i + 1]!);
  return fields;
}

/**
 * A consumer in a Redis Streams consumer group: reads new entries, claims entries other
 * consumers left idle (they died or hung), keeps its own entries from going idle while they are
 * being scanned, acknowledges, and dead-letters entries that keep failing.
 *
 * Blocking reads go over their own connection (`reader`), so acknowledgements and claims on
 * `writer` never wait behind an XREADGROUP BLOCK.
 */
export class GroupConsumer {
  /** Entries delivered to us and not yet acknowledged, failed or dead-lettered. */
  readonly #owned = new Set<string>();
  #heartbeat: NodeJS.Timeout | undefined;
  #claimCursor = '0-0';
  readonly #acks: Array<{ id: string; resolve: () => void; reject: (err: Error) => void }> = [];
  /** Whether this consumer has read from the group (and so has a name there). */
  joined = false;

  constructor(
    private readonly writer: Redis,
    private readonly o: GroupConsumerOptions,
    private readonly log: Logger,
  ) {}

  get errorsKey(): string {
    return `${this.o.stream}:${this.o.group}:last-error`;
  }

  /** Create the group (and stream) if missing, starting from the first entry so nothing submitted earlier is skipped. */
  async ensureGroup(): Promise<void> {
    try {
      await this.writer.xgroup('CREATE', this.o.stream, this.o.group, '0', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).startsWith('BUSYGROUP')) throw err;
    }
  }

  /**
   * Entries for this consumer until `signal` aborts: idle entries of others first (every half
   * `claim_idle_ms`), then new ones. `reader` is disconnected on abort so a blocked read ends at once.
   */
  async *entries(reader: Redis, signal: AbortSignal): AsyncGenerator<StreamEntry> {
    const onAbort = () => hangUp(reader);
    signal.addEventListener('abort', onAbort, { once: true });
    const buffer: StreamEntry[] = [];
    const claimEvery = Math.max(50, Math.floor(this.o.claim_idle_ms / 2));
    let nextClaim = 0;
    let failures = 0;
    let grouped = false;
    try {
      while (!signal.aborted) {
        try {
          if (!grouped) {
            await untilAborted(this.ensureGroup(), signal);
            grouped = this.joined = true;
          }
          if (buffer.length === 0 && Date.now() >= nextClaim) {
            buffer.push(...(await untilAborted(this.#claimIdle(signal), signal)));
            // A cursor other than 0-0 means more idle entries may be waiting: look again right away.
            nextClaim = this.#claimCursor === '0-0' ? Date.now() + claimEvery : 0;
          }
          if (buffer.length === 0) {
            const wait = Math.max(1, Math.min(this.o.block_ms, nextClaim - Date.now()));
            buffer.push(...(await untilAborted(this.#readNew(reader, wait, signal), signal)));
          }
          failures = 0;
        } catch (err) {
          if (signal.aborted) break;
          failures++;
          const message = (err as Error).message ?? String(err);
          if (message.startsWith('NOGROUP')) {
            // The stream or group was deleted under us: recreate it and go on.
            grouped = false;
            if (failures === 1) continue;
          }
          this.log.error({ err, stream: this.o.stream, attempt: failures }, `Reading ${this.o.stream} failed: ${message}`);
          await sleep(Math.min(5_000, 100 * 2 ** Math.min(failures, 6)), signal);
          continue;
        }
        while (buffer.length > 0 && !signal.aborted) {
          const entry = buffer.shift()!;
          yield entry;
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      // Entries fetched but never handed out stay pending; another consumer claims them once idle.
      for (const entry of buffer) this.#owned.delete(entry.id);
      hangUp(reader);
    }
  }

  /**
   * A reply that arrives after `signal` aborted is not ours to keep: the run stopped waiting for
   * it, so nothing will scan those entries. Owning them would keep their heartbeat going and hide
   * them from other consumers for as long as this process lives; left alone, they go idle and are
   * claimed.
   */
  async #readNew(reader: Redis, blockMs: number, signal: AbortSignal): Promise<StreamEntry[]> {
    const reply = (await reader.xreadgroupBuffer(
      'GROUP',
      this.o.group,
      this.o.consumer,
      'COUNT',
      this.o.batch,
      'BLOCK',
      blockMs,
      'STREAMS',
      this.o.stream,
      '>',
    )) as Array<[Buffer, RawEntry[]]> | null;
    const out: StreamEntry[] = [];
    if (signal.aborted) return out;
    for (const [, items] of reply ?? []) {
      for (const [id, fields] of items) out.push(this.#own({ id: id.toString('utf8'), fields: toFields(fields), deliveries: 1 }));
    }
    return out;
  }

  /** XAUTOCLAIM entries idle for `claim_idle_ms`; the ones delivered too often go to the dead-letter stream. */
  async #claimIdle(signal: AbortSignal): Promise<StreamEntry[]> {
    // ioredis defines xautoclaimBuffer at run time but not in its types (and `callBuffer` breaks its auto-pipelining).
    const writer = this.writer as Redis & { xautoclaimBuffer(...args: Array<string | number>): Promise<unknown> };
    const reply = (await writer.xautoclaimBuffer(
      this.o.stream,
      this.o.group,
      this.o.consumer,
      this.o.claim_idle_ms,
      this.#claimCursor,
      'COUNT',
      this.o.batch,
    )) as [Buffer, RawEntry[], Buffer[]?];
    this.#claimCursor = reply[0].toString('utf8');
    // Entries deleted from the stream come back with no fields; Redis drops them from the PEL itself.
    const claimed = reply[1].filter(([id, fields]) => fields !== null && !this.#owned.has(id.toString('utf8')));
    // Claimed for a run that has stopped since (see #readNew): they go idle again and are claimed.
    if (claimed.length === 0 || signal.aborted) return [];
    const counts = this.writer.pipeline();
    for (const [id] of claimed) counts.xpending(this.o.stream, this.o.group, id, id, 1);
    const pending = (await counts.exec()) ?? [];
    const out: StreamEntry[] = [];
    for (let i = 0; i < claimed.length; i++) {
      const [rawId, rawFields] = claimed[i]!;
      const id = rawId.toString('utf8');
      const row = (pending[i]?.[1] as Array<[string, string, number, number]> | undefined)?.[0];
      const entry: StreamEntry = { id, fields: toFields(rawFields), deliveries: Number(row?.[3] ?? 1) };
      this.log.info({ stream: this.o.stream, stream_id: id, deliveries: entry.deliveries }, 'Claimed an idle entry');
      if (entry.deliveries > this.o.max_deliveries) {
        const last = await this.writer.hget(this.errorsKey, id);
        const error = `delivered ${entry.deliveries} times (max_deliveries ${this.o.max_deliveries}) without being saved; last error: ${
          last ?? 'none recorded (the consumer died or was stopped while scanning it)'
        }`;
        await this.deadLetter(entry, error);
      } else out.push(this.#own(entry));
    }
    return out;
  }

  #own(entry: StreamEntry): StreamEntry {
    this.#owned.add(entry.id);
    this.#startHeartbeat();
    return entry;
  }

  /**
   * Every third of `claim_idle_ms`, touch our entries (XCLAIM ... JUSTID resets their idle time
   * without counting a delivery) so a slow scan is not taken over by another consumer.
   */
  #startHeartbeat(): void {
    if (this.#heartbeat) return;
    this.#heartbeat = setInterval(
      () => {
        const ids = [...this.#owned];
        if (ids.length === 0) return;
        this.writer.xclaim(this.o.stream, this.o.group, this.o.consumer, 0, ...ids, 'JUSTID').catch((err: Error) => {
          this.log.warn({ err, stream: this.o.stream }, `Refreshing ${ids.length} in-flight entries failed: ${err.message}`);
        });
      },
      Math.max(50, Math.floor(this.o.claim_idle_ms / 3)),
    );
    this.#heartbeat.unref();
  }

  /**
   * The entry's results were saved: acknowledge it (and drop it from the stream when
   * `delete_acked`). Acknowledgements made in the same turn of the event loop go to Redis as one
   * MULTI with all their ids: one write instead of one per entry, which was the consumer's
   * largest single cost with many small tasks.
   */
  ack(id: string): Promise<void> {
    this.#owned.delete(id);
    return new Promise((resolve, reject) => {
      this.#acks.push({ id, resolve, reject });
      if (this.#acks.length === 1) setImmediate(() => void this.#flushAcks());
    });
  }

  async #flushAcks(): Promise<void> {
    const batch = this.#acks.splice(0);
    const ids = batch.map((a) => a.id);
    try {
      const tx = this.writer
        .multi()
        .xack(this.o.stream, this.o.group, ...ids)
        .hdel(this.errorsKey, ...ids);
      if (this.o.delete_acked) tx.xdel(this.o.stream, ...ids);
      await execOrThrow(tx);
      for (const a of batch) a.resolve();
    } catch (err) {
      for (const a of batch) a.reject(err as Error);
    }
  }

  /** The entry could not be scanned and saved: leave it pending (it is claimed again once idle) and remember why. */
  async fail(id: string, error: string): Promise<void> {
    this.#owned.delete(id);
    await this.writer.hset(this.errorsKey, id, error);
  }

  /**
   * Move an entry to the dead-letter stream with the reason, and acknowledge it. The original
   * fields are copied unchanged, so an operator can fix the cause and XADD them back.
   */
  async deadLetter(entry: StreamEntry, error: string): Promise<void> {
    this.#owned.delete(entry.id);
    const info = JSON.stringify({
      stream: this.o.stream,
      id: entry.id,
      group: this.o.group,
      consumer: this.o.consumer,
      deliveries: entry.deliveries,
      error,
      time: new Date().toISOString(),
    });
    const copy: Array<string | Buffer> = [];
    for (const [k, v] of entry.fields) if (k !== 'dead_letter') copy.push(k, v);
    const tx = this.writer
      .multi()
      .xadd(this.o.dead_letter_stream, '*', 'dead_letter', info, ...copy)
      .xack(this.o.stream, this.o.group, entry.id)
      .hdel(this.errorsKey, entry.id);
    if (this.o.delete_acked) tx.xdel(this.o.stream, entry.id);
    await execOrThrow(tx);
    this.log.warn(
      { stream: this.o.stream, stream_id: entry.id, dead_letter_stream: this.o.dead_letter_stream, error },
      'Entry moved to the dead-letter stream',
    );
  }

  /** Stop refreshing entries (those still in flight will be claimed by others once idle). */
  stop(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  /** Remove this consumer's name from the group when nothing is pending for it (dead names pile up otherwise). */
  async forgetIfIdle(): Promise<void> {
    const mine = (await this.writer.xpending(this.o.stream, this.o.group, '-', '+', 1, this.o.consumer)) as unknown[];
    if (mine.length === 0) await this.writer.xgroup('DELCONSUMER', this.o.stream, this.o.group, this.o.consumer);
  }
}
