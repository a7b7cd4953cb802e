/** Channel name → adapter. Adding a channel: one folder under bots/, one line here, fixtures. */
import type { Config } from '../src/config.js';
import { WebAdapter } from './web/adapter.js';
import { TelegramAdapter } from './telegram/adapter.js';

export function createAdapters(config?: Pick<Config, 'telegram'>) {
  return {
    web: new WebAdapter(),
    telegram: config?.telegram ? new TelegramAdapter({ token: config.telegram.token, apiRoot: config.telegram.apiRoot }) : undefined,
  };
}

export type Adapters = ReturnType<typeof createAdapters>;
