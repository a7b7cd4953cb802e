import { describe, expect, it } from 'vitest';
import { splitText } from '../../bots/channel.js';
import { normalisePhone, encryptPhone, decryptPhone, hashPhone } from '../../src/shared/secrets.js';
import { testKeys } from '../helpers/db.js';

describe('splitText', () => {
  it('should keep short text whole and cut long text at paragraphs, lines or words', () => {
    expect(splitText('ngắn', 10)).toEqual(['ngắn']);
    const parts = splitText(`${'a'.repeat(30)}\n\n${'b'.repeat(30)}\n${'c '.repeat(20)}`, 40);
    expect(parts.every((p) => p.length <= 40)).toBe(true);
    expect(parts[0]).toBe('a'.repeat(30));
    expect(parts[1]).toBe('b'.repeat(30));
    expect(splitText('x'.repeat(95), 40)).toEqual(['x'.repeat(40), 'x'.repeat(40), 'x'.repeat(15)]);
  });
});

describe('phones', () => {
  it('should normalise Vietnamese mobile numbers', () => {
    expect(normalisePhone('+84 912 345 678')).toBe('0912345678');
    expect(normalisePhone('84912345678')).toBe('0912345678');
    expect(normalisePhone('0912.345.678')).toBe('0912345678');
    expect(normalisePhone('12345')).toBeNull();
  });

  it('should encrypt phones so only the key reads them, and hash them stably', () => {
    const c1 = encryptPhone(testKeys, '0912345678');
    const c2 = encryptPhone(testKeys, '0912345678');
    expect(c1).not.toBe(c2); // random IV
    expect(c1).not.toContain('912345678');
    expect(decryptPhone(testKeys, c1)).toBe('0912345678');
    expect(hashPhone(testKeys, '0912345678')).toBe(hashPhone(testKeys, '0912345678'));
  });
});
