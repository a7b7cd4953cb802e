import type { Command } from 'commander';
import type { ContextFactory } from '../main.js';
import { loadProgramDefinitions } from '../../programs/loader.js';
import { describeProgram, syncPrograms } from '../../programs/program.service.js';
import { UserError } from '../../shared/errors.js';
import { formatVnd } from '../../shared/format.js';
import { formatVi } from '../../calendar/local-date.js';

const UNIT_VI: Record<string, string> = { person: 'người', household: 'hộ', household_member: 'khẩu', day: 'ngày', month: 'tháng' };

export function registerPrograms(program: Command, ctx: ContextFactory) {
  const cmd = program.command('programs').description('Support programs defined as data in prisma/programs');
  cmd.command('list')
    .description('List the programs and their groups')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      const defs = loadProgramDefinitions(ctx().config.programsDir);
      if (opts.json) {
        console.log(JSON.stringify(defs.map((d) => ({ code: d.code, name: d.vi, nameEn: d.en, groups: d.groups.length, intake: d.intake, files: d.files })), null, 2));
        return;
      }
      for (const d of defs) {
        console.log(`${d.code}  ${d.vi}`);
        console.log(`  ${d.groups.length} nhóm · nhận hồ sơ từ ${formatVi(d.intake.opens)}${d.intake.closes ? ` đến ${formatVi(d.intake.closes)}` : ''}${d.intake.unverified ? ' (chưa kiểm chứng)' : ''}`);
      }
    });
  cmd.command('show')
    .description('Show one program: groups, amounts, eligibility, documents and stage chains')
    .argument('<code>', 'program code, e.g. NQ68-2021')
    .option('--json', 'print JSON')
    .action((code: string, opts: { json?: boolean }) => {
      const defs = loadProgramDefinitions(ctx().config.programsDir);
      const def = defs.find((d) => d.code.toLowerCase() === code.toLowerCase());
      if (!def) throw new UserError(`Unknown program ${code}.`, `Known programs: ${defs.map((d) => d.code).join(', ')}.`);
      const view = describeProgram(def);
      if (opts.json) {
        console.log(JSON.stringify(view, null, 2));
        return;
      }
      console.log(`${view.code}  ${view.name}`);
      console.log(`Căn cứ: ${view.legalBasis.map((l) => `${l.doc} (${formatVi(l.date)})`).join('; ')}`);
      for (const g of view.groups) {
        const a = g.amount;
        const money = a.value !== undefined
          ? `${formatVnd(a.value)}/${UNIT_VI[a.unit] ?? a.unit}${a.periods ? ` × tối đa ${a.periods} ${a.periodUnit === 'day' ? 'ngày' : 'tháng'}` : ''}${a.paidAtOnce ? ', chi một lần' : ''}`
          : a.decidedByProvince ? 'do UBND tỉnh quyết định' : a.kind;
        console.log(`\n  ${g.code}${g.province ? ` [tỉnh ${g.province}]` : ''}: ${g.name}`);
        console.log(`    Mức: ${money}${a.unverified ? ' (chưa kiểm chứng)' : ''}`);
        for (const t of a.tiers ?? []) console.log(`      ${formatVnd(t.value)}: ${t.vi}`);
        for (const s of g.supplements) console.log(`    + ${formatVnd(s.value)} ${s.vi.toLowerCase()}`);
        if (g.exclusivity) console.log(`    Loại trừ lẫn nhau trong nhóm: ${g.exclusivity}`);
        console.log(`    Nộp tại: ${g.submitTo.vi}${g.deadline ? ` · hạn ${formatVi(g.deadline)}` : ''}`);
        console.log(`    Quy trình: ${g.stages.map((s) => `${s.name}${s.dayLimit ? ` (${s.dayLimit} ${s.dayUnit === 'working' ? 'ngày làm việc' : 'ngày'})` : ''}${s.unverified ? '*' : ''}`).join(' → ')}`);
      }
      if (view.unverified.length) console.log(`\nChưa kiểm chứng: ${view.unverified.join(' ')}`);
      console.log('\n* thời hạn hoặc bước chưa được kiểm chứng từ văn bản gốc');
    });
  cmd.command('validate')
    .description('Validate the program files without touching the database')
    .action(() => {
      const defs = loadProgramDefinitions(ctx().config.programsDir);
      console.log(`OK: ${defs.map((d) => `${d.code} (${d.groups.length} groups from ${d.files.length} file(s))`).join(', ')}`);
    });
  cmd.command('load')
    .description('Validate the program files and write them to the database')
    .action(async () => {
      const c = ctx();
      const defs = loadProgramDefinitions(c.config.programsDir);
      const db = await c.database();
      for (const r of await syncPrograms(db.prisma, defs)) {
        console.log(`${r.code}: ${r.changed ? 'loaded' : 'unchanged'} (${r.groups} groups, ${r.stages} stages)`);
      }
    });
}
