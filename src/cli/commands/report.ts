import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Command } from 'commander';
import type { ContextFactory } from '../main.js';
import { formatVi, localDateAt } from '../../calendar/local-date.js';
import { findProgram } from '../../programs/program-area.js';
import { progressReport } from '../../reports/progress-report.js';
import { FILE_ONLY_FORMATS, parseReportFormat, renderReport, REPORT_FORMATS, type ReportFormat } from '../../reports/report-files.js';
import { UserError } from '../../shared/errors.js';

interface ReportFlags {
  program: string;
  area?: string;
  format?: string;
  out?: string;
}

/** --format, else the --out file's extension, else a table. */
function chooseFormat(flags: ReportFlags): ReportFormat {
  if (flags.format !== undefined) return parseReportFormat(flags.format);
  const ext = flags.out ? extname(flags.out).slice(1).toLowerCase() : '';
  return (REPORT_FORMATS as readonly string[]).includes(ext) ? (ext as ReportFormat) : 'table';
}

export function registerReport(program: Command, ctx: ContextFactory) {
  program.command('report')
    .description('Payment progress of a program by area and group (people, approved, paid, amounts, paid %), as the province reports it')
    .requiredOption('--program <code>', 'program code, e.g. NQ42-2020')
    .option('--area <code>', "pre-2025 area code: a province (94) gives a row per district and group, a district (941) per commune, a commune (31498) per group (default: the program's province)")
    .option('--format <f>', `${REPORT_FORMATS.join(' | ')} (default: from the --out extension, else table)`)
    .option('--out <file>', 'write to this file instead of the terminal (required for csv and xlsx)')
    .addHelpText('after', '\nExamples:\n  ansinh report --program NQ42-2020\n  ansinh report --program NQ42-2020 --area 941 --format json\n  ansinh report --program NQ42-2020 --out tien-do.xlsx')
    .action(async (flags: ReportFlags) => {
      const format = chooseFormat(flags);
      if (FILE_ONLY_FORMATS.includes(format) && !flags.out) {
        throw new UserError(`--format ${format} makes a file for a spreadsheet, not text for the terminal.`, `Give --out FILE, e.g. --out tien-do.${format}.`);
      }
      const db = await ctx().database();
      const report = await progressReport(db.sql, { program: flags.program, area: flags.area, asOf: localDateAt(new Date()) });
      const { name } = await findProgram(db.sql, report.program);
      const data = await renderReport(report, format, { programName: name });
      if (!flags.out) {
        process.stdout.write(data);
        return;
      }
      try {
        writeFileSync(flags.out, data);
      } catch (e) {
        throw new UserError(`Cannot write ${flags.out} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`, 'Check the folder exists and is writable.');
      }
      console.log(`Wrote ${flags.out}: ${report.rows.length} rows and the total, ${report.program} in ${report.area.name} (${report.area.code}), as of ${formatVi(report.asOf)}.`);
    });
}
