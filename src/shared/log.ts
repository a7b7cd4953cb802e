/**
 * pino logger with personal data redacted: known fields are censored by path, and any run of
 * 9 or 12 digits (an ID number), a phone number or a date of birth in any logged string is
 * masked, so a careless `log.info({ text })` cannot leak a citizen's identity.
 */
import { pino, type Logger } from 'pino';

const SENSITIVE_KEYS = [
  'idNumber', 'id_number', 'cccd', 'cmnd', 'nationalId',
  'dob', 'birthDate', 'dateOfBirth', 'phone', 'phoneNumber', 'password', 'token',
  'accessToken', 'refreshToken', 'secret', 'secretKey', 'authorization', 'cookie',
];
const REDACT_PATHS = SENSITIVE_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

/** Masks ID numbers, phone numbers and dates in free text. */
export function scrubText(s: string): string {
  return s
    .replace(/(?<!\d)(?:\+?84|0)(?:[\s.-]?\d){9}(?!\d)/g, '[phone]')
    .replace(/(?<!\d)\d(?:[\s.-]?\d){8}(?:(?:[\s.-]?\d){3})?(?!\d)/g, '[id]')
    .replace(/(?<!\d)\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}(?!\d)/g, '[date]');
}

function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return scrubError(value, depth);
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrub(v, depth + 1);
  return out;
}

/**
 * An error with its message, stack, cause and own fields scrubbed: a driver's or a platform's
 * error message can quote the data it failed on. Same prototype, so the log still names its type.
 */
function scrubError(e: Error, depth: number): Error {
  const out = Object.create(Object.getPrototypeOf(e) as object) as Error;
  for (const [k, v] of Object.entries(e)) (out as unknown as Record<string, unknown>)[k] = scrub(v, depth + 1);
  const own = (key: string, value: unknown) => Object.defineProperty(out, key, { value, writable: true, configurable: true, enumerable: false });
  own('message', scrubText(e.message));
  own('stack', e.stack === undefined ? undefined : scrubText(e.stack));
  if (e.cause !== undefined) own('cause', scrub(e.cause, depth + 1));
  return out;
}

export interface LogOptions {
  level?: string;
  /** Where to write; defaults to stdout. Tests pass a stream to inspect the output. */
  destination?: pino.DestinationStream;
}

export function createLogger(opts: LogOptions = {}): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { log: (obj) => scrub(obj) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? scrubText(a) : a)) as never);
        },
      },
    },
    opts.destination,
  );
}

export type { Logger };
