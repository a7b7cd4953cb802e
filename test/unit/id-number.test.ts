import { describe, expect, it } from 'vitest';
import { centuryGenderDigit, checkIdNumber, hashIdNumber, normaliseIdNumber } from '../../src/people/id-number.js';
import { testKeys } from '../helpers/db.js';

const now = { currentYear: 2026 };

describe('checkIdNumber', () => {
  it('should decode a valid CCCD: province, century/gender digit, year', () => {
    const c = checkIdNumber('094 1 60 123456', now);
    expect(c).toMatchObject({ ok: true, kind: 'cccd', provinceCode: '094', birthYear: 1960, gender: 'F', digits: '094160123456' });
  });

  it('should decode the 2000s digits (2 male, 3 female)', () => {
    expect(checkIdNumber('080205123456', now)).toMatchObject({ ok: true, birthYear: 2005, gender: 'M' });
    expect(checkIdNumber('080310123456', now)).toMatchObject({ ok: true, birthYear: 2010, gender: 'F' });
  });

  it('should ignore spaces, dots and dashes', () => {
    expect(normaliseIdNumber('094.160-123 456')).toBe('094160123456');
    expect(normaliseIdNumber('09416O123456')).toBeNull();
  });

  it('should accept a 9-digit CMND as a legacy key only', () => {
    expect(checkIdNumber('365123456', now)).toMatchObject({ ok: true, kind: 'cmnd' });
  });

  it('should reject 11 digits, letters and empty input as format problems', () => {
    for (const bad of ['09416012345', '0941601234567', 'abc', '']) {
      expect(checkIdNumber(bad, now).problems).toEqual(['format']);
    }
  });

  it('should reject a province code that does not exist (003, 097)', () => {
    expect(checkIdNumber('003160123456', now).problems).toContain('province');
    expect(checkIdNumber('097160123456', now).problems).toContain('province');
  });

  it('should reject a birth year in the future', () => {
    expect(checkIdNumber('094230123456', now).problems).toContain('future'); // 2030
  });

  it('should check the given birth year and gender against the number', () => {
    expect(checkIdNumber('094160123456', { ...now, birthYear: 1961 }).problems).toEqual(['year_mismatch']);
    expect(checkIdNumber('094160123456', { ...now, gender: 'M' }).problems).toEqual(['gender_mismatch']);
    expect(checkIdNumber('094160123456', { ...now, birthYear: 1960, gender: 'F' }).ok).toBe(true);
  });

  it('should encode the century/gender digit', () => {
    expect(centuryGenderDigit(1960, 'M')).toBe(0);
    expect(centuryGenderDigit(1960, 'F')).toBe(1);
    expect(centuryGenderDigit(2001, 'M')).toBe(2);
    expect(centuryGenderDigit(2001, 'F')).toBe(3);
  });

  it('should hash with the key: stable, keyed, and never the digits themselves', () => {
    const h = hashIdNumber(testKeys.id, '094160123456');
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(h).toBe(hashIdNumber(testKeys.id, '094160123456'));
    expect(h).not.toBe(hashIdNumber(Buffer.alloc(32, 1), '094160123456'));
    expect(h).not.toContain('094160123456');
  });
});
