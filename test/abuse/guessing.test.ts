/**
 * Issue 8's abuse test, scaled for CI: 100 chats each typing 50 random ID numbers with birth
 * dates (test/helpers/abuse.ts: valid and invalid numbers, real people's numbers with wrong
 * dates) through the conversation engine with the default quotas. No reply may disclose
 * anything (a masked name, an amount, a stage, a status line); every chat must end locked, with
 * no look-up reaching the list after its lock and at most `chatFailures` failed look-ups before
 * it; every real ID number attacked from many chats must be locked; and the officers must be
 * alerted (officer_alert outbox rows, expanded into messages to the officers).
 * `npx tsx bench/abuse.ts` runs the full 100 chats × 1,000 (results in docs/BENCHMARKS.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/lookup/quota.js';
import { addProvinceOfficers, alertMessages, runGuessing } from '../helpers/abuse.js';
import { seededRuntime, type TestRuntime } from '../helpers/runtime.js';
import { enqueueOfficerAlert } from '../../src/outbox/outbox.service.js';

let rt: TestRuntime;

beforeAll(async () => {
  rt = await seededRuntime();
}, 90_000);
afterAll(async () => rt?.teardown());

describe('100 chats guessing ID numbers', () => {
  it('should disclose nothing, lock every chat and the attacked ID numbers, and alert the officers', async () => {
    const officers = await addProvinceOfficers(rt);
    expect(officers.length).toBeGreaterThan(0);
    const r = await runGuessing(rt, { chats: 100, attemptsPerChat: 50, seed: 8_001 });
    console.log(`guessing: ${r.chatIds.length} chats, ${r.attempts} attempts (${r.messages} messages) in ${r.seconds.toFixed(1)} s; kinds ${JSON.stringify(r.byKind)}; look-up results ${JSON.stringify(r.results)}; alerts ${JSON.stringify(r.alerts)}; locked targets ${r.lockedTargets}; disclosures ${r.disclosures.length}; unlocked chats ${r.unlocked.length}; most failures before a lock ${r.maxFailuresBeforeLock}`);
    expect(r.disclosures).toEqual([]);
    expect(r.results.found ?? 0).toBe(0);
    expect(r.unlocked).toEqual([]);
    expect(r.lookupsAfterLock).toBe(0);
    expect(r.maxFailuresBeforeLock).toBeLessThanOrEqual(DEFAULT_LIMITS.chatFailures);
    // Each chat was locked once, by the anomaly rule (more than 3 different failing IDs) or the
    // failure rule; every later attempt was refused before any look-up.
    const lockedNow = (r.results.mismatch_locked_anomaly ?? 0) + (r.results.mismatch_locked_chat ?? 0);
    expect(lockedNow).toBeGreaterThanOrEqual(r.chatIds.length);
    expect((r.results.locked_anomaly ?? 0) + (r.results.locked_chat ?? 0)).toBeGreaterThan(r.chatIds.length * 10);
    // Alerts: one per chat locked for trying many IDs, one per ID number locked.
    expect(r.alerts.anomaly).toBe(r.results.mismatch_locked_anomaly);
    expect(r.lockedTargets).toBeGreaterThan(0);
    expect(r.alerts.id_locked).toBe(r.lockedTargets);

    // The officers hear about it: the relay's expansion turns each alert into officer messages.
    const total = await alertMessages(rt);
    // Anomaly alerts go to every province officer, the first of each hour only (the others are in
    // the audit log); an ID lock to the officer of the person's province, each one.
    const [{ hours }] = await rt.db.sql.query<{ hours: number }>(
      `SELECT count(DISTINCT left(payload->>'at', 13))::int AS hours FROM "OutboxEvent" WHERE kind = 'officer_alert' AND payload->>'reason' = 'anomaly'`,
    ) as [{ hours: number }];
    expect(hours).toBeGreaterThanOrEqual(1);
    expect(hours).toBeLessThan(r.alerts.anomaly!);
    expect(total).toBe(hours * officers.length + r.alerts.id_locked!);
    const texts = await rt.db.sql.query<{ text: string }>(`SELECT payload->'params'->>'text' AS text FROM "OutboxEvent" WHERE kind = 'chat_message' AND payload->>'kind' = 'alert' LIMIT 50`);
    for (const t of texts) expect(t.text).toMatch(/\S/);
  }, 170_000);

  it('should tell the officers of the first locked chat in each hour and point them to the audit log for the rest', async () => {
    const before = await alertMessages(rt); // officers from the test above, alerts already expanded
    const [province] = await rt.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Officer" WHERE role = 'province'`);
    const officers = province!.n;
    expect(officers).toBeGreaterThan(0);
    const alert = (at: string) => enqueueOfficerAlert(rt.db.prisma, { reason: 'anomaly', communeId: null, identityId: 1, at });
    await alert('2026-03-02T02:05:00.000Z');
    await alert('2026-03-02T02:40:00.000Z');
    await alert('2026-03-02T02:59:59.999Z');
    expect(await alertMessages(rt)).toBe(before + officers); // one hour: one message each
    await alert('2026-03-02T03:00:00.000Z');
    expect(await alertMessages(rt)).toBe(before + 2 * officers); // the next hour: one more
    const [last] = await rt.db.sql.query<{ text: string }>(`SELECT payload->'params'->>'text' AS text FROM "OutboxEvent" WHERE kind = 'chat_message' AND payload->>'kind' = 'alert' ORDER BY id DESC LIMIT 1`);
    expect(last!.text).toMatch(/không báo riêng; tất cả đều có trong nhật ký của hệ thống/);
  });
});
