/**
 * Issue 8's fault: `ansinh worker` killed with SIGKILL in the middle of a broadcast, then
 * started again. Every recipient must get the message (0 lost), and only a message that was in
 * flight at the kill may arrive twice (at most the worker's concurrency × channels). Runs a
 * 1,000-recipient broadcast on the fake Telegram and Zalo at raised limits (100/s and 50/s, so
 * it fits in CI); `npx tsx bench/broadcast.ts --crash` runs the 10,000 version. Needs real
 * PostgreSQL (two processes share the database): skipped without ANSINH_TEST_DATABASE_URL.
 * The restarted worker takes the killed one's jobs up when their 15-second lock lapses; the
 * test takes about 15-30 s.
 */
import { describe, expect, it } from 'vitest';
import { postgresUrl } from '../helpers/db.js';
import { runCrashScenario } from '../helpers/broadcast-crash.js';

describe.skipIf(!postgresUrl)('a worker killed in the middle of a broadcast', () => {
  it('should reach every recipient after a restart, with duplicates at most the messages in flight', async () => {
    const r = await runCrashScenario({ serverUrl: postgresUrl!, recipients: 1000, telegramPerSecond: 100, zaloPerSecond: 50, log: (l) => console.log(l) });
    console.log(`crash: ${r.recipients} recipients, ${r.atKill} reached before SIGKILL, lost ${r.lost}, duplicates ${r.duplicates} (bound ${r.inFlightBound}), recovered in ${r.recoverySeconds.toFixed(1)} s`);
    expect(r.lost).toBe(0);
    expect(r.duplicates).toBeLessThanOrEqual(r.inFlightBound);
    expect(r.atKill).toBeGreaterThan(0);
    expect(r.atKill).toBeLessThan(r.recipients);
    expect(r.progress.all.total).toBe(1000);
    expect(r.progress.all.queued).toBe(0);
    expect(r.progress.all.sent).toBe(1000);
  }, 150_000);
});
