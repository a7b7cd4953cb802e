/**
 * A seeded database plus the conversation runtime on real Redis, with a unique key prefix per
 * test file and a fixed clock.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { seedDemo } from '../../src/seed/demo.js';
import { loadWorkingCalendar } from '../../src/calendar/calendar.service.js';
import { fixedClock } from '../../src/shared/clock.js';
import { createLogger, type Logger } from '../../src/shared/log.js';
import type { QuotaLimits } from '../../src/lookup/quota.js';
import { freshDatabase, testKeys, withReferenceData, type Backend, type TestDatabase } from './db.js';

export interface Sample {
  idNumber: string;
  dateOfBirth: string;
  name: string;
  commune: string;
  program: string;
  group: string;
  stage: string;
  status: string;
  amount: number;
}

export interface TestRuntime extends Runtime {
  samples: Sample[];
  clock: ReturnType<typeof fixedClock>;
  prefix: string;
  teardown(): Promise<void>;
}

export const AS_OF = '2022-01-24';

export interface SeededRuntimeOptions {
  backend?: Backend;
  scale?: number;
  limits?: QuotaLimits;
  /** Redis other than REDIS_URL's (a fault test's own server). */
  redisUrl?: string;
  /** An empty, migrated database to seed instead of a fresh one of `backend` (a fault test's own PostgreSQL). */
  db?: TestDatabase;
  /** @defaultValue silent */
  log?: Logger;
}

export async function seededRuntime(opts: SeededRuntimeOptions = {}): Promise<TestRuntime> {
  const db: TestDatabase = opts.db ?? (await freshDatabase(opts.backend ?? 'pglite'));
  const ref = await withReferenceData(db);
  const dataDir = mkdtempSync(join(tmpdir(), 'ansinh-rt-'));
  const summary = await seedDemo(db, { keys: testKeys, calendar: await loadWorkingCalendar(db.prisma), programs: ref.definitions }, { scale: opts.scale ?? 0.004, seed: 11, asOf: AS_OF, dataDir });
  const samples = (JSON.parse(readFileSync(summary.samplesFile, 'utf8')) as { people: Sample[] }).people;
  const clock = fixedClock(`${AS_OF}T03:00:00Z`); // 10:00 in Vietnam, a Monday
  const prefix = `test:${randomUUID()}:`;
  const config = opts.redisUrl ? { ...loadConfig(), redisUrl: opts.redisUrl } : loadConfig();
  const rt = await createRuntime(config, { db, clock, keys: testKeys, redisPrefix: prefix, log: opts.log ?? createLogger({ level: 'silent' }), limits: opts.limits });
  return {
    ...rt,
    clock,
    samples,
    prefix,
    async teardown() {
      const keys = await rt.redis.keys(`${prefix}*`);
      if (keys.length) await rt.redis.del(...keys);
      await rt.close();
      await db.drop();
    },
  };
}
