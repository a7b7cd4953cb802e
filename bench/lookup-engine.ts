/**
 * Look-up time per message in the conversation engine (no channel) on N people, against a
 * bare SQL point look-up of the same people in the same run.
 *
 *   npx tsx bench/lookup-engine.ts [--people 100000] [--messages 3000] [--concurrency 1,8]
 *   DATABASE_URL=postgres://... ANSINH_SECRET_KEY=... npx tsx bench/lookup-engine.ts   (real PostgreSQL)
 *
 * Each message is a new chat sending the ID number and the date of birth in one message: 80%
 * are distinct people on the list (found → bound → audited), 20% unknown numbers (mismatch → counted by
 * the quotas → audited). Quotas are raised so the benchmark measures work, not lockouts.
 * Appends its figures to docs/BENCHMARKS.md.
 */
import { randomUUID } from 'node:crypto';
import { execSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { migrate } from '../src/db/migrator.js';
import { loadReferenceData } from '../src/setup/reference-data.js';
import { seedDemo } from '../src/seed/demo.js';
import { loadWorkingCalendar } from '../src/calendar/calendar.service.js';
import { createRuntime } from '../src/runtime.js';
import { deriveKeys } from '../src/shared/secrets.js';
import { createLogger } from '../src/shared/log.js';
import { fixedClock } from '../src/shared/clock.js';
import { hashIdNumber } from '../src/people/id-number.js';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
};
const PEOPLE = Number(arg('people', '100000'));
const MESSAGES = Number(arg('messages', '3000'));
const CONCURRENCY = arg('concurrency', '1,8').split(',').map(Number);

function pct(xs: number[], p: number) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function timed<T>(items: T[], concurrency: number, f: (x: T) => Promise<unknown>) {
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const x = items[next++]!;
      const t = performance.now();
      await f(x);
      lat.push(performance.now() - t);
    }
  }));
  const secs = (performance.now() - t0) / 1000;
  return { perSec: items.length / secs, p50: pct(lat, 50), p95: pct(lat, 95), p99: pct(lat, 99) };
}

async function main() {
  const config = loadConfig();
  const keys = deriveKeys(config.secretKey ?? 'bench-secret-key-0123456789abcdef0123');
  const schema = config.database.url ? `bench_${Date.now()}` : undefined;
  const db = await openDatabase({ url: config.database.url, schema });
  await migrate(db.sql);
  const ref = await loadReferenceData(db, config.programsDir);
  const dataDir = mkdtempSync(join(tmpdir(), 'ansinh-bench-'));
  const t0 = Date.now();
  const seeded = await seedDemo(db, { keys, calendar: await loadWorkingCalendar(db.prisma), programs: ref.definitions }, { scale: PEOPLE / 697_551, seed: 5, asOf: '2022-01-24', dataDir, extraSamples: MESSAGES });
  const seedSecs = (Date.now() - t0) / 1000;
  const samples = (JSON.parse(readFileSync(seeded.samplesFile, 'utf8')) as { people: { idNumber: string; dateOfBirth: string }[] }).people.filter((p) => !/^\d{4}$/.test(p.dateOfBirth));
  const huge = 1e9;
  const rt = await createRuntime(config, {
    db, keys, clock: fixedClock('2022-01-24T03:00:00Z'), redisPrefix: `bench:${randomUUID()}:`, log: createLogger({ level: 'silent' }),
    limits: { chatFailures: huge, chatWindowSeconds: 60, idFailures: huge, idWindowSeconds: 60, distinctIds: huge, distinctWindowSeconds: 60 },
  });
  const messages = Array.from({ length: MESSAGES }, (_, i) => {
    if (i % 5 === 4) return `0801${String(90 + (i % 10))}${String(100000 + i).slice(-6)} 01/01/19${90 + (i % 10)}`;
    const p = samples[i % samples.length]!;
    return `tra cuu ${p.idNumber} ngay sinh ${p.dateOfBirth}`;
  });
  const hashes = samples.map((p) => hashIdNumber(keys.id, p.idNumber));
  const rows: string[] = [];
  // Warm-up.
  await timed(messages.slice(0, 200), 4, (text) => rt.engine.handle({ channel: 'bench', chatId: randomUUID(), text }));
  for (const c of CONCURRENCY) {
    const base = await timed(Array.from({ length: MESSAGES }, (_, i) => hashes[i % hashes.length]!), c, (h) =>
      db.sql.query(`SELECT p.id, p."birthDate", e.stage, e.amount FROM "Person" p JOIN "Entitlement" e ON e."personId" = p.id WHERE p."idHash" = $1`, [h]));
    const eng = await timed(messages, c, (text) => rt.engine.handle({ channel: 'bench', chatId: randomUUID(), text }));
    rows.push(`| ${c} | ${eng.perSec.toFixed(0)} | ${eng.p50.toFixed(1)} | ${eng.p95.toFixed(1)} | ${eng.p99.toFixed(1)} | ${base.perSec.toFixed(0)} | ${base.p50.toFixed(2)} | ${base.p99.toFixed(2)} | ${(eng.perSec / base.perSec).toFixed(3)} |`);
    console.log(rows.at(-1));
  }
  const rss = (process.memoryUsage().rss / 1048576).toFixed(0);
  const section = [
    '',
    `## Engine look-up per message, ${seeded.people.toLocaleString('en')} people (${db.kind === 'postgres' ? 'PostgreSQL 15' : 'PGlite, in memory'})`,
    '',
    `- Command: \`${config.database.url ? 'DATABASE_URL=… ' : ''}npx tsx bench/lookup-engine.ts --people ${PEOPLE} --messages ${MESSAGES} --concurrency ${CONCURRENCY.join(',')}\``,
    `- Commit: ${(() => { try { return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim(); } catch { return 'unknown'; } })()}; date: ${new Date().toISOString().slice(0, 10)}; machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; Redis 7 on 127.0.0.1`,
    `- Seeding ${seeded.people.toLocaleString('en')} people (+ files and ${seeded.events.toLocaleString('en')} status events) took ${seedSecs.toFixed(1)} s. RSS at the end: ${rss} MB.`,
    '- Engine: one message "tra cuu <ID> ngay sinh <date>" from a new chat (find/create the chat, Redis dialog and quota checks, keyed hash, person look-up, binding, audit, reply text); 80% found, 20% unknown. Baseline: a bare SQL point look-up of a person with their files by `idHash`, same database, same run.',
    '',
    '| concurrency | engine msg/s | p50 ms | p95 ms | p99 ms | baseline q/s | baseline p50 ms | baseline p99 ms | engine / baseline |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
  appendFileSync(resolve(import.meta.dirname, '../docs/BENCHMARKS.md'), section);
  console.log(section);
  await rt.close();
  if (schema) await db.sql.exec(`DROP SCHEMA ${schema} CASCADE`);
  await db.close();
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
