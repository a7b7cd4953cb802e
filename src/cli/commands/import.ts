import { join } from 'node:path';
import type { Command } from 'commander';
import type { ContextFactory } from '../main.js';
import { loadWorkingCalendar } from '../../calendar/calendar.service.js';
import { systemClock } from '../../shared/clock.js';
import { formatCount } from '../../shared/format.js';
import { UserError } from '../../shared/errors.js';
import { importListFile, type ImportProgress, type ImportSummary } from '../../imports/import.service.js';

interface ImportFlags {
  program: string;
  province?: string;
  dryRun?: boolean;
  partial?: boolean;
  out?: string;
  actor: string;
  json?: boolean;
}

const STATUS: Record<ImportSummary['status'], string> = {
  committed: 'Đã nhập',
  rejected: 'Không nhập: tệp có lỗi, chưa có thay đổi nào được ghi',
  checked: 'Kiểm tra xong (chạy thử, chưa ghi gì)',
  failed: 'Không nhập được tệp',
};

export function registerImport(program: Command, ctx: ContextFactory) {
  program
    .command('import')
    .description('Import a beneficiary list (CSV or xlsx) into a program: all or nothing unless --partial; errors go to errors.csv/errors.xlsx')
    .argument('<file>', 'the list: .xlsx or .csv (UTF-8), Vietnamese headers in any order')
    .requiredOption('--program <code>', 'program code, e.g. NQ68-2021')
    .option('--province <code>', "two-digit province code for communes given by name (default: the program's province)")
    .option('--dry-run', 'check everything and count the changes, write nothing')
    .option('--partial', 'import the good rows even when others have errors')
    .option('--out <dir>', 'folder for the error files and summary (default: <data dir>/imports)')
    .option('--actor <name>', 'who imports (kept in the files\' history)', 'cli')
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, flags: ImportFlags) => {
      const c = ctx();
      const db = await c.database();
      const calendar = await loadWorkingCalendar(db.prisma);
      const bar = process.stderr.isTTY && !flags.json ? progressBar() : null;
      const summary = await importListFile(
        { sql: db.sql, keys: c.keys, calendar, clock: systemClock, log: c.log },
        file,
        {
          program: flags.program, province: flags.province, dryRun: flags.dryRun, partial: flags.partial, actor: flags.actor, via: 'cli',
          outDir: flags.out ?? join(c.config.dataDir, 'imports'), onProgress: bar ?? undefined,
        },
      );
      bar?.('done');
      if (flags.json) console.log(JSON.stringify(summary, null, 2));
      else printSummary(summary);
      if (summary.status === 'failed' || summary.status === 'rejected' || (summary.dryRun && summary.errorRows > 0 && !summary.partial)) {
        throw new UserError(summary.fatal ?? `${formatCount(summary.errorRows)} dòng có lỗi; xem ${summary.errorFiles?.xlsx ?? 'tệp lỗi'}.`);
      }
    });
}

function printSummary(s: ImportSummary) {
  const ch = s.changes;
  console.log(`Nhập danh sách #${s.id} · ${s.program} · ${s.fileName}${s.format ? ` (${s.format})` : ''}`);
  console.log(`${STATUS[s.status]}${s.fatal ? `: ${s.fatal}` : '.'}`);
  if (s.previous) console.log(`Tệp này đã được nhập trước đây (lần #${s.previous.id}).`);
  if (s.rows) {
    console.log(`Dòng: ${formatCount(s.rows)} · hợp lệ ${formatCount(s.okRows)} · có lỗi ${formatCount(s.errorRows)} · cảnh báo ${formatCount(s.warnings)}${s.ignoredRows ? ` · bỏ qua ${formatCount(s.ignoredRows)} dòng tổng cộng` : ''}`);
  }
  if (s.status === 'committed' || s.status === 'checked') {
    const verb = s.status === 'checked' ? 'Sẽ' : 'Đã';
    console.log(`${verb} thêm ${formatCount(ch.peopleCreated)} người, cập nhật ${formatCount(ch.peopleUpdated)} người; ${verb.toLowerCase()} tạo ${formatCount(ch.filesCreated)} hồ sơ, đổi trạng thái ${formatCount(ch.stageChanges)}, sửa ${formatCount(ch.filesUpdated)}; không đổi ${formatCount(ch.unchanged)}.`);
  }
  if (s.unknownColumns.length) console.log(`Cột không dùng: ${s.unknownColumns.join(', ')}.`);
  for (const i of s.issues.slice(0, 10)) console.log(`  ${i.row ? `dòng ${i.row}` : 'tệp'}${i.column ? `, cột "${i.column}"` : ''}: ${i.reason}${i.severity === 'warning' ? ' (cảnh báo)' : ''}`);
  if (s.errorFiles) console.log(`Tệp lỗi: ${s.errorFiles.xlsx}\n         ${s.errorFiles.csv}`);
  console.log(`Thời gian: ${(s.ms / 1000).toFixed(1)} giây.`);
}

/** A one-line progress bar on the terminal (stderr). */
function progressBar() {
  let last = '';
  return (p: ImportProgress | 'done') => {
    if (p === 'done') {
      if (last) process.stderr.write('\r' + ' '.repeat(last.length) + '\r');
      return;
    }
    const share = p.bytes ? Math.min(1, p.bytesRead / p.bytes) : 0;
    const width = 30;
    const filled = Math.round(share * width);
    const phase = { reading: 'Đọc', checking: 'Kiểm tra', writing: 'Ghi', done: 'Xong' }[p.phase];
    const line = `${phase.padEnd(8)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(share * 100)).padStart(3)}% · ${formatCount(p.rows)} dòng`;
    process.stderr.write('\r' + line);
    last = line;
  };
}
