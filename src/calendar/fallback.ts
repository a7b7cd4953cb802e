/**
 * Holidays for a year without official data, computed from the Labour Code 2019 (Art. 112)
 * with lunar dates from date-holidays (Vietnamese UTC+7 lunar calendar): 1/1; Tết = the eve
 * and the first four days of the lunar year; Hùng Kings (10/3 lunar); 30/4; 1/5; 2/9 and the
 * next day (the PM picks 1/9 or 3/9 each year; 3/9 assumed). A holiday on a weekend is made up
 * on the next working day (Art. 111). Swapped working days cannot be computed; an admin adds
 * them with `ansinh calendar add`.
 */
import Holidays from 'date-holidays';
import { addDays, weekday, type LocalDate } from './local-date.js';
import type { CalendarEntry } from './working-calendar.js';

const SOURCE = 'computed: Labour Code 2019 + date-holidays (fallback)';

export function fallbackHolidays(year: number): CalendarEntry[] {
  const hd = new Holidays('VN');
  const days: { date: LocalDate; name: string }[] = [];
  const add = (date: LocalDate, name: string) => days.push({ date, name });
  add(`${year}-01-01`, 'Tết Dương lịch');
  const lunar = hd.getHolidays(year).filter((h) => h.type === 'public');
  const tet = lunar.find((h) => /^Tết Nguyên Đán$/i.test(h.name));
  if (tet) {
    const newYear = tet.date.slice(0, 10);
    for (let i = -1; i <= 3; i++) add(addDays(newYear, i), 'Tết Nguyên đán');
  }
  const hung = lunar.find((h) => /Hùng|Hung Kings/i.test(h.name));
  if (hung) add(hung.date.slice(0, 10), 'Giỗ Tổ Hùng Vương');
  add(`${year}-04-30`, 'Ngày Chiến thắng');
  add(`${year}-05-01`, 'Quốc tế Lao động');
  add(`${year}-09-02`, 'Quốc khánh');
  add(`${year}-09-03`, 'Quốc khánh (ngày liền kề)');

  const taken = new Set(days.map((d) => d.date));
  const out: CalendarEntry[] = days.map((d) => ({ ...d, kind: 'holiday', source: SOURCE, verified: false }));
  for (const d of days) {
    const wd = weekday(d.date);
    if (wd !== 0 && wd !== 6) continue;
    let m = addDays(d.date, 1);
    while (taken.has(m) || weekday(m) === 0 || weekday(m) === 6) m = addDays(m, 1);
    taken.add(m);
    out.push({ date: m, name: `Nghỉ bù ${d.name}`, kind: 'holiday', source: SOURCE, verified: false });
  }
  return out;
}
