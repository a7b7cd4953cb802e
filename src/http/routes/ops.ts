/**
 * Operations endpoints: GET /healthz (the process is up), GET /readyz (it can serve: PostgreSQL
 * and Redis answer within a second) and GET /metrics (Prometheus text, optionally behind a
 * bearer token), plus the request-duration histogram, labelled by route pattern (never the raw
 * URL, which could carry personal data).
 *
 * Added to the root instance (not as an encapsulated plugin) so its hooks see every route. One
 * of them serves a graceful close: once the app is closing, responses say `connection: close`,
 * so a keep-alive connection whose request was in flight ends with it instead of holding the
 * close until its idle time-out (idle connections are closed at once by the server).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { SqlRunner } from '../../db/sql.js';
import type { Logger } from '../../shared/log.js';
import type { Metrics } from '../../metrics.js';

export interface OpsDeps {
  sql: SqlRunner;
  log: Logger;
  /** Checked by /readyz when given (the runtime's client: the one that serves dialogs and quotas). */
  redis?: { ping(): Promise<string> };
  /** Serves /metrics and times requests when given. */
  metrics?: Metrics;
  /** When set, /metrics wants `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** Time each readiness check may take. @defaultValue 1000 */
  readyTimeoutMs?: number;
}

export type CheckState = 'ok' | 'error' | 'timeout';

export function registerOps(app: FastifyInstance, deps: OpsDeps): void {
  const { metrics } = deps;
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  if (metrics) {
    app.addHook('onResponse', async (req, reply) => {
      metrics.httpRequest(req.method, req.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
    });
  }

  app.get('/healthz', async () => ({ ok: true }));

  const timeout = deps.readyTimeoutMs ?? 1000;
  const last = new Map<string, CheckState>();
  const check = async (name: string, probe: () => Promise<unknown>): Promise<CheckState> => {
    const state = await runCheck(probe, timeout);
    // Logged when a check starts or stops failing, not at every probe; the error text stays in
    // the log (it may name a host), the response says only which check failed.
    if (state.state !== (last.get(name) ?? 'ok')) {
      if (state.state === 'ok') deps.log.info({ check: name }, 'readiness check recovered');
      else deps.log.warn({ check: name, state: state.state, err: state.message }, 'readiness check failed');
    }
    last.set(name, state.state);
    return state.state;
  };
  app.get('/readyz', async (_req, reply) => {
    const [postgres, redis] = await Promise.all([
      check('postgres', () => deps.sql.query('SELECT 1')),
      deps.redis ? check('redis', () => deps.redis!.ping()) : Promise.resolve(undefined),
    ]);
    const checks: Record<string, CheckState> = { postgres };
    if (redis) checks.redis = redis;
    const ok = Object.values(checks).every((s) => s === 'ok');
    return reply.status(ok ? 200 : 503).header('cache-control', 'no-store').send({ ok, checks });
  });

  if (metrics) {
    const expected = deps.metricsToken ? digest(deps.metricsToken) : null;
    app.get('/metrics', async (req, reply) => {
      if (expected) {
        const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
        if (!m || !timingSafeEqual(digest(m[1]!), expected)) {
          return reply.status(401).header('www-authenticate', 'Bearer realm="metrics"').send({ error: 'Unauthorized' });
        }
      }
      return reply.type(metrics.contentType).header('cache-control', 'no-store').send(await metrics.render());
    });
  }
}

/** Equal-length digests, so the comparison takes the same time whatever was sent. */
function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

async function runCheck(probe: () => Promise<unknown>, ms: number): Promise<{ state: CheckState; message?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((r) => {
    timer = setTimeout(() => r('timeout'), ms);
  });
  try {
    const r = await Promise.race([probe().then(() => 'ok' as const), timedOut]);
    return { state: r };
  } catch (e) {
    return { state: 'error', message: (e as Error)?.message ?? String(e) };
  } finally {
    clearTimeout(timer);
  }
}
