/**
 * Long-polling mode for a machine without a public HTTPS URL: getUpdates in a loop, each update
 * through the same dedupe and pipeline as the webhook. Stops when `stop()` is called.
 */
import type { TelegramAdapter } from '../../bots/telegram/adapter.js';
import type { InboundDedupe } from './dedupe.js';
import { handleInbound, type PipelineDeps } from './pipeline.js';

export class TelegramPoller {
  private running = false;
  private done?: Promise<void>;

  constructor(
    private readonly deps: PipelineDeps & { adapter: TelegramAdapter; dedupe: InboundDedupe },
    private readonly timeoutSeconds = 25,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.done = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  private async loop() {
    const { adapter, dedupe, log } = this.deps;
    await adapter.api.deleteWebhook().catch(() => {});
    let offset = 0;
    while (this.running) {
      let updates: { update_id: number }[] = [];
      try {
        updates = (await adapter.api.getUpdates({ offset, timeout: this.timeoutSeconds })) as { update_id: number }[];
      } catch (e) {
        log.warn({ err: e }, 'telegram getUpdates failed; retrying');
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      for (const u of updates) {
        offset = Math.max(offset, u.update_id + 1);
        const { updateId, callbackQueryId, parsed } = adapter.parseUpdate(u);
        if (updateId !== null && !(await dedupe.first('telegram', updateId))) continue;
        if (callbackQueryId) await adapter.answerButton(callbackQueryId).catch(() => {});
        if ('ignored' in parsed) continue;
        await handleInbound(this.deps, adapter, parsed).catch((e: unknown) => log.error({ err: e }, 'telegram update failed'));
      }
    }
  }
}
