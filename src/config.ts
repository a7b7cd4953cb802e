/**
 * The one place that reads the environment. `loadConfig()` parses it with zod once and
 * returns a frozen, nested, typed object; a bad value stops start-up with a message that
 * names every bad key. Nothing else in ansinh reads process.env.
 */
import { z } from 'zod';
import { resolve } from 'node:path';

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optional = <T extends z.ZodTypeAny>(s: T) => z.preprocess(blankToUndefined, s.optional());

const postgresUrl = z
  .string()
  .refine((v) => /^postgres(ql)?:\/\/.+/.test(v), 'must be a postgres:// or postgresql:// URL');

const envSchema = z.object({
  /** Real PostgreSQL. Unset: the embedded database (PGlite) in ANSINH_PGLITE_DIR. */
  DATABASE_URL: optional(postgresUrl),
  /** Folder for the embedded database, the generated key and demo files. @defaultValue ./.data */
  ANSINH_DATA_DIR: optional(z.string()),
  /** Embedded database folder. @defaultValue <ANSINH_DATA_DIR>/pglite */
  ANSINH_PGLITE_DIR: optional(z.string()),
  /**
   * Secret for keyed hashes of ID numbers and phones and for phone encryption; at least 32
   * characters. Required with DATABASE_URL (every process must share it); with the embedded
   * database a random one is created once in <ANSINH_DATA_DIR>/secret.key.
   */
  ANSINH_SECRET_KEY: optional(z.string().min(32, 'must be at least 32 characters')),
  /** Redis for queues, dialog state and quotas. @defaultValue redis://127.0.0.1:6379 */
  REDIS_URL: optional(z.string().refine((v) => /^rediss?:\/\//.test(v), 'must be a redis:// or rediss:// URL')),
  /** Prefix of every Redis key (hash-tag it, e.g. "{ansinh}:", for Redis Cluster). @defaultValue ansinh: */
  ANSINH_REDIS_PREFIX: optional(z.string().min(1)),
  HOST: optional(z.string()),
  PORT: optional(z.coerce.number().int().min(1).max(65535)),
  /**
   * Bearer token for GET /metrics (Prometheus: `authorization: { credentials: <token> }`); at
   * least 16 characters. Unset = /metrics is open to whoever can reach HOST:PORT.
   */
  ANSINH_METRICS_TOKEN: optional(z.string().regex(/^[\x21-\x7e]{16,256}$/, 'must be 16-256 printable characters without spaces')),
  /** Telegram bot token from @BotFather; unset = no Telegram channel. */
  TELEGRAM_BOT_TOKEN: optional(z.string().regex(/^\d+:[A-Za-z0-9_-]+$/, 'must look like 123456:ABC-def')),
  /** Secret Telegram sends back in X-Telegram-Bot-Api-Secret-Token (webhook mode). */
  TELEGRAM_WEBHOOK_SECRET: optional(z.string().regex(/^[A-Za-z0-9_-]{16,256}$/, 'must be 16-256 characters of A-Z, a-z, 0-9, _ or -')),
  /** webhook (needs a public HTTPS URL) or polling (a machine without one). @defaultValue webhook */
  TELEGRAM_MODE: optional(z.enum(['webhook', 'polling'])),
  /** Bot API root; point it at a fake for tests and the simulated demo. @defaultValue https://api.telegram.org */
  TELEGRAM_API_ROOT: optional(z.string().url().refine((v) => !v.endsWith('/'), 'must not end with /')),
  /**
   * Messages per second the bot may send in all; the outbound queue uses 80% of it. Raise it only
   * with Telegram's paid broadcasts (allow_paid_broadcast, up to 1000/s) or against a fake. @defaultValue 30
   */
  TELEGRAM_RATE_PER_SECOND: optional(z.coerce.number().min(1).max(1000)),
  /** Zalo app id (developers.zalo.me); unset = no Zalo channel. */
  ZALO_APP_ID: optional(z.string().regex(/^\d{1,25}$/, 'must be the numeric app id')),
  /** Zalo App Secret, for the OAuth token refresh. */
  ZALO_APP_SECRET: optional(z.string().min(8)),
  /** Zalo OA Secret Key, which signs webhooks (not the App Secret). */
  ZALO_OA_SECRET: optional(z.string().min(8)),
  /** Refresh token from authorising the OA; used once, after which ansinh keeps the rotating one in the database. */
  ZALO_REFRESH_TOKEN: optional(z.string().min(8)),
  /** Approved ZNS template for status notices by phone; unset = no ZNS. */
  ZALO_ZNS_TEMPLATE_ID: optional(z.string().min(1)),
  /** API roots; point them at a fake for tests and the simulated demo. */
  ZALO_API_ROOT: optional(z.string().url().refine((v) => !v.endsWith('/'), 'must not end with /')),
  ZALO_OAUTH_ROOT: optional(z.string().url().refine((v) => !v.endsWith('/'), 'must not end with /')),
  ZALO_ZNS_ROOT: optional(z.string().url().refine((v) => !v.endsWith('/'), 'must not end with /')),
  /** Messages per second for the OA (Zalo publishes no limit; agree one with Zalo). @defaultValue 20 */
  ZALO_RATE_PER_SECOND: optional(z.coerce.number().min(1).max(1000)),
  /** Working days a file may be overdue before it goes into the digest one level up. @defaultValue 3 */
  ANSINH_ESCALATE_AFTER: optional(z.coerce.number().int().min(0).max(60)),
  LOG_LEVEL: optional(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])),
  /** Folder of program definition files. @defaultValue prisma/programs */
  ANSINH_PROGRAMS_DIR: optional(z.string()),
  /** PostgreSQL used by the test suite in addition to PGlite (CI sets it). */
  ANSINH_TEST_DATABASE_URL: optional(postgresUrl),
});

export type Config = ReturnType<typeof buildConfig>;

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration: ${issues.join('; ')}`);
    this.name = 'ConfigError';
  }
}

function buildConfig(env: z.infer<typeof envSchema>, cwd: string) {
  const dataDir = resolve(cwd, env.ANSINH_DATA_DIR ?? '.data');
  return {
    database: {
      url: env.DATABASE_URL,
      pgliteDir: resolve(cwd, env.ANSINH_PGLITE_DIR ?? `${dataDir}/pglite`),
    },
    dataDir,
    secretKey: env.ANSINH_SECRET_KEY,
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    redisPrefix: env.ANSINH_REDIS_PREFIX ?? 'ansinh:',
    http: { host: env.HOST ?? '127.0.0.1', port: env.PORT ?? 3000 },
    metrics: { token: env.ANSINH_METRICS_TOKEN },
    logLevel: env.LOG_LEVEL ?? 'info',
    programsDir: resolve(cwd, env.ANSINH_PROGRAMS_DIR ?? 'prisma/programs'),
    escalateAfter: env.ANSINH_ESCALATE_AFTER ?? 3,
    telegram: env.TELEGRAM_BOT_TOKEN
      ? { token: env.TELEGRAM_BOT_TOKEN, webhookSecret: env.TELEGRAM_WEBHOOK_SECRET, mode: env.TELEGRAM_MODE ?? 'webhook', apiRoot: env.TELEGRAM_API_ROOT ?? 'https://api.telegram.org', ...(env.TELEGRAM_RATE_PER_SECOND ? { ratePerSecond: env.TELEGRAM_RATE_PER_SECOND } : {}) }
      : null,
    zalo: env.ZALO_APP_ID
      ? {
          appId: env.ZALO_APP_ID, appSecret: env.ZALO_APP_SECRET ?? '', oaSecret: env.ZALO_OA_SECRET ?? '', refreshToken: env.ZALO_REFRESH_TOKEN,
          znsTemplateId: env.ZALO_ZNS_TEMPLATE_ID, ...(env.ZALO_RATE_PER_SECOND ? { ratePerSecond: env.ZALO_RATE_PER_SECOND } : {}),
          apiRoot: env.ZALO_API_ROOT ?? 'https://openapi.zalo.me', oauthRoot: env.ZALO_OAUTH_ROOT ?? 'https://oauth.zaloapp.com', znsRoot: env.ZALO_ZNS_ROOT ?? 'https://business.openapi.zalo.me',
        }
      : null,
    test: { databaseUrl: env.ANSINH_TEST_DATABASE_URL },
  };
}

/** Parses the environment; throws ConfigError naming every bad key. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Readonly<Config> {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    );
  }
  const cfg = buildConfig(parsed.data, cwd);
  if (cfg.database.url && !cfg.secretKey) {
    throw new ConfigError([
      'ANSINH_SECRET_KEY: required with DATABASE_URL (every process must hash ID numbers with the same key)',
    ]);
  }
  if (cfg.telegram && cfg.telegram.mode === 'webhook' && !cfg.telegram.webhookSecret) {
    throw new ConfigError(['TELEGRAM_WEBHOOK_SECRET: required in webhook mode (or set TELEGRAM_MODE=polling)']);
  }
  if (cfg.zalo) {
    const missing = [!cfg.zalo.appSecret && 'ZALO_APP_SECRET', !cfg.zalo.oaSecret && 'ZALO_OA_SECRET'].filter(Boolean);
    if (missing.length) throw new ConfigError(missing.map((k) => `${k}: required when ZALO_APP_ID is set`));
  }
  return deepFreeze(cfg);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
