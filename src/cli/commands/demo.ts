import type { Command } from 'commander';
import type { ContextFactory } from '../main.js';
import { DEFAULT_SCALE } from '../../seed/demo.js';
import { localDateAt } from '../../calendar/local-date.js';
import { loadReferenceData } from '../../setup/reference-data.js';
import { parseSeedFlags, printSeedSummary, runSeed, type SeedFlags } from './seed.js';

export function registerDemo(program: Command, ctx: ContextFactory) {
  program
    .command('demo')
    .description('Set up the demo on this machine: migrate, load areas, calendar and programs, seed demo people (once), and report what was loaded')
    .option('--scale <f>', "multiplier on the reports' numbers (1 = ~698,000 people)", String(DEFAULT_SCALE))
    .option('--seed <s>', 'random seed', '42')
    .option('--reseed', 'seed again even if demo data is already there')
    .action(async (flags: SeedFlags & { reseed?: boolean }) => {
      const c = ctx();
      const today = localDateAt(new Date(), c.config.timeZone);
      const parsed = parseSeedFlags(flags, today);
      console.log(`ansinh demo on ${c.describeDatabase()}`);
      const db = await c.database();
      const ref = await loadReferenceData(db, c.config.programsDir);
      console.log(`Reference data: ${ref.areas} areas, ${ref.calendarDays} calendar days, programs ${ref.programs.map((p) => `${p.code} (${p.groups} groups)`).join(', ')}.`);
      const meta = await db.prisma.meta.findUnique({ where: { key: 'demo_seed' } });
      const prev = meta?.value as { scale?: number; seed?: number; asOf?: string; people?: number } | undefined;
      if (!flags.reseed && prev && prev.scale === parsed.scale && prev.seed === parsed.seed) {
        console.log(`Demo data already loaded: ${prev.people} people (scale ${prev.scale}, seed ${prev.seed}, as of ${prev.asOf}). Use --reseed to start over.`);
        console.log(`Sample people to try: ${c.config.dataDir}/demo-people.json`);
      } else {
        printSeedSummary(await runSeed(c, parsed));
      }
      console.log('\nThe citizen chat, officer view and admin console come with the next issues; this demo sets up and reports the data only.');
      console.log('Explore: npx ansinh programs show NQ68-2021 · npx ansinh areas show 94 · npx ansinh calendar show 2022');
    });
}
