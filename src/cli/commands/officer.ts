import type { Command } from 'commander';
import type { ContextFactory } from '../main.js';
import { createInvite } from '../../officers/officer.service.js';
import { runDigests } from '../../officers/digest.service.js';
import { loadWorkingCalendar } from '../../calendar/calendar.service.js';
import { formatDateTimeVi, formatVi, localDateAt } from '../../calendar/local-date.js';
import { parseDate } from '../args.js';
import { UserError } from '../../shared/errors.js';

export function registerOfficer(program: Command, ctx: ContextFactory) {
  const cmd = program.command('officer').description('Commune, district and provincial officers');
  cmd.command('invite')
    .description('Create a one-time invite code; the officer sends it to the bot (Telegram /start <code>, Zalo or web chat)')
    .requiredOption('--role <role>', 'commune | district | province | admin')
    .requiredOption('--area <code>', 'area code (the commune, district or province the officer works for)')
    .option('--name <name>', "the officer's name, as the bot will greet them")
    .option('--officer <id>', 'add a channel to an existing officer instead of creating one')
    .option('--days <n>', 'days before the code expires', '7')
    .action(async (flags: { role: string; area: string; name?: string; officer?: string; days: string }) => {
      const c = ctx();
      const db = await c.database();
      const officerId = flags.officer === undefined ? undefined : Number(flags.officer);
      if (officerId !== undefined && !Number.isInteger(officerId)) throw new UserError(`--officer ${flags.officer} is not an officer id.`);
      const inv = await createInvite(db.sql, c.keys, { role: flags.role, areaCode: flags.area, name: flags.name, officerId, days: Number(flags.days), createdBy: 'cli', now: new Date() });
      console.log(`Invite code: ${inv.code}`);
      console.log(`For: ${inv.role} officer of ${inv.area.name} (${inv.area.code}); valid until ${formatDateTimeVi(inv.expiresAt)}; works once.`);
      console.log(`The officer sends the code to the bot: on Telegram open t.me/<bot>?start=${inv.code}, or type it in Zalo or the web chat.`);
    });
  cmd.command('list')
    .description('List officers with their area, digest time and channels (blocked channels marked)')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const db = await ctx().database();
      const rows = await db.sql.query<{ id: number; name: string; role: string; area: string; areaCode: string; digestTime: string; mutedUntil: string | null; active: boolean; channels: { channel: string; blocked: boolean }[] | null }>(
        `SELECT o.id, o.name, o.role, a.name AS area, a.code AS "areaCode", o."digestTime", to_char(o."mutedUntil", 'YYYY-MM-DD') AS "mutedUntil", o.active,
                (SELECT json_agg(json_build_object('channel', i.channel, 'blocked', i.blocked) ORDER BY i.id) FROM "ChannelIdentity" i WHERE i."officerId" = o.id) AS channels
         FROM "Officer" o JOIN "Area" a ON a.id = o."areaId" ORDER BY a.path, o.id`,
      );
      if (flags.json) return console.log(JSON.stringify(rows, null, 2));
      if (rows.length === 0) return console.log('No officers yet. Create an invite: ansinh officer invite --role commune --area <code>');
      for (const r of rows) {
        const ch = (r.channels ?? []).map((x) => (x.blocked ? `${x.channel} (CHẶN BOT)` : x.channel)).join(', ') || 'chưa có kênh';
        console.log(`#${r.id}  ${r.name.padEnd(20)} ${r.role.padEnd(9)} ${r.area} (${r.areaCode})  bản tin ${r.digestTime}${r.mutedUntil ? `, tạm dừng đến ${formatVi(r.mutedUntil)}` : ''}  ${ch}`);
      }
    });

  program.command('digest')
    .description("Officers' daily digests")
    .command('run')
    .description('Compute the digests for a date and queue them (each officer at most once a day), or print them with --dry-run')
    .option('--date <date>', 'YYYY-MM-DD (default: today in Vietnam)')
    .option('--dry-run', 'print the digests, send nothing')
    .action(async (flags: { date?: string; dryRun?: boolean }) => {
      const c = ctx();
      const date = parseDate(flags.date ?? localDateAt(new Date()), '--date', '2022-01-24');
      const db = await c.database();
      const calendar = await loadWorkingCalendar(db.prisma);
      const r = await runDigests({ sql: db.sql, calendar, log: c.log }, { date, now: new Date(`${date}T16:59:00Z`), mode: 'all', dryRun: flags.dryRun, escalateAfter: c.config.escalateAfter });
      if (!r.workingDay) return console.log(`${formatVi(date)} is not a working day: no digests.`);
      if (flags.dryRun) {
        for (const d of r.digests) console.log(`--- officer #${d.officerId}${d.text ? '' : ' (empty; not sent by choice)'}\n${d.text ?? ''}\n`);
      }
      console.log(`${formatVi(date)}: ${r.due} officers without a digest yet; ${flags.dryRun ? 'would send' : 'queued'} ${r.sent} digests (${r.empty} with nothing waiting), ${r.reminders} reminders; backlog computed in ${Math.round(r.ms.backlog)} ms, all in ${Math.round(r.ms.total)} ms.`);
    });
}
