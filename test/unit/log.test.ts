import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, scrubText } from '../../src/shared/log.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _e, cb) { lines.push(String(chunk)); cb(); } });
  return { log: createLogger({ destination: stream as never }), lines };
}

describe('logger redaction', () => {
  it('should censor personal fields by name', () => {
    const { log, lines } = capture();
    log.info({ idNumber: '094160123456', dob: '05/03/1960', phone: '0912345678', chat: 'c1' }, 'lookup');
    const out = lines.join('');
    expect(out).not.toContain('094160123456');
    expect(out).not.toContain('1960');
    expect(out).not.toContain('0912345678');
    expect(out).toContain('"chat":"c1"');
  });

  it('should mask ID numbers, phones and dates inside free text and messages', () => {
    const { log, lines } = capture();
    log.info({ text: 'tra cuu 094 160 123456 sinh 5/3/1960 sdt +84912345678' }, 'got 094160123456');
    const out = lines.join('');
    expect(out).not.toMatch(/094\s?160\s?123456/);
    expect(out).not.toContain('5/3/1960');
    expect(out).not.toContain('912345678');
    expect(out).toContain('[id]');
  });

  it('should mask personal data in logged errors: message, stack, cause and fields', () => {
    const { log, lines } = capture();
    class DriverError extends Error {
      detail = 'Key (phone)=(0912345678) already exists';
    }
    const err = new DriverError('lookup of 094160123456 failed', { cause: new Error('born 05/03/1960') });
    log.error({ err }, 'failed');
    const out = lines.join('');
    expect(out).not.toContain('094160123456');
    expect(out).not.toContain('0912345678');
    expect(out).not.toContain('05/03/1960');
    expect(JSON.parse(out).err).toMatchObject({ type: 'DriverError', message: expect.stringContaining('lookup of [id] failed') });
    expect(err.message).toBe('lookup of 094160123456 failed'); // the error itself is untouched
  });

  it('should leave ordinary numbers alone', () => {
    expect(scrubText('3 hồ sơ quá hạn, 15 ngày')).toBe('3 hồ sơ quá hạn, 15 ngày');
  });
});
