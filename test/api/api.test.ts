/**
 * The integration API through app.inject, on PGlite and PostgreSQL: keys (401, 403, revoked),
 * PUT of a stage by external id (once, idempotent, area-scoped), bulk upsert through the import
 * pipeline (all or nothing, partial, dry run, re-sent, area refusals), the report, the OpenAPI
 * document, and no ID number in the audit log or the logs.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { createAdapters } from '../../bots/registry.js';
import { loadConfig } from '../../src/config.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { fixedClock } from '../../src/shared/clock.js';
import { createLogger } from '../../src/shared/log.js';
import { createApiKey, revokeApiKey, type NewApiKey } from '../../src/api/api-keys.js';
import { progressReport } from '../../src/reports/progress-report.js';
import type { BulkRow } from '../../src/api/integration.service.js';
import { backends, freshDatabase, testKeys, withReferenceData, type TestDatabase } from '../helpers/db.js';
import { cccd } from '../imports/files.js';

const NOW = '2021-09-01T02:00:00Z'; // 09:00 in Vietnam
const PROGRAM = 'NQ68-2021';
const VIETNAMESE = /[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]/i;
const url = {
  stage: (externalId: string, program = PROGRAM) => `/api/v1/programs/${program}/entitlements/${encodeURIComponent(externalId)}/stage`,
  bulk: (program = PROGRAM) => `/api/v1/programs/${program}/entitlements/bulk`,
  report: (area?: string, program = PROGRAM) => `/api/v1/programs/${program}/report${area ? `?area=${area}` : ''}`,
};

/** Every ID number a test sends, to prove none is stored or logged in clear. */
const idNumbers = new Set<string>();

/** A worker of Thành phố Tân An (district 794) in group i5, unless told otherwise. */
function person(serial: number, over: BulkRow = {}): BulkRow {
  const idNumber = cccd('80', 1985, 'F', serial);
  idNumbers.add(idNumber);
  return { fullName: 'Nguyễn Thị Lan', birthDate: '05/03/1985', gender: 'Nữ', idNumber, communeCode: '27694', group: 'i5-work-stoppage', amount: 1_000_000, externalId: `LA-${serial}`, ...over };
}

describe.each(backends)('integration API (%s)', (backend) => {
  let db: TestDatabase;
  let rt: Runtime;
  let app: FastifyInstance;
  const logs: string[] = [];
  const keys: Record<'province' | 'district' | 'districtRead' | 'otherDistrict' | 'revoked', NewApiKey> = {} as never;
  const count = async (table: string, where = 'true') => Number((await db.sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${table}" WHERE ${where}`))[0]!.n);
  const snapshot = async () => ({ people: await count('Person'), files: await count('Entitlement'), events: await count('EntitlementEvent'), outbox: await count('OutboxEvent') });
  const auth = (k: NewApiKey | string) => ({ authorization: `Bearer ${typeof k === 'string' ? k : k.key}` });
  const put = (k: NewApiKey, externalId: string, body: object, program?: string) => app.inject({ method: 'PUT', url: url.stage(externalId, program), headers: auth(k), payload: body });
  const bulk = (k: NewApiKey, body: object, program?: string) => app.inject({ method: 'POST', url: url.bulk(program), headers: auth(k), payload: body });

  beforeAll(async () => {
    db = await freshDatabase(backend);
    await withReferenceData(db);
    const log = createLogger({ level: 'debug', destination: { write: (s: string) => void logs.push(s) } });
    rt = await createRuntime(loadConfig(), { db, clock: fixedClock(NOW), keys: testKeys, redisPrefix: `test:${randomUUID()}:`, log });
    app = await buildApp({ engine: rt.engine, prisma: db.prisma, sql: db.sql, adapters: createAdapters(), log, api: { keys: testKeys, outDir: mkdtempSync(join(tmpdir(), 'ansinh-api-')), clock: rt.clock } });
    keys.province = await createApiKey(db.sql, { name: 'Long An', areaCode: '80', scope: 'write', createdBy: 'test' });
    keys.district = await createApiKey(db.sql, { name: 'Tân An', areaCode: '794', scope: 'write' });
    keys.districtRead = await createApiKey(db.sql, { name: 'Tân An (read)', areaCode: '794', scope: 'read' });
    keys.otherDistrict = await createApiKey(db.sql, { name: 'Kiến Tường', areaCode: '795', scope: 'write' });
    keys.revoked = await createApiKey(db.sql, { name: 'old', areaCode: '80', scope: 'write' });
    await revokeApiKey(db.sql, keys.revoked.prefix);
  });
  afterAll(async () => {
    await app?.close();
    await rt?.close();
    await db?.drop();
  });

  it('should refuse a request with no key, an unknown key or a revoked key (401, WWW-Authenticate: Bearer)', async () => {
    const unknown = `ak_abcdefgh_${'A'.repeat(43)}`;
    for (const headers of [{}, { authorization: 'Basic dXNlcjpwYXNz' }, auth(unknown), auth('not-a-key'), auth(keys.revoked)]) {
      const res = await app.inject({ method: 'GET', url: url.report(), headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
      expect(res.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    }
    const res = await app.inject({ method: 'PUT', url: url.stage('LA-1'), payload: { stage: 'paid' } });
    expect(res.statusCode).toBe(401);
  });

  it('should refuse a read-only key on the write routes (403)', async () => {
    const a = await put(keys.districtRead, 'LA-1', { stage: 'paid' });
    expect(a.statusCode).toBe(403);
    expect(a.json().message).toContain('read-only');
    expect((await bulk(keys.districtRead, { rows: [person(1)] })).statusCode).toBe(403);
    expect(await count('Person')).toBe(0);
  });

  it('should create files from rows, then change nothing when the same rows are sent again', async () => {
    const rows = [person(1), person(2, { communeCode: '27685', fullName: 'Trần Thị Hoa' }), person(3, { stage: 'district_appraisal', externalId: 'LA/2021/0003' })];
    const first = await bulk(keys.district, { rows });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ status: 'committed', rows: 3, okRows: 3, errorRows: 0, changes: { peopleCreated: 3, filesCreated: 3 }, previous: null });
    const before = await snapshot();
    const again = await bulk(keys.district, { rows });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ status: 'committed', changes: { peopleCreated: 0, filesCreated: 0, stageChanges: 0, filesUpdated: 0, unchanged: 3 }, previous: { importId: first.json().importId } });
    expect(await snapshot()).toEqual(before);
    const [file] = await db.sql.query<{ stage: string; actor: string }>(
      `SELECT e.stage, ev.actor FROM "Entitlement" e JOIN "EntitlementEvent" ev ON ev."entitlementId" = e.id WHERE e."externalId" = 'LA/2021/0003'`,
    );
    expect(file).toEqual({ stage: 'district_appraisal', actor: `api:${keys.district.prefix}` });
  });

  it('should reject a batch with a bad row as a whole, naming the row index and the Vietnamese reason', async () => {
    const before = await snapshot();
    const rows = [person(10), person(11, { birthDate: '05/03/1971' }), person(12)]; // the CCCD says 1985
    const res = await bulk(keys.district, { rows });
    expect(res.statusCode).toBe(422);
    const body = res.json();
    expect(body).toMatchObject({ status: 'rejected', rows: 3, okRows: 2, errorRows: 1, changes: { filesCreated: 0 } });
    const issue = body.issues.find((i: { severity: string }) => i.severity === 'error');
    expect(issue).toMatchObject({ index: 1, field: 'idNumber' });
    expect(issue.reason).toMatch(VIETNAMESE);
    expect(issue.value).not.toContain(rows[1]!.idNumber);
    expect(await snapshot()).toEqual(before);
  });

  it('should check without writing on a dry run, and write the good rows with partial', async () => {
    const before = await snapshot();
    const rows = [person(20), person(21, { amount: 999 }), person(22)];
    const dry = await bulk(keys.district, { rows, dryRun: true, partial: true });
    expect(dry.statusCode).toBe(200);
    expect(dry.json()).toMatchObject({ status: 'checked', okRows: 2, errorRows: 1, changes: { filesCreated: 2 } });
    expect(await snapshot()).toEqual(before);
    const res = await bulk(keys.district, { rows, partial: true });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'committed', okRows: 2, errorRows: 1, changes: { filesCreated: 2 } });
    expect(res.json().issues.filter((i: { severity: string }) => i.severity === 'error').map((i: { index: number }) => i.index)).toEqual([1]);
    expect(await count('Entitlement', `"externalId" IN ('LA-20', 'LA-22')`)).toBe(2);
    expect(await count('Entitlement', `"externalId" = 'LA-21'`)).toBe(0);
  });

  it('should refuse rows outside the key\'s area, communes given only by name, and people recorded elsewhere, before importing', async () => {
    // A person of Kiến Tường (795), through the province's key.
    expect((await bulk(keys.province, { rows: [person(30, { communeCode: '27787', externalId: 'KT-30' })] })).statusCode).toBe(200);
    const before = { ...(await snapshot()), batches: await count('ImportBatch') };
    const rows = [
      person(31),
      person(32, { communeCode: '27787' }), // Kiến Tường: outside Tân An
      person(33, { communeCode: null, communeName: 'Phường 1' }),
      person(30, { communeCode: '27694', externalId: 'KT-30' }), // recorded in Kiến Tường
    ];
    const res = await bulk(keys.district, { rows, partial: true });
    expect(res.statusCode).toBe(422);
    const body = res.json();
    expect(body).toMatchObject({ importId: null, status: 'rejected', rows: 4, errorRows: 3, okRows: 1 });
    expect(body.issues.map((i: { index: number; field: string }) => [i.index, i.field])).toEqual([[1, 'communeCode'], [2, 'communeCode'], [3, 'idNumber']]);
    expect(body.issues[0].reason).toMatch(/outside this key's area/);
    expect(body.issues[1].reason).toMatch(/communeCode is required/);
    expect(body.issues[2].reason).toMatch(/recorded outside this key's area/);
    expect(JSON.stringify(body)).not.toContain(rows[3]!.idNumber);
    expect({ ...(await snapshot()), batches: await count('ImportBatch') }).toEqual(before);
  });

  it('should move a file by its external id once: history and one stage_changed notice; the same PUT again changes nothing', async () => {
    const outbox = await count('OutboxEvent', `kind = 'stage_changed'`);
    const events = await count('EntitlementEvent');
    const res = await put(keys.district, 'LA-1', { stage: 'paid', paidAt: '2021-08-30', paymentPlace: 'UBND Phường 1', decisionNo: '12/QĐ-UBND' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ externalId: 'LA-1', fromStage: 'si_confirm', toStage: 'paid', changed: true });
    expect(await count('OutboxEvent', `kind = 'stage_changed'`)).toBe(outbox + 1);
    expect(await count('EntitlementEvent', `source = 'api' AND actor = 'api:${keys.district.prefix}' AND "toStage" = 'paid'`)).toBe(1);
    const [file] = await db.sql.query(`SELECT status, to_char("paidAt", 'YYYY-MM-DD') AS "paidAt", "paymentPlace", "decisionNo" FROM "Entitlement" WHERE "externalId" = 'LA-1'`);
    expect(file).toEqual({ status: 'paid', paidAt: '2021-08-30', paymentPlace: 'UBND Phường 1', decisionNo: '12/QĐ-UBND' });

    const again = await put(keys.district, 'LA-1', { stage: 'paid', paidAt: '2021-08-30', paymentPlace: 'UBND Phường 1', decisionNo: '12/QĐ-UBND' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ fromStage: 'paid', toStage: 'paid', changed: false });
    expect(await count('OutboxEvent', `kind = 'stage_changed'`)).toBe(outbox + 1);
    expect(await count('EntitlementEvent')).toBe(events + 1);
    // Paid is final through the API.
    const back = await put(keys.district, 'LA-1', { stage: 'si_confirm' });
    expect(back.statusCode).toBe(409);
    expect(back.json()).toMatchObject({ statusCode: 409, error: 'Conflict', message: expect.stringMatching(/already paid/) });
    expect(await count('EntitlementEvent')).toBe(events + 1);

    // A payment date in the future is refused, and the refusal audited.
    const future = await put(keys.district, 'LA/2021/0003', { stage: 'paid', paidAt: '2099-01-01' });
    expect(future.statusCode).toBe(422);
    expect(future.json()).toMatchObject({ error: 'Unprocessable Entity', message: 'paidAt 2099-01-01 is in the future.' });
    expect(await count('AuditEvent', `action = 'api_set_stage' AND result = 'invalid_date'`)).toBe(1);

    // An external id with slashes, percent-encoded in the path.
    const slashed = await put(keys.district, 'LA/2021/0003', { stage: 'province_approval' });
    expect(slashed.json()).toMatchObject({ externalId: 'LA/2021/0003', fromStage: 'district_appraisal', toStage: 'province_approval', changed: true });
  });

  it("should answer 404 for a file outside the key's area, exactly as for a missing one", async () => {
    const outside = await put(keys.district, 'KT-30', { stage: 'paid' });
    const missing = await put(keys.district, 'NO-SUCH', { stage: 'paid' });
    expect(outside.statusCode).toBe(404);
    expect(missing.statusCode).toBe(404);
    expect(outside.json().message).toBe(missing.json().message.replace('NO-SUCH', 'KT-30'));
    expect((await put(keys.otherDistrict, 'KT-30', { stage: 'district_appraisal' })).json()).toMatchObject({ changed: true });
    expect((await put(keys.district, 'LA-2', { stage: 'paid' }, 'NQ99-2030')).statusCode).toBe(404);
    // A caller using ID numbers as external ids: the audit log keeps them masked.
    const idLike = cccd('80', 1990, 'M', 99);
    idNumbers.add(idLike);
    expect((await put(keys.district, idLike, { stage: 'paid' })).statusCode).toBe(404);
  });

  it('should explain an unknown stage and a malformed request in English', async () => {
    const unknown = await put(keys.district, 'LA-2', { stage: 'teleported' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().message).toBe('"teleported" is not a stage of this file\'s group. Stages: si_confirm, district_appraisal, province_approval, payment, paid, rejected.');
    const cases: [object, RegExp][] = [
      [{}, /^body\.stage: /],
      [{ stage: 'payment', paidAt: '2021-08-30' }, /body\.paidAt: paidAt is only accepted with stage "paid"/],
      [{ stage: 'paid', paidAt: '30/08/2021' }, /body\.paidAt: expected a date YYYY-MM-DD/],
      [{ stage: 'paid', colour: 'red' }, /Unrecognized key.*colour/],
    ];
    for (const [payload, message] of cases) {
      const res = await put(keys.district, 'LA-2', payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toMatch(message);
    }
    const future = await put(keys.district, 'LA-2', { stage: 'paid', paidAt: '2021-09-30' });
    expect(future.statusCode).toBe(422);
    const shape = await bulk(keys.district, { rows: [{ ...person(40), idNumber: 80185000040 }] });
    expect(shape.statusCode).toBe(400);
    expect(shape.json().message).toMatch(/^body\.rows\[0\]\.idNumber: /);
    expect((await bulk(keys.district, { rows: [] })).statusCode).toBe(400);
    const tooMany = await bulk(keys.district, { rows: Array.from({ length: 5001 }, () => ({ fullName: 'A' })) });
    expect(tooMany.statusCode).toBe(413);
    expect(tooMany.json().message).toMatch(/at most 5,000/);
    for (const res of [unknown, shape, tooMany]) expect(res.body).not.toMatch(/at .*\.ts:\d+/);
  });

  it("should give the key's district by default, equal to progressReport, and refuse an area outside it", async () => {
    const res = await app.inject({ method: 'GET', url: url.report(), headers: auth(keys.districtRead) });
    expect(res.statusCode, res.body).toBe(200);
    const direct = await progressReport(db.sql, { program: PROGRAM, area: '794', within: keys.district.area.path, asOf: '2021-09-01' });
    expect(res.json()).toEqual(JSON.parse(JSON.stringify(direct)));
    expect(direct.area.code).toBe('794');
    expect(direct.total.people).toBeGreaterThan(0);
    const commune = await app.inject({ method: 'GET', url: url.report('27694'), headers: auth(keys.districtRead) });
    expect(commune.json().area.code).toBe('27694');
    const refusedBefore = await count('AuditEvent', `action = 'api_report' AND result <> 'ok'`);
    expect((await app.inject({ method: 'GET', url: url.report('795'), headers: auth(keys.districtRead) })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: url.report('99999'), headers: auth(keys.districtRead) })).statusCode).toBe(404);
    expect(await count('AuditEvent', `action = 'api_report' AND result <> 'ok'`)).toBe(refusedBefore + 2);
    expect((await app.inject({ method: 'GET', url: url.report('80'), headers: auth(keys.province) })).json().area.code).toBe('80');
    expect((await app.inject({ method: 'GET', url: url.report(undefined, 'NQ99-2030'), headers: auth(keys.province) })).statusCode).toBe(404);
  });

  it('should serve an OpenAPI 3 document listing the three routes, without a key', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = JSON.parse(res.body);
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.title).toBe('ansinh integration API');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/v1/programs/{program}/entitlements/bulk',
      '/api/v1/programs/{program}/entitlements/{externalId}/stage',
      '/api/v1/programs/{program}/report',
    ]);
    expect(Object.keys(doc.paths['/api/v1/programs/{program}/entitlements/{externalId}/stage'])).toEqual(['put']);
    expect(doc.paths['/api/v1/programs/{program}/entitlements/bulk'].post.requestBody.content['application/json'].schema.properties.rows.maxItems).toBe(5000);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
  });

  it('should audit every call with the key prefix, record when keys are used, and keep ID numbers out of the audit log and the logs', async () => {
    const audits = await db.sql.query<{ action: string; actor: string; result: string }>(`SELECT action, actor, result, detail FROM "AuditEvent" WHERE action LIKE 'api_%' ORDER BY id`);
    const actions = new Set(audits.map((a) => `${a.action}:${a.result}`));
    for (const a of ['api_bulk_upsert:committed', 'api_bulk_upsert:rejected', 'api_bulk_upsert:checked', 'api_bulk_upsert:refused', 'api_set_stage:changed', 'api_set_stage:unchanged', 'api_set_stage:not_found', 'api_set_stage:unknown_stage', 'api_report:ok']) {
      expect(actions, a).toContain(a);
    }
    expect(audits.every((a) => /^api:ak_[a-z0-9]{8}$/.test(a.actor))).toBe(true);
    const dump = JSON.stringify(await db.sql.query(`SELECT * FROM "AuditEvent"`)) + JSON.stringify(await db.sql.query(`SELECT * FROM "ImportBatch"`)) + logs.join('');
    expect(idNumbers.size).toBeGreaterThan(10);
    for (const id of idNumbers) expect(dump).not.toContain(id);
    const [used] = await db.sql.query<{ lastUsedAt: Date | null }>(`SELECT "lastUsedAt" FROM "ApiKey" WHERE prefix = $1`, [keys.district.prefix]);
    expect(used!.lastUsedAt).not.toBeNull();
    const keyDump = JSON.stringify(await db.sql.query(`SELECT * FROM "ApiKey"`)) + logs.join('');
    for (const k of Object.values(keys)) expect(keyDump).not.toContain(k.key);
  });
});
