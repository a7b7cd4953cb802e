import type { Command } from 'commander';
import type { ContextFactory } from '../main.js';
import { DEFAULT_SCALE } from '../../seed/demo.js';
import { localDateAt } from '../../calendar/local-date.js';
import { loadReferenceData } from '../../setup/reference-data.js';
import { readFileSync } from 'node:fs';
import { parseSeedFlags, printSeedSummary, runSeed, type SeedFlags } from './seed.js';
import { createRuntime, connectRedis } from '../../runtime.js';
import { closeOnSignal, startServer } from '../../http/server.js';
import { UserError } from '../../shared/errors.js';

export function registerDemo(program: Command, ctx: ContextFactory) {
  program
    .command('demo')
    .description('Set up the demo on this machine: migrate, load areas, calendar and programs, seed demo people (once), and report what was loaded')
    .option('--scale <f>', "multiplier on the reports' numbers (1 = ~698,000 people)", String(DEFAULT_SCALE))
    .option('--seed <s>', 'random seed', '42')
    .option('--reseed', 'seed again even if demo data is already there')
    .option('--port <port>', 'port for the web chat (default: PORT or 3000)')
    .option('--no-serve', 'set up and report only; do not start the server')
    .action(async (flags: SeedFlags & { reseed?: boolean; port?: string; serve: boolean }) => {
      const c = ctx();
      const port = flags.port === undefined ? c.config.http.port : Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port ${flags.port} is not a port number.`);
      // Fail early, before any work, when Redis (dialogs and quotas) is not there.
      if (flags.serve) (await connectRedis(c.config.redisUrl)).disconnect();
      const today = localDateAt(new Date());
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
        printSeedSummary(await runSeed(c, parsed, ref));
      }
      if (!flags.serve) return;
      const rt = await createRuntime(c.config, { db, keys: c.keys });
      const server = await startServer(rt, { host: c.config.http.host, port });
      console.log(`\nWeb chat: ${server.url}/chat`);
      try {
        const people = (JSON.parse(readFileSync(`${c.config.dataDir}/demo-people.json`, 'utf8')) as { people: { idNumber: string; dateOfBirth: string; group: string; status: string }[] }).people;
        console.log('Try these people (ID number and date of birth):');
        for (const s of pickVaried(people)) console.log(`  ${s.idNumber}  ${s.dateOfBirth.padEnd(10)}  ${s.group} · ${s.status}`);
      } catch {
        /* the samples file is optional */
      }
      console.log('Or in the terminal: npx ansinh chat. The officer view and admin console come with later issues. Ctrl+C stops.');
      await closeOnSignal(async () => {
        await server.close();
        await rt.close();
      });
    });
}

function pickVaried<T extends { status: string; group: string; dateOfBirth: string }>(people: T[]): T[] {
  const out: T[] = [];
  const take = (f: (p: T) => boolean) => {
    const p = people.find((x) => f(x) && !out.includes(x));
    if (p) out.push(p);
  };
  take((p) => p.group === 'la-freelancer' && p.status === 'in_review');
  take((p) => p.group === 'la-freelancer' && p.status === 'paid');
  take((p) => p.group === 'g7-poor-household' && p.status === 'paid');
  take((p) => p.status === 'approved');
  take((p) => p.status === 'rejected');
  take((p) => /^\d{4}$/.test(p.dateOfBirth));
  return out;
}
