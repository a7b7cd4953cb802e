/**
 * Admission control: a few messages run, a bounded number wait in order, the rest are answered
 * "busy" at once without reaching the engine (measured need: bench/lookup-pipeline.ts).
 */
import { describe, expect, it } from 'vitest';
import { InboundGate } from '../../src/inbound/gate.js';
import { answerInline, handleInBackground } from '../../src/inbound/pipeline.js';
import type { ConversationEngine } from '../../src/conversation/engine.js';
import type { ChannelAdapter } from '../../bots/channel.js';
import type { Reply } from '../../src/conversation/types.js';
import { createLogger } from '../../src/shared/log.js';
import { Metrics } from '../../src/metrics.js';

const log = createLogger({ level: 'silent' });

describe('inbound gate', () => {
  it('should run at most maxActive at once, queue maxWaiting in arrival order, and refuse the rest at once', async () => {
    const gate = new InboundGate(2, 2);
    const started: number[] = [];
    const release: (() => void)[] = [];
    const job = (i: number) => () => new Promise<void>((r) => { started.push(i); release.push(r); });
    const results = [1, 2, 3, 4, 5].map((i) => gate.run(job(i)));
    await new Promise((r) => setTimeout(r, 10));
    expect(started).toEqual([1, 2]);
    expect(gate.load).toEqual({ active: 2, waiting: 2 });
    expect(await results[4]).toBe(false); // the fifth: turned away at once
    release.shift()!();
    await new Promise((r) => setTimeout(r, 10));
    expect(started).toEqual([1, 2, 3]);
    while (release.length) {
      release.shift()!();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await Promise.all(results.slice(0, 4))).toEqual([true, true, true, true]);
    expect(started).toEqual([1, 2, 3, 4]);
    expect(gate.load).toEqual({ active: 0, waiting: 0 });
    expect(gate.shed).toBe(1);
  });

  it('should answer a turned-away webhook message and web chat message "busy" without calling the engine', async () => {
    let calls = 0;
    let finish!: () => void;
    const engine = { handle: async () => { calls++; await new Promise<void>((r) => (finish = r)); return [{ text: 'ok' }]; } } as unknown as ConversationEngine;
    const sent: { chat: string; reply: Reply }[] = [];
    const adapter = { name: 'telegram', send: async (chat: string, reply: Reply) => void sent.push({ chat, reply }) } as unknown as ChannelAdapter<unknown>;
    const gate = new InboundGate(1, 0);
    const metrics = new Metrics();
    const deps = { engine, sql: {} as never, log, gate, metrics };
    handleInBackground(deps, adapter, { channel: 'telegram', chatId: '1', text: 'a' });
    await new Promise((r) => setTimeout(r, 10));
    let done = false;
    handleInBackground({ ...deps, onHandled: () => (done = true) }, adapter, { channel: 'telegram', chatId: '2', text: 'b', locale: 'en' });
    await new Promise((r) => setTimeout(r, 10));
    expect(done).toBe(true);
    expect(sent).toEqual([{ chat: '2', reply: { text: 'The system is busy. Please try again in a few minutes.' } }]);
    expect(await answerInline(deps, { channel: 'web', chatId: 'w', text: 'c' })).toEqual([{ text: 'Hệ thống đang bận, anh/chị vui lòng thử lại sau ít phút.' }]);
    expect(calls).toBe(1);
    const text = await metrics.render();
    expect(text).toContain('ansinh_inbound_shed_total{channel="telegram"} 1');
    expect(text).toContain('ansinh_inbound_shed_total{channel="web"} 1');
    finish();
  });
});
