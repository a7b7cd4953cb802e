import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('should give defaults for an empty environment', () => {
    const c = loadConfig({}, '/srv/ansinh');
    expect(c.database.url).toBeUndefined();
    expect(c.database.pgliteDir).toBe('/srv/ansinh/.data/pglite');
    expect(c.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(c.http.port).toBe(3000);
    expect(Object.isFrozen(c.database)).toBe(true);
  });

  it('should treat blank values as unset', () => {
    expect(loadConfig({ DATABASE_URL: '  ', PORT: '' }, '/x').database.url).toBeUndefined();
  });

  it('should name every bad key at once', () => {
    let err: unknown;
    try {
      loadConfig({ DATABASE_URL: 'mysql://x', PORT: '99999', LOG_LEVEL: 'loud', REDIS_URL: 'http://x', ANSINH_SECRET_KEY: 'short' }, '/x');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as ConfigError).message;
    for (const key of ['DATABASE_URL', 'PORT', 'LOG_LEVEL', 'REDIS_URL', 'ANSINH_SECRET_KEY']) expect(msg).toContain(key);
  });

  it('should require a shared secret with real Postgres', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u@h/db' }, '/x')).toThrow(/ANSINH_SECRET_KEY: required with DATABASE_URL/);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db', ANSINH_SECRET_KEY: 'k'.repeat(32) }, '/x').secretKey).toHaveLength(32);
  });

  it('should configure Telegram only with a token, and require a webhook secret in webhook mode', () => {
    expect(loadConfig({}, '/x').telegram).toBeNull();
    expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: '123:abc' }, '/x')).toThrow(/TELEGRAM_WEBHOOK_SECRET: required in webhook mode/);
    expect(loadConfig({ TELEGRAM_BOT_TOKEN: '123:abc', TELEGRAM_MODE: 'polling' }, '/x').telegram).toMatchObject({ mode: 'polling', apiRoot: 'https://api.telegram.org' });
    let msg = '';
    try {
      loadConfig({ TELEGRAM_BOT_TOKEN: 'nope', TELEGRAM_API_ROOT: 'http://x/', TELEGRAM_WEBHOOK_SECRET: 'short', TELEGRAM_MODE: 'push' }, '/x');
    } catch (e) {
      msg = (e as Error).message;
    }
    for (const key of ['TELEGRAM_BOT_TOKEN', 'TELEGRAM_API_ROOT', 'TELEGRAM_WEBHOOK_SECRET', 'TELEGRAM_MODE']) expect(msg).toContain(key);
  });

  it('should read the escalation threshold in working days', () => {
    expect(loadConfig({}, '/x').escalateAfter).toBe(3);
    expect(loadConfig({ ANSINH_ESCALATE_AFTER: '5' }, '/x').escalateAfter).toBe(5);
    expect(() => loadConfig({ ANSINH_ESCALATE_AFTER: '-1' }, '/x')).toThrow(/ANSINH_ESCALATE_AFTER/);
  });

  it('should configure Zalo only with an app id, and require both secrets', () => {
    expect(loadConfig({}, '/x').zalo).toBeNull();
    expect(() => loadConfig({ ZALO_APP_ID: '1234567890123456789' }, '/x')).toThrow(/ZALO_APP_SECRET: required when ZALO_APP_ID is set.*ZALO_OA_SECRET: required/);
    const z = loadConfig({ ZALO_APP_ID: '1234567890123456789', ZALO_APP_SECRET: 'app-secret', ZALO_OA_SECRET: 'oa-secret-key' }, '/x').zalo;
    // The 19-digit id stays a string.
    expect(z).toMatchObject({ appId: '1234567890123456789', apiRoot: 'https://openapi.zalo.me', oauthRoot: 'https://oauth.zaloapp.com', znsRoot: 'https://business.openapi.zalo.me' });
    expect(z?.znsTemplateId).toBeUndefined();
    expect(() => loadConfig({ ZALO_APP_ID: 'abc', ZALO_API_ROOT: 'http://x/' }, '/x')).toThrow(/ZALO_APP_ID.*ZALO_API_ROOT/);
  });
});
