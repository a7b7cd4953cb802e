/**
 * The digest run of bench/digest-3m.ts, alone in its own process so its memory is measured
 * alone (not run by hand): what `ansinh digest run --date D` does for every officer (connect,
 * load the calendar, compute the backlog once, render and queue one digest per officer), timed
 * against the bare backlog aggregate; sends its figures and its memory to the parent.
 */
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { loadWorkingCalendar } from '../src/calendar/calendar.service.js';
import { createLogger } from '../src/shared/log.js';
import { runDigests } from '../src/officers/digest.service.js';
import { memoryOf } from './proc-stats.js';

const DATE = process.env.BENCH_DATE!;
const BASELINE_SQL = `SELECT owner, count(*) FROM (SELECT CASE s."ownerLevel" WHEN 'commune' THEN c.id WHEN 'district' THEN c."parentId" WHEN 'province' THEN d."parentId" END AS owner
  FROM "Entitlement" e JOIN "Stage" s ON s."groupId" = e."groupId" AND s.code = e.stage JOIN "Area" c ON c.id = e."communeId" LEFT JOIN "Area" d ON d.id = c."parentId"
  WHERE e.status IN ('in_review', 'approved')) x GROUP BY owner`;

const atStart = memoryOf(process.pid)!;
const config = loadConfig();
const db = await openDatabase({ url: config.database.url, schema: process.env.BENCH_SCHEMA });
const calendar = await loadWorkingCalendar(db.prisma);
const log = createLogger({ level: 'warn' });
const ready = memoryOf(process.pid)!;
const timeBaseline = async () => {
  const t = performance.now();
  await db.sql.query(BASELINE_SQL);
  return performance.now() - t;
};
const opts = { date: DATE, now: new Date(`${DATE}T01:00:00Z`), mode: 'all' as const };
process.send!({ started: true });
const baseCold = await timeBaseline();
const dry = await runDigests({ sql: db.sql, calendar, log }, { ...opts, dryRun: true });
const real = await runDigests({ sql: db.sql, calendar, log }, opts);
const again = await runDigests({ sql: db.sql, calendar, log }, opts);
const baseWarm = Math.min(await timeBaseline(), await timeBaseline());
const [{ queued }] = (await db.sql.query<{ queued: string }>(`SELECT count(*) queued FROM "OutboxEvent" WHERE kind = 'chat_message'`)) as [{ queued: string }];
const end = memoryOf(process.pid)!;
await db.close();
process.send!({
  baseCold, baseWarm, queued: Number(queued),
  dry: { due: dry.due, ms: dry.ms }, real: { sent: real.sent, reminders: real.reminders, empty: real.empty, ms: real.ms }, again: { sent: again.sent, ms: again.ms },
  rss: { startMb: atStart.rssMb, readyMb: ready.rssMb, endMb: end.rssMb, peakMb: end.peakMb },
});
setTimeout(() => process.exit(0), 200);
