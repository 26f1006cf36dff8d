import { createRequire } from 'node:module';
import type { Redis as RedisClient } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../log/logger.js';
import { answerSize, decodeAnswer, encodeAnswer, type CachedAnswer } from './cached-answer.js';

export interface ResultCacheOptions {
  /** Byte cap of the in-memory tier (least recently used answers go first). Default 256 MiB. */
  maxBytes?: number;
  /** A Redis shared by a fleet, as a second tier: `redis://host:port/db`. Default: none. */
  redisUrl?: string;
  /** Seconds an answer lives in Redis. Default 7 days. */
  ttlSeconds?: number;
  /** Redis key prefix. Default `stoq:cache:`. */
  prefix?: string;
}

/** What the cache tells a metrics sink. */
export type CacheEvent = 'hit' | 'miss' | 'eviction';

interface Entry {
  plugin: string;
  answer: CachedAnswer;
}

/**
 * Worker answers by key (see `resultCacheKey`): an in-memory LRU capped in bytes and, when a
 * Redis URL is given, a shared second tier so a fleet reuses each other's work. A Redis that is
 * down or slow never fails a scan: the lookup counts as a miss and the error is logged once.
 */
export class ResultCache {
  readonly #memory: LRUCache<string, Entry>;
  readonly #redis: RedisClient | undefined;
  readonly #ttl: number;
  readonly #prefix: string;
  readonly #log: Logger;
  #onEvent: ((plugin: string, event: CacheEvent) => void) | undefined;
  #redisFailing = false;

  constructor(options: ResultCacheOptions, log: Logger) {
    this.#log = log;
    this.#ttl = options.ttlSeconds ?? 7 * 24 * 3600;
    this.#prefix = options.prefix ?? 'stoq:cache:';
    this.#memory = new LRUCache<string, Entry>({
      maxSize: options.maxBytes ?? 256 * 1024 * 1024,
      sizeCalculation: (entry) => answerSize(entry.answer),
      dispose: (entry, _key, reason) => {
        if (reason === 'evict') this.#onEvent?.(entry.plugin, 'eviction');
      },
    });
    if (options.redisUrl) {
      // ioredis only when a shared tier is asked for (test/package/heavy-modules.test.ts).
      const { Redis } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
      this.#redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
      this.#redis.on('error', (err: Error) => this.#redisDown(err));
    }
  }

  /**
   * Connect the Redis tier (if any). A Redis that cannot be reached is logged, not thrown: the
   * cache works from memory, and ioredis keeps trying in the background.
   */
  async connect(): Promise<void> {
    const redis = this.#redis;
    if (redis?.status !== 'wait') return;
    try {
      await redis.connect();
    } catch (err) {
      this.#redisDown(err as Error);
    }
  }

  /** Report hits, misses and evictions (the engine's metrics). */
  observe(onEvent: (plugin: string, event: CacheEvent) => void): void {
    this.#onEvent = onEvent;
  }

  /** Answers held in memory, and their bytes. */
  get stats(): { entries: number; bytes: number } {
    return { entries: this.#memory.size, bytes: this.#memory.calculatedSize };
  }

  /** The answer for `key`: synchronously from memory, else (with Redis) a promise. */
  lookup(key: string, plugin: string): CachedAnswer | undefined | Promise<CachedAnswer | undefined> {
    const entry = this.#memory.get(key);
    if (entry) {
      this.#onEvent?.(plugin, 'hit');
      return entry.answer;
    }
    const redis = this.#redis;
    if (redis?.status !== 'ready') {
      this.#onEvent?.(plugin, 'miss');
      return undefined;
    }
    return redis.getBuffer(this.#prefix + key).then(
      (bytes) => {
        const answer = bytes ? decodeAnswer(bytes) : undefined;
        if (answer) this.#memory.set(key, { plugin, answer });
        this.#onEvent?.(plugin, answer ? 'hit' : 'miss');
        return answer;
      },
      (err: Error) => {
        this.#redisDown(err);
        this.#onEvent?.(plugin, 'miss');
        return undefined;
      },
    );
  }

  /** Keep an answer (in memory now; in Redis in the background). */
  store(key: string, plugin: string, answer: CachedAnswer): void {
    this.#memory.set(key, { plugin, answer });
    if (this.#redis?.status === 'ready') {
      this.#redis.set(this.#prefix + key, encodeAnswer(answer), 'EX', this.#ttl).then(
        () => {
          this.#redisFailing = false;
        },
        (err: Error) => this.#redisDown(err),
      );
    }
  }

  async close(): Promise<void> {
    this.#memory.clear();
    if (this.#redis) {
      try {
        await this.#redis.quit();
      } catch {
        this.#redis.disconnect();
      }
    }
  }

  #redisDown(err: Error): void {
    if (this.#redisFailing) return;
    this.#redisFailing = true;
    this.#log.warn({ err: err.message }, 'result cache: the Redis tier is not answering; scans go on with the memory tier only');
  }
}
