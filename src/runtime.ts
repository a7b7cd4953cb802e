/**
 * The composition root for processes that talk to citizens: database, Redis, reference data
 * and the conversation engine, built once from the config. The CLI chat, the web server and
 * the tests all use it, so they run the same engine on the same data.
 */
import { Redis } from 'ioredis';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/client.js';
import { migrate } from './db/migrator.js';
import { loadWorkingCalendar } from './calendar/calendar.service.js';
import { loadProgramDefinitions } from './programs/loader.js';
import { loadFaq, type FaqIndex } from './faq/faq.js';
import { ConversationEngine } from './conversation/engine.js';
import { RedisDialogStore } from './conversation/dialog-store.js';
import { RedisQuota, DEFAULT_LIMITS, type QuotaLimits } from './lookup/quota.js';
import { loadKeys, type Keys } from './shared/secrets.js';
import { systemClock, type Clock } from './shared/clock.js';
import { createLogger, type Logger } from './shared/log.js';
import { UserError } from './shared/errors.js';
import { Metrics } from './metrics.js';

export interface Runtime {
  config: Readonly<Config>;
  db: Database;
  redis: Redis;
  /** Prefix of this runtime's Redis keys (config, or a unique one per test). */
  redisPrefix: string;
  keys: Keys;
  clock: Clock;
  log: Logger;
  engine: ConversationEngine;
  /** This process's Prometheus metrics (served at /metrics). */
  metrics: Metrics;
  /** The FAQ index the engine answers from (the console's broadcast buttons list its entries). */
  faq: FaqIndex;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  db?: Database;
  clock?: Clock;
  log?: Logger;
  keys?: Keys;
  redisPrefix?: string;
  limits?: QuotaLimits;
  metrics?: Metrics;
}

/**
 * Reconnection delay after Redis went away: 100 ms more per attempt, at most 1 s, so answers
 * return within about a second of Redis coming back. (ioredis 6's default doubles up to 5 s
 * plus jitter, which made recovery take more than 5 s after an outage of a few seconds.)
 */
export const redisRetryDelay = (attempt: number) => Math.min(attempt * 100, 1000);

/** Connects to Redis and fails with one clear line when it does not answer. */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000, enableOfflineQueue: true, retryStrategy: redisRetryDelay });
  redis.on('error', () => {}); // reported per command; reconnects by itself
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    redis.disconnect();
    const where = url.replace(/\/\/[^@]*@/, '//***@');
    throw new UserError(
      `Redis is not answering at ${where} (${(e as Error).message}).`,
      'Start it (e.g. `redis-server --daemonize yes`, or `apt-get install redis-server`) or set REDIS_URL.',
    );
  }
  return redis;
}

export async function createRuntime(config: Readonly<Config>, opts: RuntimeOptions = {}): Promise<Runtime> {
  const log = opts.log ?? createLogger({ level: config.logLevel });
  const redis = await connectRedis(config.redisUrl);
  let db = opts.db;
  const ownDb = !db;
  try {
    if (!db) {
      db = await openDatabase({ url: config.database.url, pgliteDir: config.database.pgliteDir });
      await migrate(db.sql);
    }
    const clock = opts.clock ?? systemClock;
    const keys = opts.keys ?? loadKeys(config);
    const prefix = opts.redisPrefix ?? config.redisPrefix;
    const metrics = opts.metrics ?? new Metrics();
    const faq = loadFaq();
    const engine = new ConversationEngine({
      prisma: db.prisma,
      sql: db.sql,
      keys,
      clock,
      calendar: await loadWorkingCalendar(db.prisma),
      programs: loadProgramDefinitions(config.programsDir),
      faq,
      dialogs: new RedisDialogStore(redis, prefix),
      quota: new RedisQuota(redis, prefix, opts.limits ?? DEFAULT_LIMITS, () => clock.now()),
      log,
      metrics,
    });
    const database = db;
    return {
      config, db: database, redis, redisPrefix: prefix, keys, clock, log, engine, metrics, faq,
      async close() {
        redis.disconnect();
        if (ownDb) await database.close();
      },
    };
  } catch (e) {
    redis.disconnect();
    if (ownDb) await db?.close();
    throw e;
  }
}
