/**
 * A small known dataset for the officer tests, on fixed dates around Monday 24/01/2022 in Sóc
 * Trăng: Phường 5 and Phường 7 (communes of Thành phố Sóc Trăng, district 941) and Thị trấn
 * Châu Thành (district 942). Files of NQ42-2020 group g2-household-business, whose chain is
 * commune_confirm (commune) → tax_appraisal (district) → district_appraisal (district) →
 * province_approval (province) → payment (commune).
 */
import type { SqlRunner } from '../../src/db/sql.js';
import { hashIdNumber } from '../../src/people/id-number.js';
import { testKeys } from '../helpers/db.js';

export const AREAS = { province: '94', district: '941', otherDistrict: '942', communeA: '31498', communeB: '31501', communeC: '31569' } as const;

export interface World {
  ids: Record<string, number>;
  areas: Record<keyof typeof AREAS, number>;
  files: Record<string, number>;
}

let seq = 0;

export async function buildWorld(sql: SqlRunner): Promise<World> {
  const areaRows = await sql.query<{ id: number; code: string }>(`SELECT id, code FROM "Area" WHERE scheme = '2008' AND code = ANY($1::text[])`, [Object.values(AREAS)]);
  const areas = Object.fromEntries(Object.entries(AREAS).map(([k, code]) => [k, areaRows.find((a) => a.code === code)!.id])) as World['areas'];
  const [g] = await sql.query<{ id: number; programId: number }>(
    `SELECT g.id, g."programId" FROM "ProgramGroup" g JOIN "Program" p ON p.id = g."programId" WHERE p.code = 'NQ42-2020' AND g.code = 'g2-household-business'`,
  );
  const files: Record<string, number> = {};
  const add = async (key: string, commune: number, name: string, stage: string, status: string, dueAt: string | null) => {
    const n = ++seq;
    const digits = `094${String(1970 + (n % 30) - 1900).padStart(3, '0').slice(-3)}${String(100000 + n).slice(-6)}`;
    const [p] = await sql.query<{ id: number }>(
      `INSERT INTO "Person" ("idHash", "idLast", "idKind", "fullName", "birthYear", "communeId", "updatedAt") VALUES ($1, $2, 'cccd', $3, 1970, $4, now()) RETURNING id`,
      [hashIdNumber(testKeys.id, digits), digits.slice(-4), name, commune],
    );
    const [e] = await sql.query<{ id: number }>(
      `INSERT INTO "Entitlement" ("personId", "programId", "groupId", "communeId", amount, stage, status, "stageEnteredAt", "dueAt", "updatedAt")
       VALUES ($1, $2, $3, $4, 1000000, $5, $6, '2022-01-05', $7::date, now()) RETURNING id`,
      [p!.id, g!.programId, g!.id, commune, stage, status, dueAt],
    );
    files[key] = e!.id;
  };
  // Phường 5 (commune A): owned by the commune.
  await add('a1', areas.communeA, 'Nguyễn Văn An', 'commune_confirm', 'in_review', '2022-01-24'); // due today
  await add('a2', areas.communeA, 'Trần Thị Bình', 'commune_confirm', 'in_review', '2022-01-25'); // due next working day
  await add('a3', areas.communeA, 'Lê Văn Cường', 'commune_confirm', 'in_review', '2022-01-20'); // 2 working days late
  await add('a4', areas.communeA, 'Phạm Thị Dung', 'commune_confirm', 'in_review', '2022-01-14'); // 6 late: escalates
  await add('a5', areas.communeA, 'Hoàng Văn Em', 'payment', 'approved', null);
  await add('a6', areas.communeA, 'Võ Thị Phượng', 'paid', 'paid', null);
  // Owned by the district (941), overdue 8 working days: escalates to the province.
  await add('d1', areas.communeA, 'Đặng Văn Giang', 'district_appraisal', 'in_review', '2022-01-12');
  // Phường 7 (commune B).
  await add('b1', areas.communeB, 'Bùi Thị Hoa', 'commune_confirm', 'in_review', '2022-01-10'); // 10 late: escalates
  await add('b2', areas.communeB, 'Đỗ Văn Inh', 'paid', 'paid', null);
  return { ids: {}, areas, files };
}

/** An officer with one chat, straight in the database. */
export async function addOfficer(sql: SqlRunner, o: { name: string; role: string; areaId: number; channel?: string; digestTime?: string; emptyDigest?: string; mutedUntil?: string }) {
  const [row] = await sql.query<{ id: number }>(
    `INSERT INTO "Officer" (name, role, "areaId", "digestTime", "emptyDigest", "mutedUntil", "updatedAt") VALUES ($1, $2, $3, $4, $5, $6::date, now()) RETURNING id`,
    [o.name, o.role, o.areaId, o.digestTime ?? '07:30', o.emptyDigest ?? 'short', o.mutedUntil ?? null],
  );
  const [i] = await sql.query<{ id: number }>(
    `INSERT INTO "ChannelIdentity" (channel, "externalId", "officerId", "updatedAt") VALUES ($1, $2, $3, now()) RETURNING id`,
    [o.channel ?? 'telegram', `officer-${row!.id}-${++seq}`, row!.id],
  );
  return { id: row!.id, identityId: i!.id };
}
