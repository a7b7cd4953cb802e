import { describe, expect, it } from 'vitest';
import { cleanText, fold, hasNoContent, understand, words } from '../../src/conversation/text.js';
import { extract } from '../../src/conversation/extract.js';
import { detectIntent } from '../../src/conversation/intents.js';
import { maskName } from '../../src/people/mask.js';

describe('normaliser', () => {
  it('should treat composed and decomposed Vietnamese alike', () => {
    const composed = 'Bao giờ nhận tiền hỗ trợ?';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    expect(cleanText(decomposed)).toBe(composed);
    expect(fold(decomposed)).toBe(fold(composed));
  });

  it('should fold diacritics and case, đ to d', () => {
    expect(fold('ĐỦ ĐIỀU KIỆN Được Hỗ Trợ')).toBe('du dieu kien duoc ho tro');
  });

  it('should remove zero-width and control characters and collapse spaces', () => {
    expect(cleanText('tra\u200b cứu\u0000\u0007   \n  ngay')).toBe('tra cứu ngay');
    expect(cleanText('\ufeff\u202e')).toBe('');
  });

  it('should expand abbreviations and typos', () => {
    expect(words('ko dc bn tien')).toEqual(['khong', 'duoc', 'bao', 'nhieu', 'tien']);
    expect(understand('đc hỗ trợ k')).toBe(' duoc ho tro khong ');
    expect(understand('ktra tien ho tro')).toBe(' kiem tra tien ho tro ');
  });

  it('should see emoji and punctuation as no content', () => {
    expect(hasNoContent('😀🙏!!')).toBe(true);
    expect(hasNoContent('ok')).toBe(false);
  });
});

describe('ID number and date extraction', () => {
  const cy = 2026;
  const cases: [string, object, object][] = [
    ['094160123456', { kind: 'id', digits: '094160123456' }, { kind: 'none' }],
    ['so cccd cua toi la 094 160 123 456', { kind: 'id', digits: '094160123456' }, { kind: 'none' }],
    ['094.160.123.456', { kind: 'id', digits: '094160123456' }, { kind: 'none' }],
    ['094-160-123-456', { kind: 'id', digits: '094160123456' }, { kind: 'none' }],
    ['365123456', { kind: 'id', digits: '365123456' }, { kind: 'none' }],
    ['05/03/1960', { kind: 'none' }, { kind: 'date', date: '1960-03-05', year: 1960 }],
    ['5-3-60', { kind: 'none' }, { kind: 'date', date: '1960-03-05', year: 1960 }],
    ['05.03.1960', { kind: 'none' }, { kind: 'date', date: '1960-03-05', year: 1960 }],
    ['05031960', { kind: 'none' }, { kind: 'date', date: '1960-03-05', year: 1960 }],
    ['5 tháng 3 năm 1960', { kind: 'none' }, { kind: 'date', date: '1960-03-05', year: 1960 }],
    ['ngay 5 thang 3 nam 1960', { kind: 'none' }, { kind: 'date', date: '1960-03-05', year: 1960 }],
    ['1960', { kind: 'none' }, { kind: 'year', year: 1960 }],
    ['sinh năm 1960', { kind: 'none' }, { kind: 'year', year: 1960 }],
    ['5-3-05', { kind: 'none' }, { kind: 'date', date: '2005-03-05', year: 2005 }],
    ['31/02/1960', { kind: 'none' }, { kind: 'invalid' }],
    ['05/03/2030', { kind: 'none' }, { kind: 'future' }],
    ['09416012345', { kind: 'bad_length', length: 11 }, { kind: 'none' }],
    ['0941601234567', { kind: 'bad_length', length: 13 }, { kind: 'none' }],
    ['09416O123456', { kind: 'letters' }, { kind: 'none' }],
    ['kiem tra 094160123456 05/03/1960', { kind: 'id', digits: '094160123456' }, { kind: 'date', date: '1960-03-05', year: 1960 }],
    ['094160123456 05031960', { kind: 'id', digits: '094160123456' }, { kind: 'date', date: '1960-03-05', year: 1960 }],
    ['05031960 094 160 123 456', { kind: 'id', digits: '094160123456' }, { kind: 'date', date: '1960-03-05', year: 1960 }],
    ['094160123456, sinh ngày 5 tháng 3 năm 1960', { kind: 'id', digits: '094160123456' }, { kind: 'date', date: '1960-03-05', year: 1960 }],
    ['bao giờ nhận tiền', { kind: 'none' }, { kind: 'none' }],
  ];
  for (const [text, id, date] of cases) {
    it(`should read "${text}"`, () => {
      const r = extract(text, cy);
      expect(r.id).toEqual(id);
      expect(r.date).toEqual(date);
    });
  }
});

describe('intents', () => {
  it('should recognise the main requests typed any way', () => {
    expect(detectIntent(understand('Tra cứu'))).toBe('lookup');
    expect(detectIntent(understand('kiem tra tien ho tro'))).toBe('lookup');
    expect(detectIntent(understand('bao gio nhan dc tien'))).toBe('lookup');
    expect(detectIntent(understand('xem lại'))).toBe('mine');
    expect(detectIntent(understand('kiểm tra điều kiện'))).toBe('elig');
    expect(detectIntent(understand('cho toi gap can bo'))).toBe('human');
    expect(detectIntent(understand('nhận thông báo'))).toBe('notify_on');
    expect(detectIntent(understand('tat thong bao'))).toBe('notify_off');
    expect(detectIntent(understand('quên tôi'))).toBe('forget');
    expect(detectIntent(understand('English please'))).toBe('lang_en');
    expect(detectIntent(understand('ban ve so co duoc ho tro khong'))).toBeNull();
  });
});

describe('maskName', () => {
  it('should keep the family name and initials', () => {
    expect(maskName('Nguyễn Văn An')).toBe('NGUYỄN V. A.');
    expect(maskName('Thạch Sóc')).toBe('THẠCH S.');
    expect(maskName('  Lê   Thị  Ánh Tuyết ')).toBe('LÊ T. Á. T.');
  });
});
