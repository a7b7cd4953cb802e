/**
 * Opening a list file, whatever its name says: the first bytes decide (an .xlsx is a zip, an
 * .exe starts with MZ, an old .xls with the OLE signature), and the rows are streamed, never
 * the whole file in memory: CSV through csv-parse (UTF-8, comma, semicolon or tab), xlsx
 * through exceljs' streaming reader (first worksheet; formulas are never evaluated: the value
 * the spreadsheet saved is used, and a formula without one is reported).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { parse } from 'csv-parse';
import type ExcelJS from 'exceljs';
import { Excel } from '../shared/exceljs.js';
import type { RawCell } from './values.js';
import { ImportFileError } from './errors.js';

export type ListFormat = 'csv' | 'xlsx' | 'json';

export interface SheetRow {
  /** The row number the user sees in Excel (1 = first line of the file). */
  rowNo: number;
  cells: RawCell[];
}

export interface ListFile {
  format: ListFormat;
  bytes: number;
  sha256: string;
  rows(): AsyncIterable<SheetRow>;
  /** Bytes read so far (for progress). */
  bytesRead(): number;
}

const MB = 1024 * 1024;

/** Decides the format from the content and checks size; throws ImportFileError with a reason. */
export async function openListFile(path: string, opts: { maxBytes: number }): Promise<ListFile> {
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new ImportFileError(`"${path}" không phải là tệp.`);
    size = s.size;
  } catch (e) {
    if (e instanceof ImportFileError) throw e;
    throw new ImportFileError(`Không mở được tệp "${path}" (${(e as NodeJS.ErrnoException).code ?? 'lỗi đọc'}).`);
  }
  if (size === 0) throw new ImportFileError('Tệp rỗng (0 byte).');
  if (size > opts.maxBytes) {
    throw new ImportFileError(`Tệp quá lớn (${(size / MB).toFixed(0)} MB); giới hạn là ${(opts.maxBytes / MB).toFixed(0)} MB. Hãy chia danh sách thành nhiều tệp (ví dụ theo huyện).`);
  }
  const head = Buffer.alloc(Math.min(size, 64 * 1024));
  const fh = await open(path, 'r');
  try {
    await fh.read(head, 0, head.length, 0);
  } finally {
    await fh.close();
  }
  const format = sniff(head);
  const delimiter = format === 'csv' ? guessDelimiter(head.toString('utf8')) : ',';
  const sha256 = await hashFile(path);
  let read = 0;
  // CSV is decoded by a StringDecoder (encoding: 'utf8'), which keeps a Vietnamese letter that a
  // chunk boundary splits in two whole; xlsx goes to the unzipper as bytes.
  const counting = (encoding?: 'utf8') => {
    const s = createReadStream(path, { highWaterMark: 256 * 1024, encoding });
    s.on('data', (c: string | Buffer) => (read += typeof c === 'string' ? Buffer.byteLength(c) : c.length));
    return s;
  };
  return {
    format,
    bytes: size,
    sha256,
    bytesRead: () => read,
    rows: () => (format === 'csv' ? csvRows(counting('utf8'), delimiter) : xlsxRows(counting())),
  };
}

function sniff(head: Buffer): ListFormat {
  const sig = head.subarray(0, 8);
  if (sig.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) return 'xlsx';
  if (sig.subarray(0, 2).toString('latin1') === 'MZ' || sig.subarray(0, 4).toString('latin1') === '\x7fELF') {
    throw new ImportFileError('Đây là tệp chương trình (.exe), không phải danh sách. Hãy gửi tệp .xlsx hoặc .csv.');
  }
  if (sig.subarray(0, 4).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0]))) {
    throw new ImportFileError('Đây là tệp Excel cũ (.xls). Hãy mở bằng Excel và lưu lại dạng .xlsx (Excel Workbook).');
  }
  if (sig.subarray(0, 4).toString('latin1') === '%PDF') throw new ImportFileError('Đây là tệp PDF. Hãy gửi danh sách dạng .xlsx hoặc .csv.');
  if (head.includes(0)) throw new ImportFileError('Tệp không phải là bảng tính hay văn bản CSV. Hãy gửi tệp .xlsx hoặc .csv.');
  const text = head.subarray(head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0);
  try {
    // The first 64 KB may end inside a character: `stream` leaves an unfinished one pending.
    new TextDecoder('utf-8', { fatal: true }).decode(text, { stream: true });
  } catch {
    throw new ImportFileError('Tệp CSV không dùng bảng mã UTF-8 (có thể là TCVN3 hoặc Windows-1258). Trong Excel, chọn Lưu thành "CSV UTF-8", hoặc gửi tệp .xlsx.');
  }
  if (text.toString('utf8').trim() === '') throw new ImportFileError('Tệp rỗng (chỉ có khoảng trắng).');
  return 'csv';
}

async function hashFile(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Excel writes CSV with a comma, or a semicolon where the system's list separator is one (many
 * Vietnamese Windows set-ups); tab-separated text is pasted too. The separator used most on the
 * first line outside quotes wins, so a comma inside "Xã Tân Lập, Huyện Tân Thạnh" stays text.
 */
export function guessDelimiter(text: string): string {
  const line = text.replace(/^\uFEFF/, '').split(/\r?\n/).find((l) => l.trim()) ?? '';
  const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch in counts) counts[ch]!++;
  }
  return Object.entries(counts).sort((a, b) => b[1] - a[1])[0]![1] > 0 ? Object.entries(counts).sort((a, b) => b[1] - a[1])[0]![0] : ',';
}

async function* csvRows(input: NodeJS.ReadableStream, delimiter: string): AsyncIterable<SheetRow> {
  const parser = input.pipe(
    parse({ bom: true, delimiter, relax_column_count: true, skip_empty_lines: false, max_record_size: 64 * 1024 }),
  );
  let rowNo = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      rowNo++;
      yield { rowNo, cells: record };
    }
  } catch (e) {
    const msg = (e as Error).message;
    const reason = /quote/i.test(msg) ? 'dấu ngoặc kép (") mở mà không đóng' : /record size/i.test(msg) ? 'một dòng dài quá 64 KB' : 'không đọc được định dạng CSV';
    throw new ImportFileError(`Tệp CSV lỗi sau dòng ${rowNo}: ${reason}.`);
  }
}

/**
 * How long the xlsx reader may go without reading a byte of the file or producing a row before
 * the file is declared broken. exceljs never settles when a worksheet it parks in a temporary
 * file (one stored before the shared strings, as exceljs itself writes them) fails to inflate:
 * without this a corrupted upload would hang its import for ever. (An object: tests shorten it.)
 */
export const xlsxReading = { stallMs: 10_000 };

async function* xlsxRows(input: NodeJS.ReadableStream): AsyncIterable<SheetRow> {
  let progress = 0;
  input.on('data', () => progress++);
  const rows = xlsxSheetRows(input)[Symbol.asyncIterator]();
  for (;;) {
    const next = await stallGuard(rows.next(), () => progress, xlsxReading.stallMs).catch((e: unknown) => {
      if (e instanceof ImportFileError && 'destroy' in input) (input as NodeJS.ReadableStream & { destroy(): void }).destroy();
      throw e;
    });
    if (next.done) return;
    progress++;
    yield next.value;
  }
}

/** `p`, or an ImportFileError once `progress()` has not changed for `ms`. */
function stallGuard<T>(p: Promise<T>, progress: () => number, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    let last = progress();
    let since = Date.now();
    timer = setInterval(() => {
      if (progress() !== last) {
        last = progress();
        since = Date.now();
      } else if (Date.now() - since >= ms) {
        reject(new ImportFileError('Tệp .xlsx bị hỏng hoặc không đọc được (dữ liệu nén bị lỗi). Hãy mở bằng Excel và lưu lại.'));
      }
    }, Math.min(250, ms));
  });
  return Promise.race([p, stalled]).finally(() => clearInterval(timer));
}

async function* xlsxSheetRows(input: NodeJS.ReadableStream): AsyncIterable<SheetRow> {
  const reader = new Excel.stream.xlsx.WorkbookReader(input as unknown as import('node:stream').Stream, {
    worksheets: 'emit', sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', entries: 'ignore',
  });
  let sheets = 0;
  try {
    for await (const sheet of reader) {
      if (sheets++ > 0) break; // the first worksheet is the list
      for await (const row of sheet as AsyncIterable<ExcelJS.Row>) {
        const values = row.values as unknown[];
        const cells: RawCell[] = [];
        for (let i = 1; i < values.length; i++) cells.push(toRawCell(values[i]));
        yield { rowNo: row.number, cells };
      }
    }
  } catch (e) {
    if (e instanceof ImportFileError) throw e;
    throw new ImportFileError(`Tệp .xlsx bị hỏng hoặc không đọc được (${(e as Error).message.slice(0, 80)}). Hãy mở bằng Excel và lưu lại.`);
  }
  if (sheets === 0) throw new ImportFileError('Tệp .xlsx không có trang tính (worksheet) nào.');
}

/** An exceljs cell value as a RawCell. */
export function toRawCell(v: unknown): RawCell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (v instanceof Date) return v;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.richText)) return (o.richText as { text?: string }[]).map((r) => r.text ?? '').join('');
    if ('formula' in o || 'sharedFormula' in o) {
      return o.result === undefined || o.result === null ? { kind: 'formula_without_value' } : toRawCell(o.result);
    }
    if ('error' in o) return { kind: 'cell_error', text: String(o.error) };
    if ('text' in o) return toRawCell(o.text);
  }
  return String(v);
}

/**
 * Rows given as objects keyed by field (the integration API's bulk upsert), presented as a
 * sheet whose header is the canonical one, so they pass the same checks as a file.
 */
export function objectRows(rows: readonly Record<string, string | number | null | undefined>[], fields: readonly string[], headers: readonly string[], sha256: string): ListFile {
  return {
    format: 'json',
    bytes: rows.length,
    sha256,
    bytesRead: () => rows.length,
    async *rows() {
      yield { rowNo: 1, cells: [...headers] };
      let i = 1;
      for (const r of rows) {
        i++;
        yield { rowNo: i, cells: fields.map((f) => (r[f] === undefined ? null : r[f]) as RawCell) };
      }
    },
  };
}
