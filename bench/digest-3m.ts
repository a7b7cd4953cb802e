/**
 * Issue 8: the officers' digest fan-out at 3,000,000 files over every commune of Sóc Trăng and
 * Long An, with about 10,000 officers: compute every area's backlog and queue one digest per
 * officer (Digest rows + outbox messages), against the bare aggregate query of the backlog in the
 * same run. Target: ≤ 5 s for the queued run; peak RSS of the process doing it ≤ 300 MB.
 *
 *   DATABASE_URL=postgres://... ANSINH_SECRET_KEY=... npx tsx bench/digest-3m.ts \
 *     [--files 3000000] [--base-scale 0.25] [--officers 10000] [--no-record]
 *
 * Data: the demo seed at --base-scale (its distributions of groups, stages, due dates and
 * overdue files), then copied with set-based INSERT ... SELECT until there are --files files,
 * each copy moved to other communes of the same province (so every commune has files), new
 * keyed hashes, no phones. Seeding is timed apart. Officers: one per commune, district and
 * province × (officers / areas), each with one Telegram chat. The digest run happens in a child
 * process (bench/digest-3m-run.ts), so its memory is measured alone. Appends its figures to
 * docs/BENCHMARKS.md and drops its schema.
 */
import { fork } from 'node:child_process';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { migrate } from '../src/db/migrator.js';
import { loadReferenceData } from '../src/setup/reference-data.js';
import { seedDemo } from '../src/seed/demo.js';
import { loadWorkingCalendar } from '../src/calendar/calendar.service.js';
import { deriveKeys } from '../src/shared/secrets.js';
import { commitLabel, cpuShares, cpuSnapshot, load1, machineLabel, rssSampler } from './proc-stats.js';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
};
const DATE = '2022-01-24';

async function main() {
  const FILES = Number(arg('files', '3000000'));
  const BASE_SCALE = Number(arg('base-scale', '0.25'));
  const OFFICERS = Number(arg('officers', '10000'));
  const config = loadConfig();
  if (!config.database.url) throw new Error('Set DATABASE_URL (PostgreSQL).');
  const keys = deriveKeys(config.secretKey ?? 'bench-secret-key-0123456789abcdef0123');
  const schema = `bench_dg3m_${Date.now()}`;
  const loadBefore = load1();
  const db = await openDatabase({ url: config.database.url, schema });
  const sql = db.sql;
  try {
    await migrate(sql);
    const ref = await loadReferenceData(db, config.programsDir);
    const calendar = await loadWorkingCalendar(db.prisma);

    // 1. The demo seed at the base scale.
    let t = Date.now();
    const seeded = await seedDemo(db, { keys, calendar, programs: ref.definitions }, { scale: BASE_SCALE, seed: 7, asOf: DATE, dataDir: mkdtempSync(join(tmpdir(), 'ansinh-bench-')) });
    const seedSecs = (Date.now() - t) / 1000;
    const [{ n0 }] = (await sql.query<{ n0: number }>(`SELECT max(id)::int n0 FROM "Person"`)) as [{ n0: number }];
    const [{ e0 }] = (await sql.query<{ e0: number }>(`SELECT count(*)::int e0 FROM "Entitlement"`)) as [{ e0: number }];
    if (e0 !== n0) throw new Error(`expected one file per person in the demo seed (${e0} files, ${n0} people)`);

    // 2. Copies, each moved k·37 communes along within its province, until FILES files.
    t = Date.now();
    await sql.exec(`CREATE TABLE bench_cm AS
      SELECT c.id, p.code AS province, (row_number() OVER (PARTITION BY p.code ORDER BY c.code) - 1)::int AS rn, (count(*) OVER (PARTITION BY p.code))::int AS n
      FROM "Area" p JOIN "Area" d ON d."parentId" = p.id JOIN "Area" c ON c."parentId" = d.id
      WHERE p.code IN ('80', '94') AND p.scheme = '2008' AND c.level = 'commune'`);
    await sql.exec(`CREATE UNIQUE INDEX ON bench_cm (province, rn); CREATE UNIQUE INDEX ON bench_cm (id); ANALYZE bench_cm`);
    const move = `JOIN bench_cm m1 ON m1.id = x."communeId" JOIN bench_cm m2 ON m2.province = m1.province AND m2.rn = (m1.rn + $1 * 37) % m1.n`;
    for (let k = 1; n0 * k < FILES; k++) {
      const m = Math.min(n0, FILES - n0 * k);
      await sql.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO "Person" (id, "idHash", "idLast", "idKind", "fullName", "birthDate", "birthYear", gender, "communeId", "householdRef", "updatedAt")
           SELECT x.id + $1 * $2, md5(x."idHash" || ':' || $1), x."idLast", x."idKind", x."fullName", x."birthDate", x."birthYear", x.gender, m2.id,
                  CASE WHEN x."householdRef" IS NULL THEN NULL ELSE x."householdRef" || '-' || $1 END, now()
           FROM "Person" x ${move} WHERE x.id <= $3`,
          [k, n0, m],
        );
        await tx.query(
          `INSERT INTO "Entitlement" ("personId", "programId", "groupId", "communeId", amount, "amountDetail", stage, status, "stageEnteredAt", "dueAt",
             "rejectionReason", "paidAt", "paymentPlace", "paymentMethod", "decisionNo", "updatedAt")
           SELECT x."personId" + $1 * $2, x."programId", x."groupId", m2.id, x.amount, x."amountDetail", x.stage, x.status, x."stageEnteredAt", x."dueAt",
             x."rejectionReason", x."paidAt", x."paymentPlace", x."paymentMethod", x."decisionNo", now()
           FROM "Entitlement" x ${move} WHERE x."personId" <= $3`,
          [k, n0, m],
        );
      });
      console.error(`  copy ${k}: ${(n0 * k + m).toLocaleString('en')} files`);
    }
    await sql.exec(`SELECT setval(pg_get_serial_sequence('"Person"', 'id'), (SELECT max(id) FROM "Person"))`);
    const copySecs = (Date.now() - t) / 1000;

    // 3. Officers for every commune, district and province of the two provinces, each with one Telegram chat.
    t = Date.now();
    const [{ areas }] = (await sql.query<{ areas: number }>(
      `SELECT count(*)::int areas FROM (SELECT id FROM bench_cm UNION SELECT c."parentId" FROM "Area" c JOIN bench_cm USING (id) UNION SELECT d."parentId" FROM "Area" c JOIN bench_cm USING (id) JOIN "Area" d ON d.id = c."parentId") a`,
    )) as [{ areas: number }];
    const perArea = Math.max(1, Math.round(OFFICERS / areas));
    await sql.query(
      `WITH a AS (SELECT id FROM bench_cm UNION SELECT c."parentId" FROM "Area" c JOIN bench_cm USING (id) UNION SELECT d."parentId" FROM "Area" c JOIN bench_cm USING (id) JOIN "Area" d ON d.id = c."parentId")
       INSERT INTO "Officer" (name, role, "areaId", "updatedAt") SELECT 'Cán bộ ' || ar.id || '-' || k, ar.level, ar.id, now() FROM a JOIN "Area" ar ON ar.id = a.id, generate_series(1, $1) k`,
      [perArea],
    );
    await sql.query(`INSERT INTO "ChannelIdentity" (channel, "externalId", "officerId", "updatedAt") SELECT 'telegram', (9000000 + id)::text, id, now() FROM "Officer"`);
    await sql.exec('ANALYZE');
    const officerSecs = (Date.now() - t) / 1000;
    const [stats] = (await sql.query<{ officers: number; files: number; people: number; communes: number; open: number; overdue: number; size: string }>(
      `SELECT (SELECT count(*)::int FROM "Officer") officers, (SELECT count(*)::int FROM "Entitlement") files, (SELECT count(*)::int FROM "Person") people,
              (SELECT count(DISTINCT "communeId")::int FROM "Entitlement") communes,
              (SELECT count(*)::int FROM "Entitlement" WHERE status IN ('in_review', 'approved')) open,
              (SELECT count(*)::int FROM "Entitlement" WHERE status IN ('in_review', 'approved') AND "dueAt" < $1::date) overdue,
              pg_size_pretty((SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $2 AND c.relkind = 'r')) size`,
      [DATE, schema],
    )) as [{ officers: number; files: number; people: number; communes: number; open: number; overdue: number; size: string }];
    console.error(JSON.stringify({ seedSecs, copySecs, officerSecs, ...stats }));

    // 4. The digest run, alone in a child process.
    const loadAtRun = load1();
    const child = fork(fileURLToPath(new URL('./digest-3m-run.ts', import.meta.url)), [], { env: { ...process.env, BENCH_SCHEMA: schema, BENCH_DATE: DATE }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const rss = rssSampler(child.pid!, 50);
    // CPU from the moment the child has started up (modules loaded, connected) to its answer.
    await new Promise<void>((res, rej) => {
      child.once('message', () => res());
      child.once('exit', (code) => rej(new Error(`digest child exited with ${code}`)));
    });
    const cpuA = cpuSnapshot();
    type Result = { baseCold: number; baseWarm: number; queued: number; dry: { due: number; ms: { backlog: number; total: number } }; real: { sent: number; reminders: number; empty: number; ms: { backlog: number; total: number } }; again: { sent: number; ms: { total: number } }; rss: { startMb: number; readyMb: number; endMb: number; peakMb: number } };
    const r = await new Promise<Result>((res, rej) => {
      child.once('message', (m) => res(m as Result));
      child.once('exit', (code) => rej(new Error(`digest child exited with ${code}`)));
    });
    const cpu = cpuShares(cpuA, cpuSnapshot(), { run: [child.pid!] });
    rss.stop();
    await new Promise((res) => (child.exitCode === null ? child.once('exit', res) : res(null)));

    const n = (x: number) => x.toLocaleString('en');
    const section = [
      '',
      `## Digest fan-out: ${n(stats.files)} files in ${stats.communes} communes, ${n(stats.officers)} officers (PostgreSQL 15)`,
      '',
      `- Command: \`DATABASE_URL=… npx tsx bench/digest-3m.ts --files ${FILES} --base-scale ${BASE_SCALE} --officers ${OFFICERS}\``,
      `- Commit: ${commitLabel()}; date: ${new Date().toISOString().slice(0, 10)}; machine: ${machineLabel()}; PostgreSQL 15 on 127.0.0.1`,
      `- Data: the demo seed at scale ${BASE_SCALE} (${n(seeded.people)} people, one file each: ${seedSecs.toFixed(0)} s), copied with set-based INSERT ... SELECT to ${n(stats.files)} files and ${n(stats.people)} people (${copySecs.toFixed(0)} s), each copy moved to other communes of its province: files in all ${stats.communes} communes of Sóc Trăng and Long An; ${n(stats.open)} files still open, ${n(stats.overdue)} of them overdue on ${DATE}; tables and indexes ${stats.size}. Officers: one per commune, district and province × ${perArea} = ${n(stats.officers)}, each with one Telegram chat (${officerSecs.toFixed(0)} s with ANALYZE).`,
      `- The digest run is a child process (connects, loads the calendar, then runs; CPU counted from then); load average (1 min) before the bench: ${loadBefore.toFixed(2)}, before the digest run: ${loadAtRun.toFixed(2)}; during it the run used ${cpu.run.toFixed(2)} cores, PostgreSQL ${cpu.postgres.toFixed(2)}, other processes ${cpu.other.toFixed(2)}, the machine ${cpu.machine.toFixed(2)} of ${cpus().length}.`,
      '',
      '| step | ms |',
      '|---|---|',
      `| baseline: bare backlog aggregate (one GROUP BY), first run | ${r.baseCold.toFixed(0)} |`,
      `| baseline: the same, warm (best of two, after the digest runs) | ${r.baseWarm.toFixed(0)} |`,
      `| backlog of every area (6 set-based queries, in parallel), queued run | ${r.real.ms.backlog.toFixed(0)} |`,
      `| whole run, dry (backlog + render ${n(r.dry.due)} digests) | ${r.dry.ms.total.toFixed(0)} |`,
      `| whole run, queued (+ ${n(r.real.sent)} Digest rows with their messages and ${n(r.real.reminders)} intake reminders: ${n(r.queued)} outbox messages) | ${r.real.ms.total.toFixed(0)} |`,
      `| second run the same day (every officer already has a digest: nothing sent) | ${r.again.ms.total.toFixed(0)} |`,
      '',
      `- Whole queued run / warm baseline: ${(r.real.ms.total / r.baseWarm).toFixed(1)}× (/ first baseline: ${(r.real.ms.total / r.baseCold).toFixed(1)}×); target ≤ 5,000 ms: ${r.real.ms.total <= 5000 ? 'met' : 'not met'}.`,
      `- Memory of the digest process: ${r.rss.startMb.toFixed(0)} MB after loading its modules (Node, tsx, Prisma client, pg, PGlite), ${r.rss.readyMb.toFixed(0)} MB connected with the calendar loaded, peak ${r.rss.peakMb.toFixed(0)} MB (VmHWM; sampled every 50 ms: ${rss.peak().toFixed(0)} MB); target ≤ 300 MB: ${r.rss.peakMb <= 300 ? 'met' : 'not met'}.`,
      '',
    ].join('\n');
    console.log(section);
    if (!process.argv.includes('--no-record')) appendFileSync(resolve(import.meta.dirname, '../docs/BENCHMARKS.md'), section);
  } finally {
    await sql.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch((e) => console.error('drop schema failed', e));
    await db.close();
  }
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
