import { UserError } from '../shared/errors.js';

/** The whole file cannot be imported (wrong type, empty, no header...): nothing is written. */
export class ImportFileError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'ImportFileError';
  }
}

/** One problem on one row, in words an officer can act on. */
export interface RowIssue {
  /** Row number as seen in the spreadsheet; 0 for the file as a whole. */
  row: number;
  /** Header as written in the file (or the canonical one). */
  column: string;
  /** The cell's value, with ID numbers and phones masked. */
  value: string;
  reason: string;
  /** error: the row is not imported; warning: imported, flagged for review. */
  severity: 'error' | 'warning';
}
