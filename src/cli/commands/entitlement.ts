import type { Command } from 'commander';
import type { ContextFactory } from '../main.js';
import { loadWorkingCalendar } from '../../calendar/calendar.service.js';
import { changeStages } from '../../entitlements/stage.service.js';
import { hashIdNumber, normaliseIdNumber } from '../../people/id-number.js';
import { UserError } from '../../shared/errors.js';
import { readFileSync } from 'node:fs';

interface SetStageFlags {
  stage: string;
  file?: string;
  program?: string;
  idStdin?: boolean;
  reason?: string;
  place?: string;
  method?: string;
  decision?: string;
  note?: string;
  actor?: string;
}

export function registerEntitlement(program: Command, ctx: ContextFactory) {
  const cmd = program.command('entitlement').description("A person's support files (entitlements)");
  cmd.command('set-stage')
    .description('Move a file to a stage (or paid / rejected); bound chats that asked for notifications are told once')
    .requiredOption('--stage <code>', "a stage code of the file's group, paid or rejected")
    .option('--file <id>', 'the file id (Entitlement id); or use --id-stdin with --program')
    .option('--program <code>', 'with --id-stdin: the program of the file')
    .option('--id-stdin', 'read the person\'s ID number from standard input (keeps it out of shell history and process lists)')
    .option('--reason <text>', 'reason, for rejected')
    .option('--place <text>', 'payment place, for paid')
    .option('--method <text>', 'payment method, for paid')
    .option('--decision <no>', 'decision number, e.g. 123/QĐ-UBND')
    .option('--note <text>', 'note kept in the file history')
    .option('--actor <name>', 'who made the change (kept in the history)', 'cli')
    .action(async (flags: SetStageFlags) => {
      const { file, stage } = flags;
      const c = ctx();
      const db = await c.database();
      let entitlementId: number;
      if (flags.idStdin) {
        if (!flags.program) throw new UserError('--id-stdin needs --program.', 'e.g. ansinh entitlement set-stage --stage paid --id-stdin --program NQ68-2021 < id.txt');
        const digits = normaliseIdNumber(readFileSync(0, 'utf8').trim());
        if (!digits) throw new UserError('Standard input is not a 9- or 12-digit ID number.');
        const rows = await db.sql.query<{ id: number }>(
          `SELECT e.id FROM "Entitlement" e JOIN "Person" p ON p.id = e."personId" JOIN "Program" pr ON pr.id = e."programId"
           WHERE p."idHash" = $1 AND pr.code = $2 ORDER BY e.id`,
          [hashIdNumber(c.keys.id, digits), flags.program],
        );
        if (rows.length === 0) throw new UserError(`No file of program ${flags.program} for that ID number.`);
        if (rows.length > 1) throw new UserError(`That person has ${rows.length} files in ${flags.program} (ids ${rows.map((r) => r.id).join(', ')}).`, 'Give the file id instead.');
        entitlementId = rows[0]!.id;
      } else {
        entitlementId = Number(file);
        if (!file || !Number.isInteger(entitlementId) || entitlementId <= 0) throw new UserError(file ? `"${file}" is not a file id.` : 'Which file? Give --file <id>, or --id-stdin with --program.');
      }
      const calendar = await loadWorkingCalendar(db.prisma);
      const [r] = await changeStages(db.sql, calendar, [{
        entitlementId, toStage: stage, reason: flags.reason, paymentPlace: flags.place, paymentMethod: flags.method, decisionNo: flags.decision, note: flags.note,
      }], { source: 'cli', actor: flags.actor, at: new Date() });
      if (!r!.changed) console.log(`File ${entitlementId} is already at ${stage}; nothing changed, nobody notified.`);
      else console.log(`File ${entitlementId}: ${r!.fromStage} → ${r!.toStage}. Chats that asked for notifications will be told (the worker sends them).`);
    });
}
