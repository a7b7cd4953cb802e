/**
 * The demo's sample beneficiary list: a commune's NQ68 list for Long An, as the province would
 * receive it (canonical Vietnamese headers, new people with consistent CCCD numbers, a few
 * already paid). Importing it from the console adds these people; importing it again changes
 * nothing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hashIdNumber, type Gender } from '../people/id-number.js';
import type { SqlRunner } from '../db/sql.js';
import { formatVi } from '../calendar/local-date.js';
import { ListWriter } from '../imports/list-writer.js';
import { fullName } from './names.js';
import { Random } from './random.js';
import { mobile, newIdNumber } from './demo.js';

export const SAMPLE_LIST = 'sample-list-NQ68-2021.xlsx';

/**
 * Writes the sample list into `dir` once; returns its path, or null without communes to put it in.
 * Its people are new: an ID number already in the database is skipped, or the all-or-nothing
 * import would refuse the whole list (the same number recorded with another birth date).
 */
export async function writeSampleList(dir: string, communes: string[], db: { sql: SqlRunner; idKey: Buffer }): Promise<string | null> {
  const taken = async (id: string) => (await db.sql.query(`SELECT 1 FROM "Person" WHERE "idHash" = $1`, [hashIdNumber(db.idKey, id)])).length > 0;
  const path = join(dir, SAMPLE_LIST);
  if (existsSync(path)) return path;
  if (communes.length === 0) return null;
  const r = new Random(2021);
  const used = new Set<string>();
  const w = new ListWriter(path);
  for (let i = 0; i < 40; i++) {
    const gender: Gender = r.chance(0.5) ? 'F' : 'M';
    const year = r.int(1960, 2000);
    const dob = `${year}-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`;
    let id = newIdNumber(r, used, '80', year, gender);
    while (await taken(id)) id = newIdNumber(r, used, '80', year, gender);
    const paid = i % 4 === 0;
    const group = i % 3 === 0 ? 'i5-work-stoppage' : 'la-freelancer';
    w.add({
      fullName: fullName(r, { gender }), birthDate: formatVi(dob), gender: gender === 'F' ? 'Nữ' : 'Nam', idNumber: id,
      phone: r.chance(0.6) ? mobile(r) : null, communeCode: communes[i % communes.length]!, group,
      amount: group === 'i5-work-stoppage' ? 1_000_000 : 750_000, stage: paid ? 'Đã chi trả' : null, paidAt: paid ? '15/09/2021' : null,
      paymentPlace: paid ? 'UBND xã' : null, reason: null,
    });
  }
  await w.close();
  return path;
}
