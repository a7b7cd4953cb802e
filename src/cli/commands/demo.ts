import type { Command } from 'commander';
import type { ContextFactory } from '../main.js';
import { DEFAULT_SCALE } from '../../seed/demo.js';
import { localDateAt } from '../../calendar/local-date.js';
import { loadReferenceData } from '../../setup/reference-data.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createAdminUser } from '../../console/admin-auth.js';
import { writeSampleList } from '../../seed/sample-list.js';
import { parseSeedFlags, printSeedSummary, runSeed, type SeedFlags } from './seed.js';
import { createRuntime, connectRedis } from '../../runtime.js';
import { closeOnSignal, startServer } from '../../http/server.js';
import { parsePort } from '../args.js';
import type { Database } from '../../db/client.js';
import { hashIdNumber } from '../../people/id-number.js';
import { createInvite } from '../../officers/officer.service.js';
import { createInterface } from 'node:readline';
import { buildCli, describeFailure } from '../main.js';

export function registerDemo(program: Command, ctx: ContextFactory) {
  program
    .command('demo')
    .description('Set up the demo on this machine: migrate, load areas, calendar and programs, seed demo people (once), and report what was loaded')
    .option('--scale <f>', "multiplier on the reports' numbers (1 = ~698,000 people)", String(DEFAULT_SCALE))
    .option('--seed <s>', 'random seed', '42')
    .option('--reseed', 'seed again even if demo data is already there')
    .option('--port <port>', 'port for the web chat (default: PORT or 3000)')
    .option('--no-serve', 'set up and report only; do not start the server')
    .option('--simulate', 'also run local simulated Telegram and Zalo platforms and connect the bot to them')
    .action(async (flags: SeedFlags & { reseed?: boolean; port?: string; serve: boolean; simulate?: boolean }) => {
      const c = ctx();
      const port = parsePort(flags.port, c.config.http.port);
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
      const sim = flags.simulate ? await simulatedPlatforms(db) : null;
      const rt = await createRuntime(sim ? { ...c.config, ...sim.config } : c.config, { db, keys: c.keys });
      const server = await startServer(rt, { host: c.config.http.host, port, worker: true });
      console.log(`\nWeb chat: ${server.url}/chat`);
      if (sim) {
        sim.connect(`${server.url}/webhooks/zalo`);
        console.log(sim.usage);
      }
      const people = samplePeople(c.config.dataDir);
      if (people.length) console.log('Try these people (ID number and date of birth; the file id is for entitlement set-stage):');
      for (const p of pickVaried(people)) {
        const [file] = await db.sql.query<{ id: number }>(
          `SELECT e.id FROM "Entitlement" e JOIN "Person" p ON p.id = e."personId" JOIN "Program" pr ON pr.id = e."programId" WHERE p."idHash" = $1 AND pr.code = $2 LIMIT 1`,
          [hashIdNumber(c.keys.id, p.idNumber), p.program],
        );
        console.log(`  ${p.idNumber}  ${p.dateOfBirth.padEnd(10)}  ${p.group} · ${p.status}${file ? ` · file ${file.id}` : ''}`);
      }
      // The officer view is the chat itself: an invite code turns a chat into a commune officer's.
      const first = pickVaried(people)[0];
      const commune = first ? (await db.sql.query<{ code: string }>(
        `SELECT a.code FROM "Person" p JOIN "Area" a ON a.id = p."communeId" WHERE p."idHash" = $1`, [hashIdNumber(c.keys.id, first.idNumber)]))[0] : undefined;
      if (commune) {
        const inv = await createInvite(db.sql, c.keys, { role: 'commune', areaCode: commune.code, name: 'Cán bộ xã (demo)', createdBy: 'demo', now: new Date() });
        console.log(`Officer view: send ${inv.code} in another chat (a private browser window, or a simulated Telegram chat) to become the officer of ${inv.area.name}; then "tồn đọng", "quá hạn", "phiếu", "trợ giúp". More codes: officer invite --role commune --area <code> at the prompt.`);
      }
      const admin = await demoConsoleAccounts(db, c.config.dataDir);
      const sampleCommunes = (await db.sql.query<{ code: string }>(
        `SELECT a.code FROM "Area" a JOIN "Area" d ON d.id = a."parentId" WHERE d.code = '794' AND a.scheme = '2008' ORDER BY a.code LIMIT 4`)).map((r) => r.code);
      const sample = await writeSampleList(c.config.dataDir, sampleCommunes, { sql: db.sql, idKey: c.keys.id });
      console.log(`Admin console: ${server.url}/admin · user "admin" (Long An) or "soctrang" (Sóc Trăng) · password ${admin.password}`);
      if (sample) console.log(`  Sample list to import there (program NQ68-2021): ${sample}`);
      console.log('Ctrl+C stops.');
      const prompt = commandPrompt(ctx);
      await closeOnSignal(async () => {
        prompt.close();
        await server.close();
        await rt.close();
        await sim?.stop();
      });
    });
}

/**
 * While the demo runs it owns the embedded database, so other ansinh commands (e.g. `entitlement
 * set-stage --file 12 --stage paid`) are typed at its prompt and run in this process.
 */
function commandPrompt(ctx: ContextFactory) {
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: 'ansinh> ' });
  console.log('Type ansinh commands here while the demo runs (e.g. entitlement set-stage --file <id> --stage paid, or --help).');
  rl.prompt();
  rl.on('line', (line) => {
    const args = splitArgs(line);
    void (async () => {
      if (args.length && !['demo', 'serve', 'start', 'worker', 'chat', 'seed'].includes(args[0]!)) {
        try {
          await buildCli(ctx).parseAsync(args, { from: 'user' });
        } catch (e) {
          const { line: msg } = describeFailure(e, false);
          if (msg) console.log(msg);
        }
      } else if (args.length) console.log(`ansinh: "${args[0]}" cannot run inside the demo; stop the demo first.`);
      rl.prompt();
    })();
  });
  return rl;
}

/** Splits a command line on spaces, keeping "quoted parts" together. */
function splitArgs(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/**
 * The simulated platforms: the local fake Telegram Bot API and Zalo OA used by the tests, with a
 * small control API so a person can play a Telegram or Zalo user from a terminal.
 */
async function simulatedPlatforms(db: Database) {
  const { FakeTelegram } = await import('../../../test/fakes/telegram.js');
  const { FakeZalo } = await import('../../../test/fakes/zalo.js');
  const tg = new FakeTelegram();
  const zl = new FakeZalo();
  const tgRoot = await tg.start();
  const zlRoot = await zl.start();
  // Tokens from an earlier simulated run belong to a fake that is gone.
  await db.sql.query(`DELETE FROM "Meta" WHERE key = 'secret:zalo-tokens'`);
  return {
    config: {
      telegram: { token: tg.token, webhookSecret: undefined, mode: 'polling' as const, apiRoot: tgRoot },
      zalo: { appId: zl.appId, appSecret: zl.appSecret, oaSecret: zl.oaSecret, refreshToken: zl.refreshToken, znsTemplateId: 'ansinh-status', apiRoot: zlRoot, oauthRoot: zlRoot, znsRoot: zlRoot },
    },
    connect(zaloWebhook: string) {
      zl.webhookUrl = zaloWebhook;
    },
    usage: [
      '',
      'Simulated platforms (local, no internet):',
      `  Telegram user 42 writes:  curl -s ${tgRoot}/__sim/say -d '{"chat":"42","text":"tra cứu"}'`,
      `  what the bot sent to 42:  curl -s '${tgRoot}/__sim/messages?chat=42'`,
      `  Zalo user writes:         curl -s ${zlRoot}/__sim/say -d '{"user":"1234567890123456789","text":"tra cứu"}'`,
      `  what the OA sent:         curl -s '${zlRoot}/__sim/messages?user=1234567890123456789'   (ZNS: ${zlRoot}/__sim/zns)`,
      '  After a look-up and "nhận thông báo", move the file at the prompt below and watch the notice arrive:',
      '    entitlement set-stage --file <file id> --stage paid',
    ].join('\n'),
    async stop() {
      await tg.stop();
      await zl.stop();
    },
  };
}

function samplePeople(dataDir: string): { idNumber: string; dateOfBirth: string; program: string; group: string; status: string }[] {
  try {
    return (JSON.parse(readFileSync(`${dataDir}/demo-people.json`, 'utf8')) as { people: ReturnType<typeof samplePeople> }).people;
  } catch {
    return [];
  }
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

/**
 * Two console accounts for the demo (one per demo province), with a random password made on
 * the first run and kept in the data folder (mode 600). Real deployments use
 * `ansinh admin create`.
 */
async function demoConsoleAccounts(db: Database, dataDir: string): Promise<{ password: string }> {
  const file = join(dataDir, 'demo-admin-password');
  if (!existsSync(file)) writeFileSync(file, `demo-${randomBytes(6).toString('base64url')}\n`, { mode: 0o600 });
  const password = readFileSync(file, 'utf8').trim();
  for (const [username, name, area] of [['admin', 'Quản trị Long An (demo)', '80'], ['soctrang', 'Quản trị Sóc Trăng (demo)', '94']] as const) {
    const exists = await db.sql.query(`SELECT 1 FROM "AdminUser" WHERE username = $1`, [username]);
    if (!exists.length) await createAdminUser(db.sql, { username, name, password, role: 'admin', areaCode: area, createdBy: 'demo' });
  }
  return { password };
}
