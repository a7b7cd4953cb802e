/**
 * Importing a province-sized beneficiary list, against COPY of the same rows into a bare table
 * in the same run, and the round trip of the full-scale demo data:
 *
 *   1. seed the demo at --scale (1 = both reports' numbers) into schema A, exporting every person
 *      as lists (NQ42-2020.csv, NQ68-2021.csv: Long An's 435,000 rows at scale 1);
 *   2. convert the NQ68 list to .xlsx (streamed);
 *   3. baseline: COPY the NQ68 CSV into a bare table of text columns (server-side COPY);
 *   4. import both CSV lists into an empty schema B (another secret key) and compare the
 *      progress reports of A and B for every program (they must be equal);
 *   5. empty B's people and import the NQ68 .xlsx;
 *   6. import the NQ68 CSV again into B (nothing may change).
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/import.ts [--scale 1] [--no-record]
 *
 * Appends its figures to docs/BENCHMARKS.md and drops its schemas.
 */
import { execSync } from 'node:child_process';
import { appendFileSync, chmodSync, createReadStream, mkdtempSync, statSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse';
import { loadConfig } from '../src/config.js';
import { openDatabase, type Database } from '../src/db/client.js';
import { migrate } from '../src/db/migrator.js';
import { loadReferenceData } from '../src/setup/reference-data.js';
import { seedDemo } from '../src/seed/demo.js';
import { loadWorkingCalendar } from '../src/calendar/calendar.service.js';
import { deriveKeys } from '../src/shared/secrets.js';
import { createLogger } from '../src/shared/log.js';
import { systemClock } from '../src/shared/clock.js';
import { importListFile, type ImportSummary } from '../src/imports/import.service.js';
import { ListWriter, LIST_FIELDS } from '../src/imports/list-writer.js';
import { progressReport } from '../src/reports/progress-report.js';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
};
const SCALE = Number(arg('scale', '1'));
const AS_OF = '2026-11-20';
const config = loadConfig();
if (!config.database.url) throw new Error('Set DATABASE_URL to a PostgreSQL database (the baseline is a server-side COPY).');
const log = createLogger({ level: 'warn' });
const dir = mkdtempSync(join(tmpdir(), 'ansinh-bench-import-'));
chmodSync(dir, 0o755);
const stamp = Date.now();
const a = await openDatabase({ url: config.database.url, schema: `bench_a_${stamp}` });
const b = await openDatabase({ url: config.database.url, schema: `bench_b_${stamp}` });
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
const secs = (t: number) => (performance.now() - t) / 1000;

async function setUp(db: Database) {
  await migrate(db.sql);
  return loadReferenceData(db, config.programsDir);
}

try {
  const refA = await setUp(a);
  await setUp(b);
  const calendar = await loadWorkingCalendar(a.prisma);
  let t = performance.now();
  const seeded = await seedDemo(a, { keys: deriveKeys('bench-import-secret-A-0123456789abcdef'), calendar, programs: refA.definitions },
    { scale: SCALE, seed: 7, asOf: AS_OF, dataDir: dir, exportTo: { dir, format: 'csv' } });
  const seedSecs = secs(t);
  const [nq42, nq68] = seeded.exports as [string, string];
  for (const f of seeded.exports) chmodSync(f, 0o644);

  // The NQ68 list as .xlsx, streamed row by row from the CSV.
  t = performance.now();
  const xlsx = join(dir, 'NQ68-2021.xlsx');
  const w = new ListWriter(xlsx);
  let first = true;
  for await (const rec of createReadStream(nq68, { encoding: 'utf8' }).pipe(parse({ bom: true })) as AsyncIterable<string[]>) {
    if (first) { first = false; continue; }
    w.add(Object.fromEntries(LIST_FIELDS.map((f, i) => [f, f === 'amount' ? Number(rec[i]) : rec[i] || null])));
  }
  await w.close();
  const xlsxSecs = secs(t);

  // Baseline: COPY of the same CSV into a bare table in B's schema.
  const rows = Number(execSync(`wc -l < ${nq68}`).toString()) - 1;
  await b.sql.exec(`CREATE TABLE bare_list (${LIST_FIELDS.map((f) => `"${f}" text`).join(', ')})`);
  t = performance.now();
  await b.sql.query(`COPY bare_list FROM '${nq68}' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')`);
  const copySecs = secs(t);
  const [{ n: copied }] = await b.sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM bare_list`) as [{ n: string }];

  const deps = { sql: b.sql, keys: deriveKeys('bench-import-secret-B-0123456789abcdef'), calendar: await loadWorkingCalendar(b.prisma), clock: systemClock, log };
  const run = async (path: string, program: string): Promise<[ImportSummary, number]> => {
    const t0 = performance.now();
    const s = await importListFile(deps, path, { program, outDir: join(dir, 'out') });
    if (s.status !== 'committed') throw new Error(`${program}: ${s.status} ${s.fatal ?? JSON.stringify(s.issues.slice(0, 3))}`);
    return [s, secs(t0)];
  };
  const [s68, csvSecs] = await run(nq68, 'NQ68-2021');
  const [s42, csv42Secs] = await run(nq42, 'NQ42-2020');
  await b.sql.exec('ANALYZE');
  const same: string[] = [];
  for (const program of ['NQ42-2020', 'NQ68-2021']) {
    const ra = await progressReport(a.sql, { program, asOf: AS_OF });
    const rb = await progressReport(b.sql, { program, asOf: AS_OF });
    if (JSON.stringify(ra) !== JSON.stringify(rb)) throw new Error(`${program}: the re-imported report differs`);
    same.push(`${program} (${ra.rows.length} rows, ${ra.total.people.toLocaleString('en')} files, ${ra.total.paid.toLocaleString('en')} paid)`);
  }
  const [again, againSecs] = await run(nq68, 'NQ68-2021');
  if (again.changes.unchanged !== again.okRows) throw new Error('the second import changed something');

  await b.sql.exec(`TRUNCATE "EntitlementEvent", "Entitlement", "Person", "OutboxEvent" RESTART IDENTITY CASCADE`);
  const [sx, xlsxImportSecs] = await run(xlsx, 'NQ68-2021');

  clearInterval(sampler);
  const fmt = (s: ImportSummary) => [s.timings.read, s.timings.checks, s.timings.commit].map((ms) => (ms / 1000).toFixed(1)).join(' / ');
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const commit = execSync('git rev-parse --short HEAD', { cwd: resolve(import.meta.dirname, '..') }).toString().trim();
  const mb = (p: string) => (statSync(p).size / 2 ** 20).toFixed(0);
  const out = `
## Import: ${rows.toLocaleString('en')} rows (Long An's NQ68 list), CSV and xlsx, against COPY (PostgreSQL 15)

- Command: \`DATABASE_URL=… npx tsx bench/import.ts --scale ${SCALE}\`
- Commit: ${commit}; date: ${new Date().toISOString().slice(0, 10)}; machine: ${machine}
- Data: the demo seed at scale ${SCALE} (${seeded.people.toLocaleString('en')} people, seeded in ${seedSecs.toFixed(0)} s) exported with \`seed demo --export\`: NQ68-2021.csv ${mb(nq68)} MB (${rows.toLocaleString('en')} rows), NQ42-2020.csv ${mb(nq42)} MB (${s42.rows.toLocaleString('en')} rows); the NQ68 list converted to .xlsx (${mb(xlsx)} MB, ${xlsxSecs.toFixed(0)} s).

| step | s | rows/s |
|---|---|---|
| baseline: server-side \`COPY\` of the NQ68 CSV into a bare table of text columns (${Number(copied).toLocaleString('en')} rows) | ${copySecs.toFixed(1)} | ${Math.round(rows / copySecs).toLocaleString('en')} |
| import NQ68-2021.csv into an empty database (read, check, stage, file checks, commit) | ${csvSecs.toFixed(1)} | ${Math.round(rows / csvSecs).toLocaleString('en')} |
| import NQ42-2020.csv (${s42.rows.toLocaleString('en')} rows) | ${csv42Secs.toFixed(1)} | ${Math.round(s42.rows / csv42Secs).toLocaleString('en')} |
| import NQ68-2021.csv again (${again.changes.unchanged.toLocaleString('en')} unchanged, nothing written) | ${againSecs.toFixed(1)} | ${Math.round(rows / againSecs).toLocaleString('en')} |
| import NQ68-2021.xlsx into an emptied database | ${xlsxImportSecs.toFixed(1)} | ${Math.round(sx.rows / xlsxImportSecs).toLocaleString('en')} |

- Import / COPY: CSV ${(csvSecs / copySecs).toFixed(1)}×, xlsx ${(xlsxImportSecs / copySecs).toFixed(1)}×. Peak RSS of the process (seeding included): ${Math.round(peakRss / 2 ** 20)} MB.
- Where the time went (read+check+stage / file-wide checks / commit, s): first NQ68 CSV ${fmt(s68)}; again ${fmt(again)}; xlsx ${fmt(sx)}.
- Round trip: the reports of the seeded and the re-imported database are identical for ${same.join(' and ')}. Changes of the first NQ68 import: ${JSON.stringify(s68.changes)}; warnings ${s68.warnings}.
`;
  console.log(out);
  if (!process.argv.includes('--no-record')) appendFileSync(resolve(import.meta.dirname, '../docs/BENCHMARKS.md'), out);
} finally {
  clearInterval(sampler);
  await a.sql.exec(`DROP SCHEMA IF EXISTS bench_a_${stamp} CASCADE`).catch(() => {});
  await b.sql.exec(`DROP SCHEMA IF EXISTS bench_b_${stamp} CASCADE`).catch(() => {});
  await a.close();
  await b.close();
}
