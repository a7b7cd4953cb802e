/** Channel name → adapter. Adding a channel: one folder under bots/, one line here, fixtures. */
import type { Config } from '../src/config.js';
import type { SqlRunner } from '../src/db/sql.js';
import type { Keys } from '../src/shared/secrets.js';
import { LockedSecret } from '../src/secrets/locked-secret.js';
import type { ChannelAdapter } from './channel.js';
import { WebAdapter } from './web/adapter.js';
import { TelegramAdapter } from './telegram/adapter.js';
import { ZaloAdapter } from './zalo/adapter.js';
import type { ZaloTokens } from './zalo/client.js';

export interface AdapterDeps {
  /** Where channels keep rotating secrets (Zalo's tokens), encrypted. */
  sql: SqlRunner;
  keys: Keys;
}

export function createAdapters(config: Pick<Config, 'telegram' | 'zalo'> = { telegram: null, zalo: null }, deps?: AdapterDeps) {
  const z = config.zalo;
  return {
    web: new WebAdapter(),
    telegram: config.telegram ? new TelegramAdapter({ token: config.telegram.token, apiRoot: config.telegram.apiRoot, ratePerSecond: config.telegram.ratePerSecond }) : undefined,
    zalo: z && deps
      ? new ZaloAdapter({
          appId: z.appId, appSecret: z.appSecret, oaSecret: z.oaSecret, bootstrapRefreshToken: z.refreshToken, znsTemplateId: z.znsTemplateId, ratePerSecond: z.ratePerSecond,
          apiRoot: z.apiRoot, oauthRoot: z.oauthRoot, znsRoot: z.znsRoot,
          store: new LockedSecret<ZaloTokens>(deps.sql, deps.keys.tokenEnc, 'secret:zalo-tokens'),
        })
      : undefined,
  };
}

export type Adapters = ReturnType<typeof createAdapters>;

/** The configured adapters by channel name. */
export function adapterList(a: Adapters): ChannelAdapter<unknown>[] {
  return Object.values(a).filter((x): x is NonNullable<typeof x> => x !== undefined);
}
