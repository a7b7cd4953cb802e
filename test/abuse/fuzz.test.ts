/**
 * Issue 8's fuzz test, scaled for CI: 5,000 random messages (test/helpers/fuzz.ts: unicode
 * planes, emoji, RTL, zero-width and control characters, lone surrogates, 10 KB and 1 MB
 * strings, SQL/HTML/JSON/template injections, numbers that look like ID numbers, dates, random
 * button actions) through the conversation engine, the web chat's page API, the Telegram webhook
 * and the signed Zalo webhook, plus about 100 malformed bodies (invalid JSON, wrong shapes, cut
 * UTF-8, nested 5,000 deep, over the body limit, wrong content types, signed events of the wrong
 * shape). Must give: no uncaught exception (vitest fails the file on one), no 5xx, a non-empty
 * reply to every message, no "busy" reply (an internal error caught by the engine), no send the
 * fake platforms refuse. Seeded: a failure reproduces with the same seed.
 * `npx tsx bench/fuzz.ts` runs 100,000 (results in docs/BENCHMARKS.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messages } from '../../src/i18n/messages.js';
import { runFuzz, startFuzzHarness, type FuzzHarness } from '../helpers/fuzz.js';
import { seededRuntime, type TestRuntime } from '../helpers/runtime.js';

let rt: TestRuntime;
let h: FuzzHarness;

beforeAll(async () => {
  rt = await seededRuntime();
  h = await startFuzzHarness(rt);
}, 90_000);

afterAll(async () => {
  await h?.close();
  await rt?.teardown();
});

describe('fuzzing the bot', () => {
  it('should answer what the fuzz found once: Object.prototype words and actions, a lone surrogate in a ticket', async () => {
    const busy = messages('vi').busy;
    const ask = async (chatId: string, m: { text?: string; action?: string }) => {
      const replies = await rt.engine.handle({ channel: 'web', chatId, ...m });
      expect(Array.isArray(replies) && replies.length > 0, JSON.stringify(m)).toBe(true);
      const text = replies.map((r) => r.text).join('\n');
      expect(text, JSON.stringify(m)).not.toBe(busy);
      return text;
    };
    // A word that is a key of Object.prototype once made the abbreviation table return a function.
    for (const text of ['constructor', 'toString please', '__proto__', 'hasOwnProperty']) await ask('fuzz-regression-1', { text });
    // ...and an action such as "constructor" made the engine return nothing at all.
    for (const action of ['constructor', 'toString', 'valueOf', '__proto__', 'constructor:en']) await ask('fuzz-regression-2', { action });
    // A letter followed by half a surrogate pair, added to a ticket: PGlite refused the bytes.
    await ask('fuzz-regression-3', { text: 'gặp cán bộ' });
    expect(await ask('fuzz-regression-3', { text: '剞\udfff và \u030a\udfff' })).toMatch(/Đã ghi nhận yêu cầu gặp cán bộ/);
  });

  it('should answer 5,000 random messages on every channel without a 5xx, a crash, an empty or a "busy" reply', async () => {
    const s = await runFuzz(rt, h, 5000, 20_261_122);
    console.log(`fuzz: ${s.messages} messages in ${s.seconds.toFixed(1)} s ${JSON.stringify(s.byPath)}; HTTP ${JSON.stringify(s.statuses)}; 5xx ${s.fiveXX.length}; no reply ${s.noReply.length}; empty ${s.emptyReplies}; busy ${s.busy.length}; refused by the platforms ${s.platformRefusals}`);
    expect(s.fiveXX).toEqual([]);
    expect(s.noReply).toEqual([]);
    expect(s.emptyReplies).toBe(0);
    expect(s.busy).toEqual([]);
    expect(s.refusedSamples).toEqual([]);
    expect(s.platformRefusals).toBe(0);
    expect(s.byPath.malformed).toBeGreaterThanOrEqual(90);
    expect((await h.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  }, 170_000);
});
