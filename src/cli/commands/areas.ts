import type { Command } from 'commander';
import type { ContextFactory } from '../main.js';
import { describeArea, loadAreas } from '../../areas/area.service.js';
import { isLocalDate, formatVi } from '../../calendar/local-date.js';
import { UserError } from '../../shared/errors.js';

export function registerAreas(program: Command, ctx: ContextFactory) {
  const cmd = program.command('areas').description('Administrative units (province › district › commune, any depth)');
  cmd.command('load')
    .description('Load the pinned area snapshots in prisma/areas into the database')
    .action(async () => {
      const db = await ctx().database();
      const r = await loadAreas(db.sql);
      console.log(`Loaded ${r.units} units and ${r.successors} old → new province links.`);
    });
  cmd.command('show')
    .description('Show a unit, its parents, children and successor')
    .argument('<code>', 'Statistics Office code: 94 (province), 941 (district), 31498 (commune)')
    .option('--on <date>', 'when a code was used by two units, the one valid on this date (YYYY-MM-DD)')
    .option('--json', 'print JSON')
    .action(async (code: string, opts: { on?: string; json?: boolean }) => {
      if (opts.on && !isLocalDate(opts.on)) throw new UserError(`--on ${opts.on} is not a date.`, 'Use YYYY-MM-DD.');
      const db = await ctx().database();
      if ((await db.prisma.area.count()) === 0) await loadAreas(db.sql);
      const a = await describeArea(db.prisma, code, opts.on);
      if (opts.json) {
        console.log(JSON.stringify(a, null, 2));
        return;
      }
      const validity = [a.validFrom && `từ ${formatVi(a.validFrom)}`, a.validTo && `đến ${formatVi(a.validTo)}`].filter(Boolean).join(' ');
      console.log(`${a.code}  ${a.name}  (${a.level}, ${a.scheme === '2025' ? 'mô hình 2 cấp' : 'mô hình 3 cấp'}${validity ? `, hiệu lực ${validity}` : ''})`);
      if (a.ancestors.length) console.log(`Thuộc: ${a.ancestors.map((x) => `${x.name} (${x.code})`).join(' › ')}`);
      if (a.successor) console.log(`Từ 01/07/2025 thuộc: ${a.successor.name} (${a.successor.code})`);
      if (a.predecessors.length) console.log(`Hợp nhất từ: ${a.predecessors.map((x) => `${x.name} (${x.code})`).join(', ')}`);
      for (const s of a.sameCode) console.log(`Cùng mã ${s.code}: ${s.name} (${s.scheme === '2025' ? 'mô hình 2 cấp' : 'mô hình 3 cấp'}); dùng --on để chọn`);
      if (a.children.length) {
        console.log(`${a.children.length} đơn vị trực thuộc:`);
        for (const c of a.children) console.log(`  ${c.code}  ${c.name}${c.descendants ? `  (${c.descendants} đơn vị cấp dưới)` : ''}`);
      }
      console.log(`Nguồn: ${a.source}`);
    });
}
