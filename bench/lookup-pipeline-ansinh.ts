/**
 * Server side of bench/lookup-pipeline.ts (not run by hand): `startServer`, what `ansinh serve`
 * runs, configured from the environment the bench passes (DATABASE_URL, BENCH_SCHEMA, TELEGRAM_*
 * pointing at the fake Bot API, ANSINH_REDIS_PREFIX), with the look-up quotas raised. Tells its
 * parent the port; stops on "stop".
 */
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { createRuntime } from '../src/runtime.js';
import { startServer } from '../src/http/server.js';
import { deriveKeys } from '../src/shared/secrets.js';
import { createLogger } from '../src/shared/log.js';

// Diagnostics (BENCH_COUNT_QUERIES=<file>): every SQL statement sent, counted by its text, written to <file> on stop.
const countFile = process.env.BENCH_COUNT_QUERIES;
const counts = new Map<string, number>();
if (countFile) {
  const query = pg.Client.prototype.query as (...a: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...a: unknown[]) {
    const q = a[0] as string | { text?: string };
    const text = (typeof q === 'string' ? q : q?.text ?? '?').replace(/\s+/g, ' ').slice(0, 160);
    counts.set(text, (counts.get(text) ?? 0) + 1);
    return query.apply(this, a);
  } as typeof pg.Client.prototype.query;
}

const config = loadConfig();
const db = await openDatabase({ url: config.database.url, schema: process.env.BENCH_SCHEMA });
const huge = 1e9;
const rt = await createRuntime(config, {
  db, keys: deriveKeys(config.secretKey!), redisPrefix: config.redisPrefix, log: createLogger({ level: 'warn' }),
  limits: { chatFailures: huge, chatWindowSeconds: 60, idFailures: huge, idWindowSeconds: 60, distinctIds: huge, distinctWindowSeconds: 60 },
});
const server = await startServer(rt, { host: '127.0.0.1', port: 0 });
process.on('message', (m) => {
  if (m !== 'stop') return;
  void (async () => {
    await server.close();
    await rt.close();
    await db.close();
    if (countFile) writeFileSync(countFile, JSON.stringify([...counts].sort((x, y) => y[1] - x[1]), null, 1));
    process.exit(0);
  })();
});
process.send!({ ready: true, port: (server.app.server.address() as AddressInfo).port });
