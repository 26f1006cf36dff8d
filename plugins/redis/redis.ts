import { Redis } from 'ioredis';
import type { Observable } from 'rxjs';
import {
  onItemDone,
  Payload,
  PayloadMeta,
  ProviderPlugin,
  pullFrom,
  Request,
  RequestMeta,
  withItemMeta,
  withTraceCarrier,
  type ArchiverTask,
  type IngestContext,
  type ProviderItem,
  type StoqResponse,
} from 'rxstoq';
import { decodeEntry, encodeEntry, type DecodedEntry } from './entry.js';
import { GroupConsumer, hangUp, isHungUp, untilAborted, type StreamEntry } from './group-consumer.js';
import { RedisOptionsSchema, resolveOptions, type ResolvedRedisOptions } from './options.js';
import { assessPersistence, readPersistenceConfig } from './persistence.js';

/**
 * Redis Streams as a work queue shared by many `stoq run` processes.
 *
 * Provider: reads the task stream through a consumer group and acknowledges an entry only after
 * every connector saved its response (at-least-once: an entry can be scanned twice when a
 * consumer dies after saving and before acknowledging; `request_meta.extra_data.stream_id` lets
 * sinks drop the repeat). Entries other consumers left idle are claimed, entries that keep
 * failing go to the dead-letter stream.
 *
 * Connector: appends each response, as compact JSON, to the results stream, and reports the save
 * only once Redis replied with the new entry's id.
 *
 * Every command is bounded (`command_timeout_ms`), and once the run stops the connections no
 * longer reconnect, so `stoq run` ends within its grace whatever Redis does; entries not
 * acknowledged by then stay pending and are delivered again.
 *
 * It also enqueues entries for `stoq submit` (`enqueuePayload`, `enqueueTask`).
 */
export class RedisPlugin extends ProviderPlugin<typeof RedisOptionsSchema> {
  static override optionsSchema = RedisOptionsSchema;

  #writer: Redis | undefined;
  #consumer: GroupConsumer | undefined;
  #readers = new Set<Redis>();
  #settings: ResolvedRedisOptions | undefined;
  /** Set when the run stops (or the plugin closes): lost connections are then not re-made. */
  #stopping = false;
  #persistenceChecked = false;

  /** The options, validated, with REDIS_URL and the consumer name filled in. */
  get settings(): ResolvedRedisOptions {
    this.#settings ??= resolveOptions(this.options);
    return this.#settings;
  }

  #connection(name: 'writer' | 'reader'): Redis {
    const s = this.settings;
    const redis: Redis = new Redis(s.redis_url, {
      lazyConnect: true,
      connectTimeout: s.connect_timeout_ms,
      connectionName: `stoq:${s.consumer}:${name}`,
      // Acks and results of items finishing together go out in one write.
      enableAutoPipelining: name === 'writer',
      // ioredis's default backs off to 5 s and keeps a queued command through 20 attempts (about
      // 85 s), which held `stoq run` long after SIGTERM when Redis was gone. A restarted Redis is
      // found within a second; once stopping, a lost connection fails its queued commands at once.
      retryStrategy: (times: number) => (this.#stopping || isHungUp(redis) ? null : Math.min(50 * 2 ** Math.min(times - 1, 5), 1000)),
      // Also bounds commands queued while reconnecting, and replies from a server that hangs. The
      // reader only sends XREADGROUP, which may block up to block_ms by design.
      commandTimeout: name === 'writer' ? s.command_timeout_ms : s.block_ms + s.command_timeout_ms,
    });
    // ioredis reconnects by itself; without a listener it would print every connection error.
    redis.on('error', (err: Error) => this.log.warn({ err, connection: name }, `Redis ${name} connection: ${err.message}`));
    return redis;
  }

  /** Connect once at load time so a wrong URL or password fails `stoq run` at start, not later. */
  override async setup(): Promise<void> {
    const s = this.settings;
    const writer = this.#connection('writer');
    try {
      await writer.connect();
      await writer.ping();
    } catch (err) {
      hangUp(writer);
      throw new Error(`cannot reach Redis at ${redactUrl(s.redis_url)}: ${(err as Error).message}`);
    }
    this.#writer = writer;
    this.#stopping = false;
    this.#consumer = new GroupConsumer(writer, s, this.log);
    this.log.debug({ redis_url: redactUrl(s.redis_url), stream: s.stream, group: s.group, consumer: s.consumer }, 'Redis connected');
  }

  get writer(): Redis {
    if (!this.#writer) throw new Error('the redis plugin is not set up (setup() was not called or close() was)');
    return this.#writer;
  }

  ingest(context: IngestContext): Observable<ProviderItem> {
    return pullFrom(context, this.#items(context.signal));
  }

  async *#items(signal: AbortSignal): AsyncGenerator<ProviderItem> {
    const consumer = this.#consumer;
    if (!consumer) throw new Error('the redis plugin is not set up');
    const onStop = () => this.#stop();
    signal.addEventListener('abort', onStop, { once: true });
    // A new run after a stopped one (the same Stoq, run again): reconnect as usual again.
    this.#stopping = false;
    if (this.#writer?.status === 'end' && !isHungUp(this.#writer)) this.#writer.connect().catch(() => undefined);
    void this.#checkPersistence();
    const reader = this.#connection('reader');
    this.#readers.add(reader);
    try {
      // The reader connects on its first command, inside the consumer's retry loop.
      for await (const entry of consumer.entries(reader, signal)) {
        const decoded = decodeEntry(entry.fields);
        if (!decoded.ok) {
          await consumer.deadLetter(entry, `malformed entry: ${decoded.error}`);
          continue;
        }
        yield onItemDone(this.#toItem(entry, decoded.entry), async ({ ok, error }) => {
          if (ok) await consumer.ack(entry.id);
          else await consumer.fail(entry.id, error ?? 'unknown error');
        });
      }
    } finally {
      signal.removeEventListener('abort', onStop);
      this.#readers.delete(reader);
      hangUp(reader);
    }
  }

  /**
   * The run is stopping: what is in flight may still be saved and acknowledged while Redis
   * answers, but a lost connection is not re-made, so nothing waits for a Redis that is gone.
   */
  #stop(): void {
    this.#stopping = true;
    const writer = this.#writer;
    // Mid-connect: cut it now (its queued commands fail). Waiting to reconnect: the next attempt
    // (at most a second away) fails them, as the retry strategy now says no.
    if (writer && (writer.status === 'connecting' || writer.status === 'connect')) hangUp(writer);
  }

  /** Warn once when Redis would lose acknowledged work on a restart; CONFIG may be disabled, then say so. */
  async #checkPersistence(): Promise<void> {
    if (this.#persistenceChecked || !this.#writer) return;
    this.#persistenceChecked = true;
    try {
      const verdict = assessPersistence(await readPersistenceConfig(this.#writer));
      if (verdict.safe) this.log.info({ redis: verdict.settings }, verdict.message);
      else this.log.warn({ redis: verdict.settings }, verdict.message);
    } catch (err) {
      this.log.info(
        { err },
        `Redis persistence: could not tell whether Redis keeps acknowledged work over a restart (CONFIG GET failed: ${(err as Error).message}); see docs/deployment.md`,
      );
    }
  }

  /** A Request (inline bytes) or a source-archiver task, tagged with the entry's stream and id. */
  #toItem(entry: StreamEntry, decoded: DecodedEntry): Request | ArchiverTask {
    const { stream } = this.settings;
    const rm = decoded.request_meta ?? {};
    const requestMeta = new RequestMeta({
      archive_payloads: rm.archive_payloads,
      source: rm.source,
      extra_data: { ...rm.extra_data, stream, stream_id: entry.id },
    });
    const payloadMeta = decoded.payload_meta ? new PayloadMeta(decoded.payload_meta) : undefined;
    if (decoded.kind === 'payload') {
      return withTraceCarrier(
        new Request({ payloads: [new Payload(decoded.content, payloadMeta ?? new PayloadMeta())], request_meta: requestMeta }),
        decoded.trace,
      );
    }
    return withTraceCarrier(withItemMeta({ ...decoded.task }, { request_meta: requestMeta, payload_meta: payloadMeta }), decoded.trace);
  }

  /**
   * Connector: the response as compact JSON, with its scan and stream ids as fields for cheap
   * dedup. Resolves only once Redis replied with the new entry's id; any error (or no id) fails
   * the save, so the task entry is not acknowledged.
   */
  async save(response: StoqResponse): Promise<void> {
    const s = this.settings;
    if (!this.#persistenceChecked) void this.#checkPersistence();
    const streamId = response.request_meta.extra_data['stream_id'];
    const fields: string[] = ['scan_id', response.scan_id];
    if (typeof streamId === 'string') fields.push('stream_id', streamId);
    fields.push('response', JSON.stringify(response));
    const id =
      s.results_maxlen > 0
        ? await this.writer.xadd(s.results_stream, 'MAXLEN', '~', s.results_maxlen, '*', ...fields)
        : await this.writer.xadd(s.results_stream, '*', ...fields);
    if (typeof id !== 'string' || !/^\d+-\d+$/.test(id)) {
      throw new Error(`redis: XADD to ${s.results_stream} was not confirmed (reply ${JSON.stringify(id)}); the result is not saved`);
    }
  }

  /** Append an entry with the payload bytes inline; returns its stream id. */
  async enqueuePayload(content: Uint8Array, payloadMeta?: PayloadMeta, requestMeta?: RequestMeta): Promise<string> {
    return this.#add(encodeEntry({ content }, payloadMeta, requestMeta));
  }

  /** Append an entry that names a source archiver task (`{archiver: meta}`); returns its stream id. */
  async enqueueTask(task: ArchiverTask, payloadMeta?: PayloadMeta, requestMeta?: RequestMeta): Promise<string> {
    return this.#add(encodeEntry({ task }, payloadMeta, requestMeta));
  }

  async #add(fields: Array<string | Buffer>): Promise<string> {
    // The task stream is never trimmed: trimming would drop work nobody has done yet.
    const id = await this.writer.xadd(this.settings.stream, '*', ...fields);
    if (id === null) throw new Error(`XADD to ${this.settings.stream} returned no id`);
    return id;
  }

  override async close(): Promise<void> {
    this.#stopping = true;
    for (const reader of this.#readers) hangUp(reader);
    this.#readers.clear();
    const writer = this.#writer;
    this.#writer = undefined;
    if (!writer) return;
    this.#consumer?.stop();
    // Redis is away: tidying up would only wait for it.
    if (writer.status !== 'ready') {
      hangUp(writer);
      return;
    }
    const consumer = this.#consumer;
    const tidy = async () => {
      if (consumer?.joined) {
        await consumer.forgetIfIdle().catch((err: Error) => this.log.debug({ err }, `Leaving the consumer group: ${err.message}`));
      }
      await writer.quit();
    };
    try {
      // A server that stopped answering gets command_timeout_ms in all, not that much per command.
      await untilAborted(tidy(), AbortSignal.timeout(this.settings.command_timeout_ms));
    } catch (err) {
      this.log.warn({ err }, `Closing the Redis connection: ${(err as Error).message}`);
      hangUp(writer);
    }
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}
