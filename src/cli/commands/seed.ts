import { mkdirSync } from 'node:fs';
import type { Command } from 'commander';
import type { ContextFactory } from '../main.js';
import type { CliContext } from '../context.js';
import { DEFAULT_SCALE, seedDemo, validateSeedOptions, type SeedSummary } from '../../seed/demo.js';
import { loadReferenceData, type ReferenceSummary } from '../../setup/reference-data.js';
import { loadWorkingCalendar } from '../../calendar/calendar.service.js';
import { isLocalDate, localDateAt } from '../../calendar/local-date.js';
import { UserError } from '../../shared/errors.js';
import { formatCount, formatPercent, formatVnd } from '../../shared/format.js';

export interface SeedFlags {
  scale: string;
  seed: string;
  asOf?: string;
  export?: string;
  exportFormat?: string;
}

export function parseSeedFlags(flags: SeedFlags, today: string) {
  const scale = Number(flags.scale);
  const seed = Number(flags.seed);
  validateSeedOptions(scale, seed);
  const asOf = flags.asOf ?? today;
  if (!isLocalDate(asOf)) throw new UserError(`--as-of ${asOf} is not a date.`, 'Use YYYY-MM-DD.');
  return { scale, seed, asOf };
}

/** Seeds demo data; `ref` is the reference data when the caller has loaded it already. */
export async function runSeed(c: CliContext, flags: { scale: number; seed: number; asOf: string; exportTo?: { dir: string; format: 'csv' | 'xlsx' } }, ref?: ReferenceSummary): Promise<SeedSummary> {
  const db = await c.database();
  ref ??= await loadReferenceData(db, c.config.programsDir);
  const calendar = await loadWorkingCalendar(db.prisma);
  const tty = process.stderr.isTTY;
  const summary = await seedDemo(
    db,
    {
      keys: c.keys,
      calendar,
      programs: ref.definitions,
      onProgress: tty ? (m) => process.stderr.write(`\r  ${m}…   `) : undefined,
    },
    { ...flags, dataDir: c.config.dataDir },
  );
  if (tty) process.stderr.write('\r\x1b[K');
  return summary;
}

export function printSeedSummary(s: SeedSummary) {
  console.log(`Demo data: ${formatCount(s.people)} people, ${formatCount(s.entitlements)} files, ${formatCount(s.events)} status events (scale ${s.scale}, seed ${s.seed}, as of ${s.asOf}) in ${(s.millis / 1000).toFixed(1)} s.`);
  for (const p of s.byProgram) {
    const people = p.groups.reduce((n, g) => n + g.people, 0);
    const paid = p.groups.reduce((n, g) => n + g.paid, 0);
    const amount = p.groups.reduce((n, g) => n + g.amount, 0);
    console.log(`  ${p.program} · tỉnh ${p.province}: ${formatCount(people)} người, ${formatVnd(amount)}, đã chi ${formatCount(paid)} (${formatPercent(paid, people)})`);
    for (const g of p.groups) {
      console.log(`    ${g.group.padEnd(24)} ${formatCount(g.people).padStart(9)} người  đã chi ${formatPercent(g.paid, g.people).padStart(6)}  đang xử lý ${formatCount(g.inProgress).padStart(7)}  từ chối ${formatCount(g.rejected).padStart(5)}`);
    }
  }
  console.log(`Sample people to try: ${s.samplesFile}`);
  for (const f of s.exports) console.log(`Beneficiary list (import it with npx ansinh import): ${f}`);
}

export function registerSeed(program: Command, ctx: ContextFactory) {
  const cmd = program.command('seed').description('Demo data');
  cmd.command('demo')
    .description("Replace all people and files with demo data shaped like Sóc Trăng's NQ42 and Long An's NQ68 reports")
    .option('--scale <f>', "multiplier on the reports' numbers (1 = ~698,000 people)", String(DEFAULT_SCALE))
    .option('--seed <s>', 'random seed; the same seed and as-of date give the same data', '42')
    .option('--as-of <date>', '"today" for files still in progress (YYYY-MM-DD; default: today in Vietnam)')
    .option('--export <dir>', 'also write every person as a beneficiary list per program (<dir>/<program>.csv), with clear ID numbers: demo data only')
    .option('--export-format <f>', 'csv or xlsx', 'csv')
    .action(async (flags: SeedFlags) => {
      const c = ctx();
      const parsed = parseSeedFlags(flags, localDateAt(new Date()));
      if (flags.exportFormat !== 'csv' && flags.exportFormat !== 'xlsx') throw new UserError(`--export-format must be csv or xlsx (got ${flags.exportFormat}).`);
      if (flags.export) mkdirSync(flags.export, { recursive: true });
      printSeedSummary(await runSeed(c, { ...parsed, exportTo: flags.export ? { dir: flags.export, format: flags.exportFormat } : undefined }));
    });
}
