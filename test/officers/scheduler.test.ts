/**
 * The digest scheduler on real Redis: three worker processes' schedulers ticking every second at
 * once (BullMQ job schedulers, Vietnam time) produce exactly one digest per officer.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startBackgroundWorker, type BackgroundWorker } from '../../src/jobs/worker.js';
import { createAdapters } from '../../bots/registry.js';
import { fixedClock } from '../../src/shared/clock.js';
import { createLogger } from '../../src/shared/log.js';
import { backends, freshDatabase, testKeys, withReferenceData, type TestDatabase } from '../helpers/db.js';
import { addOfficer, buildWorld } from './world.js';

describe('digest scheduler', () => {
  let db: TestDatabase;
  const workers: BackgroundWorker[] = [];
  const prefix = `test:${randomUUID()}:`;

  beforeAll(async () => {
    db = await freshDatabase(backends.at(-1)!);
    await withReferenceData(db);
  }, 120_000);
  afterAll(async () => {
    for (const w of workers) await w.close();
    const redis = new Redis(loadConfig().redisUrl);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await db?.drop();
  });

  it('should send one digest per officer however many workers tick at once', async () => {
    const w = await buildWorld(db.sql);
    const a = await addOfficer(db.sql, { name: 'P5', role: 'commune', areaId: w.areas.communeA });
    const d = await addOfficer(db.sql, { name: 'TP', role: 'district', areaId: w.areas.district });
    const rt = { config: loadConfig(), db, keys: testKeys, clock: fixedClock('2022-01-24T01:00:00Z'), log: createLogger({ level: 'silent' }), redisPrefix: prefix };
    for (let i = 0; i < 3; i++) workers.push(startBackgroundWorker(rt, createAdapters(), { digestCron: '* * * * * *', relayIntervalMs: 200 }));
    const t0 = Date.now();
    while (Date.now() - t0 < 15_000) {
      const n = await db.sql.query(`SELECT 1 FROM "Digest"`);
      if (n.length === 2) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 3000)); // several more ticks
    const digests = await db.sql.query<{ officerId: number }>(`SELECT "officerId" FROM "Digest" ORDER BY "officerId"`);
    expect(digests.map((x) => x.officerId)).toEqual([a.id, d.id]);
    const msgs = await db.sql.query<{ identityId: number }>(`SELECT (payload->>'identityId')::int AS "identityId" FROM "OutboxEvent" WHERE kind = 'chat_message' ORDER BY 1`);
    expect(msgs.map((m) => m.identityId)).toEqual([a.identityId, d.identityId]);
  }, 60_000);
});
