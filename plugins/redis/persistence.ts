import type { Redis } from 'ioredis';

/** What Redis's persistence settings mean for work this plugin acknowledged (see docs/deployment.md). */
export interface PersistenceVerdict {
  /** False when a restart or crash of Redis can lose acknowledged work, results or submitted tasks. */
  safe: boolean;
  message: string;
  settings: Record<string, string>;
}

/** `CONFIG GET` of the settings that decide whether Redis keeps its data over a restart. */
export async function readPersistenceConfig(redis: Redis): Promise<Record<string, string>> {
  // One name per call: Redis before 7 takes a single pattern.
  const replies = await Promise.all(['appendonly', 'appendfsync', 'save'].map((name) => redis.config('GET', name) as Promise<unknown>));
  const settings: Record<string, string> = {};
  for (const reply of replies) {
    const flat = Array.isArray(reply) ? reply.map(String) : [];
    for (let i = 0; i + 1 < flat.length; i += 2) settings[flat[i]!] = flat[i + 1]!;
  }
  if (settings['appendonly'] === undefined) throw new Error('CONFIG GET appendonly returned nothing');
  return settings;
}

export function assessPersistence(settings: Record<string, string>): PersistenceVerdict {
  const aof = settings['appendonly'] === 'yes';
  const fsync = settings['appendfsync'] ?? 'everysec';
  const save = (settings['save'] ?? '').trim();
  if (aof && fsync === 'always') {
    return { safe: true, settings, message: 'Redis persistence: AOF with appendfsync always; what Redis confirmed survives a crash of Redis or of its host' };
  }
  if (aof && fsync === 'everysec') {
    return {
      safe: true,
      settings,
      message: 'Redis persistence: AOF with appendfsync everysec; a crash of the host (not of Redis alone) can lose about the last second of writes',
    };
  }
  if (aof) {
    return {
      safe: false,
      settings,
      message: `Redis persistence is weak: AOF with appendfsync ${fsync} leaves flushing to the OS, so a crash of the host can lose acknowledged work and results; set appendfsync everysec or always`,
    };
  }
  if (save !== '') {
    return {
      safe: false,
      settings,
      message: `Redis persistence is weak: RDB snapshots only (save "${save}"), so a restart of Redis loses every acknowledgement, result and submitted task since the last snapshot; set appendonly yes`,
    };
  }
  return {
    safe: false,
    settings,
    message:
      'Redis persistence is off (appendonly no, save ""): a restart of Redis loses the task stream, the pending entries and the results stream; set appendonly yes for at-least-once delivery',
  };
}
