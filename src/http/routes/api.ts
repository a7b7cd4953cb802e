/**
 * The integration API for a provincial information system, under /api/v1 (HTTP only: the work
 * is in src/api/integration.service.ts):
 *
 *   PUT  /programs/:program/entitlements/:externalId/stage   a file's stage, by external id (idempotent)
 *   POST /programs/:program/entitlements/bulk                rows through the import pipeline
 *   GET  /programs/:program/report?area=CODE                 payment progress
 *   GET  /openapi.json                                       this API's OpenAPI 3 document (no key)
 *
 * Every other route wants `Authorization: Bearer <API key>` (`ansinh apikey create`): none,
 * unknown or revoked → 401 with `WWW-Authenticate: Bearer`; a read key on a write route → 403.
 * Requests and responses are zod schemas (fastify-type-provider-zod), documented by
 * @fastify/swagger. Errors are `{ statusCode, error, message }` in English, never a stack trace;
 * the import's row reasons stay in Vietnamese, as officers read them too.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { SqlRunner } from '../../db/sql.js';
import type { Keys } from '../../shared/secrets.js';
import { systemClock, type Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/log.js';
import { authenticate, type ApiKeyInfo, type ApiScope } from '../../api/api-keys.js';
import { ApiRefusal, apiReport, bulkUpsert, setStageByExternalId, type IntegrationDeps } from '../../api/integration.service.js';
import {
  bulkBody, bulkResponse, errorResponse, MAX_BULK_BYTES, MAX_BULK_ROWS, programParams, reportQuery, reportResponse, setStageBody, setStageResponse, stageParams,
} from '../../api/api-schemas.js';

/** What the API needs besides what every route has (buildApp's `api` option). */
export interface ApiOptions {
  /** Hashes ID numbers and encrypts phones of imported rows. */
  keys: Keys;
  /** Folder for import error files, e.g. `<data dir>/imports`. */
  outDir: string;
  /** @defaultValue the system clock */
  clock?: Clock;
}

export interface ApiRouteDeps extends ApiOptions {
  sql: SqlRunner;
  prisma: PrismaClient;
  log: Logger;
}

const REFUSAL_STATUS = { not_found: 404, forbidden: 403, invalid: 422, conflict: 409 } as const;
const error = (description: string) => errorResponse.describe(description);
const errors = {
  400: error('Malformed request; the message names each wrong field (e.g. body.rows[3].idNumber)'),
  401: error('No key, or an unknown or revoked key'),
};

function problem(reply: FastifyReply, status: number, message: string) {
  return reply.status(status).send({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', message });
}

/** "body.rows[3].idNumber: Invalid input: expected string, received number; ..." */
function validationMessage(err: FastifyError): string {
  const where = err.validationContext ?? 'request';
  const parts = (err.validation ?? []).slice(0, 10).map((v) => {
    const path = (v.instancePath ?? '').split('/').filter(Boolean).map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('');
    return `${where}${path}: ${v.message ?? 'invalid'}`;
  });
  return parts.join('; ') || err.message;
}

export async function apiRoutes(app: FastifyInstance, deps: ApiRouteDeps): Promise<void> {
  const domain: IntegrationDeps = { sql: deps.sql, prisma: deps.prisma, keys: deps.keys, log: deps.log, outDir: deps.outDir, clock: deps.clock ?? systemClock };
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'ansinh integration API',
        version: '1.0.0',
        description: 'For provincial information systems: set a file\'s stage by its external id, upsert beneficiary rows, read payment progress. '
          + 'Every key is limited to one area (province, district or commune, pre-2025 codes); files outside it do not exist for the key.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key from `ansinh apikey create` (ak_...)' } } },
      security: [{ bearerAuth: [] }],
    },
    transform: jsonSchemaTransform,
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof ApiRefusal) return problem(reply, REFUSAL_STATUS[err.kind], err.message);
    if (err.validation) return problem(reply, 400, validationMessage(err));
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 413) return problem(reply, 413, `The request body is larger than ${MAX_BULK_BYTES / 1024 / 1024} MB; send at most ${MAX_BULK_ROWS.toLocaleString('en')} rows per request.`);
    if (status < 500) return problem(reply, status, err.message);
    req.log.error({ err }, 'api request failed');
    return problem(reply, 500, 'Internal error. Try again later; if it persists, tell the operators (the server log has the details).');
  });
  app.setNotFoundHandler((req, reply) => problem(reply, 404, `No route ${req.method} ${req.url.split('?')[0]}. See /api/v1/openapi.json.`));

  const keyOf = new WeakMap<FastifyRequest, ApiKeyInfo>();
  const key = (req: FastifyRequest) => keyOf.get(req)!;
  const requireKey = (scope: ApiScope) => async (req: FastifyRequest, reply: FastifyReply) => {
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!m) {
      reply.header('www-authenticate', 'Bearer realm="ansinh"');
      return problem(reply, 401, 'An API key is required: send the header "Authorization: Bearer <key>".');
    }
    const k = await authenticate(deps.sql, m[1]!, domain.clock.now());
    if (!k) {
      reply.header('www-authenticate', 'Bearer realm="ansinh", error="invalid_token"');
      return problem(reply, 401, 'Unknown or revoked API key.');
    }
    if (scope === 'write' && k.scope !== 'write') return problem(reply, 403, `Key ${k.prefix} is read-only; this route needs a key with scope write.`);
    keyOf.set(req, k);
  };

  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  r.put('/programs/:program/entitlements/:externalId/stage', {
    onRequest: requireKey('write'),
    schema: {
      summary: "Set a file's stage by its external id",
      description: 'Moves the file through the same path as every other writer: history, and a notice to the citizen\'s chats that asked for one, in one transaction. '
        + 'Asking for the stage the file is already at changes nothing (changed: false), so a retried request is safe. 404 for a file outside the key\'s area.',
      tags: ['files'],
      params: stageParams,
      body: setStageBody,
      response: {
        200: setStageResponse.describe('The change; changed: false when the file already was at that stage'), ...errors, 403: error('Read-only key'), 404: error("Unknown program, or no file with that external id within the key's area"),
        409: error('The file is already paid: a paid file is not moved to another stage through the API'),
        422: error("Not a stage of the file's group (the message lists them), or a payment date in the future"),
      },
    },
  }, async (req) => setStageByExternalId(domain, key(req), req.params.program, req.params.externalId, req.body));

  r.post('/programs/:program/entitlements/bulk', {
    onRequest: requireKey('write'),
    bodyLimit: MAX_BULK_BYTES,
    // Counted before validation, so too many rows is a 413 rather than a long list of issues.
    preValidation: async (req, reply) => {
      const rows = (req.body as { rows?: unknown } | null)?.rows;
      if (Array.isArray(rows) && rows.length > MAX_BULK_ROWS) {
        return problem(reply, 413, `${rows.length.toLocaleString('en')} rows: at most ${MAX_BULK_ROWS.toLocaleString('en')} per request; split them.`);
      }
    },
    schema: {
      summary: 'Upsert beneficiary rows',
      description: 'The rows go through the list import: the same checks (ID structure, dates, amounts, duplicates, exclusive groups), all or nothing unless partial, '
        + 'dryRun writes nothing, the same rows sent again change nothing, stage changes notify citizens. Every row needs communeCode inside the key\'s area, '
        + 'and a person recorded outside it cannot be changed; otherwise the request is refused (422) before anything is imported. '
        + `200: committed or checked (dry run); 422: rejected, with the issues by row index; at most ${MAX_BULK_ROWS} rows (413).`,
      tags: ['files'],
      params: programParams,
      body: bulkBody,
      response: {
        200: bulkResponse.describe('Committed, or checked (dry run)'), 422: bulkResponse.describe('Rejected: nothing written (unless partial); the issues say which rows and why'),
        500: bulkResponse.describe('Failed on the server: nothing written'), ...errors, 403: error('Read-only key'), 404: error('Unknown program'),
        413: error(`More than ${MAX_BULK_ROWS} rows, or a body over ${MAX_BULK_BYTES / 1024 / 1024} MB`),
      },
    },
  }, async (req, reply) => {
    const result = await bulkUpsert(domain, key(req), req.params.program, req.body);
    const status = result.status === 'committed' || result.status === 'checked' ? 200 : result.status === 'rejected' ? 422 : 500;
    return reply.status(status).send(result);
  });

  r.get('/programs/:program/report', {
    onRequest: requireKey('read'),
    schema: {
      summary: 'Payment progress of a program in an area',
      description: 'Approved, paid, amounts and paid % by child area and group, and the total. Default area: the key\'s own.',
      tags: ['reports'],
      params: programParams,
      querystring: reportQuery,
      response: {
        200: reportResponse.describe('The report'), ...errors, 403: error("The area is outside the key's area"),
        404: error('Unknown program or area code, or no files in the area'),
      },
    },
  }, async (req) => apiReport(domain, key(req), req.params.program, req.query.area));
}
