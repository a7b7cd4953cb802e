/**
 * Writing cells that people open in Excel or LibreOffice. A text cell starting with = + - @
 * (or a tab/CR) would be read as a formula ("CSV injection", e.g. `=cmd|' /C calc'!A0`), so
 * such text is prefixed with an apostrophe, which both programs show as plain text. Every
 * exported file (reports, import error files) goes through here.
 */

/** Text made safe to show in a spreadsheet cell. Numbers and dates are left to the caller. */
export function neutralise(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** One CSV field: neutralised, quoted when needed (RFC 4180). */
export function csvField(value: string | number | bigint | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  const s = neutralise(value);
  return /[",\r\n;]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line with CRLF, as Excel writes it. */
export function csvLine(values: readonly (string | number | bigint | null | undefined)[]): string {
  return values.map(csvField).join(',') + '\r\n';
}

/** The UTF-8 byte order mark: Excel needs it to read Vietnamese letters in a CSV correctly. */
export const UTF8_BOM = '\uFEFF';
