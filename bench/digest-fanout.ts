/**
 * The officers' digest fan-out on the full-scale demo data (both provinces): compute every
 * area's backlog and queue one digest per officer (Digest rows + outbox messages, exactly-once
 * key), against the bare aggregate query of the backlog in the same run.
 *
 *   DATABASE_URL=postgres://... ANSINH_SECRET_KEY=... npx tsx bench/digest-fanout.ts [--scale 1] [--officers-per-area 1]
 *
 * One officer (one Telegram chat) per commune, district and province, times --officers-per-area.
 * Appends its figures to docs/BENCHMARKS.md and drops its schema afterwards.
 */
import { execSync } from 'node:child_process';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { migrate } from '../src/db/migrator.js';
import { loadReferenceData } from '../src/setup/reference-data.js';
import { seedDemo } from '../src/seed/demo.js';
import { loadWorkingCalendar } from '../src/calendar/calendar.service.js';
import { deriveKeys } from '../src/shared/secrets.js';
import { createLogger } from '../src/shared/log.js';
import { runDigests } from '../src/officers/digest.service.js';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
};
const SCALE = Number(arg('scale', '1'));
const PER_AREA = Number(arg('officers-per-area', '1'));
const DATE = '2022-01-24';

const config = loadConfig();
const keys = deriveKeys(config.secretKey ?? 'bench-secret-key-0123456789abcdef0123');
const schema = config.database.url ? `bench_${Date.now()}` : undefined;
const db = await openDatabase({ url: config.database.url, schema });
let peakRss = 0;
const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
try {
  await migrate(db.sql);
  const ref = await loadReferenceData(db, config.programsDir);
  const calendar = await loadWorkingCalendar(db.prisma);
  const t0 = Date.now();
  const seeded = await seedDemo(db, { keys, calendar, programs: ref.definitions }, { scale: SCALE, seed: 7, asOf: DATE, dataDir: mkdtempSync(join(tmpdir(), 'ansinh-bench-')) });
  const seedSecs = (Date.now() - t0) / 1000;
  // Officers for every area that has files, and its district and province.
  await db.sql.query(
    `WITH c AS (SELECT DISTINCT "communeId" AS id FROM "Entitlement"),
     areas AS (SELECT a.id, a.level FROM "Area" a JOIN c ON c.id = a.id
               UNION SELECT d.id, d.level FROM "Area" d JOIN "Area" a ON a."parentId" = d.id JOIN c ON c.id = a.id
               UNION SELECT p.id, p.level FROM "Area" p JOIN "Area" d ON d."parentId" = p.id JOIN "Area" a ON a."parentId" = d.id JOIN c ON c.id = a.id)
     INSERT INTO "Officer" (name, role, "areaId", "updatedAt") SELECT 'Cán bộ ' || areas.id || '-' || k, areas.level, areas.id, now() FROM areas, generate_series(1, $1) k`,
    [PER_AREA],
  );
  await db.sql.query(`INSERT INTO "ChannelIdentity" (channel, "externalId", "officerId", "updatedAt") SELECT 'telegram', (9000000 + id)::text, id, now() FROM "Officer"`);
  const [{ officers, files }] = await db.sql.query<{ officers: string; files: string }>(`SELECT (SELECT count(*) FROM "Officer") officers, (SELECT count(*) FROM "Entitlement") files`) as [{ officers: string; files: string }];
  await db.sql.exec('ANALYZE');

  // Baseline: the bare aggregate of the backlog by owning area.
  const tb = performance.now();
  await db.sql.query(
    `SELECT owner, count(*) FROM (SELECT CASE s."ownerLevel" WHEN 'commune' THEN c.id WHEN 'district' THEN c."parentId" WHEN 'province' THEN d."parentId" END AS owner
       FROM "Entitlement" e JOIN "Stage" s ON s."groupId" = e."groupId" AND s.code = e.stage JOIN "Area" c ON c.id = e."communeId" LEFT JOIN "Area" d ON d.id = c."parentId"
       WHERE e.status IN ('in_review', 'approved')) x GROUP BY owner`,
  );
  const baseMs = performance.now() - tb;
  const log = createLogger({ level: 'warn' });
  const dry = await runDigests({ sql: db.sql, calendar, log }, { date: DATE, now: new Date(`${DATE}T01:00:00Z`), mode: 'all', dryRun: true });
  const real = await runDigests({ sql: db.sql, calendar, log }, { date: DATE, now: new Date(`${DATE}T01:00:00Z`), mode: 'all' });
  const again = await runDigests({ sql: db.sql, calendar, log }, { date: DATE, now: new Date(`${DATE}T01:00:00Z`), mode: 'all' });
  const [{ queued }] = (await db.sql.query<{ queued: string }>(`SELECT count(*) queued FROM "OutboxEvent" WHERE kind = 'chat_message'`)) as [{ queued: string }];
  const section = [
    '',
    `## Digest fan-out: ${Number(files).toLocaleString('en')} files, ${Number(officers).toLocaleString('en')} officers (${db.kind === 'postgres' ? 'PostgreSQL 15' : 'PGlite'})`,
    '',
    `- Command: \`${config.database.url ? 'DATABASE_URL=… ' : ''}npx tsx bench/digest-fanout.ts --scale ${SCALE} --officers-per-area ${PER_AREA}\``,
    `- Commit: ${(() => { try { return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim(); } catch { return 'unknown'; } })()}; date: ${new Date().toISOString().slice(0, 10)}; machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
    `- Data: the demo seed at scale ${SCALE} (both provinces, ${seeded.people.toLocaleString('en')} people; seeding took ${seedSecs.toFixed(0)} s); one officer per commune, district and province ×${PER_AREA}, each with one Telegram chat; digest date ${DATE}.`,
    '',
    '| step | ms |',
    '|---|---|',
    `| baseline: bare backlog aggregate (one GROUP BY) | ${baseMs.toFixed(0)} |`,
    `| backlog of every area (6 set-based queries, in parallel) | ${real.ms.backlog.toFixed(0)} |`,
    `| whole run, dry (backlog + render ${dry.due.toLocaleString('en')} digests) | ${dry.ms.total.toFixed(0)} |`,
    `| whole run, queued (+ ${real.sent.toLocaleString('en')} Digest rows with their messages and ${real.reminders.toLocaleString('en')} intake reminders: ${Number(queued).toLocaleString('en')} outbox messages) | ${real.ms.total.toFixed(0)} |`,
    `| second run the same day (every officer already has a digest: nothing sent) | ${again.ms.total.toFixed(0)} |`,
    '',
    `- Whole queued run / baseline: ${(real.ms.total / baseMs).toFixed(1)}×; peak RSS of the process (seeding included): ${(peakRss / 2 ** 20).toFixed(0)} MB. Sending the queued messages is the outbound queue's job (see the outbound-rate figures).`,
    '',
  ].join('\n');
  console.log(section);
  appendFileSync(resolve(import.meta.dirname, '../docs/BENCHMARKS.md'), section);
} finally {
  clearInterval(sample);
  if (schema) await db.sql.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await db.close();
}
process.exit(0);
