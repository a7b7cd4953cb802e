/** Option values every command parses the same way, with the same one-line errors. */
import { isLocalDate } from '../calendar/local-date.js';
import { UserError } from '../shared/errors.js';

/** A TCP port from an option, or the configured one. */
export function parsePort(text: string | undefined, fallback: number): number {
  const port = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port ${text} is not a port number.`);
  return port;
}

/** A YYYY-MM-DD date from an argument or option named `what`. */
export function parseDate(text: string, what = 'date', example = '2022-01-31'): string {
  if (!isLocalDate(text)) throw new UserError(`${what} "${text}" is not a valid date.`, `Use YYYY-MM-DD, e.g. ${example}.`);
  return text;
}
