/**
 * An error the user can act on: printed as one line (no stack trace) by the CLI and shown as
 * is by the server. `hint` says what to do.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
  /** One line: what is wrong, then what to do. */
  toLine(): string {
    return this.hint ? `${this.message} ${this.hint}` : this.message;
  }
}
