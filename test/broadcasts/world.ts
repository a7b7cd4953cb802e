/**
 * A small known audience for the broadcast tests, in Sóc Trăng (94): Phường 5 and Phường 7 of
 * Thành phố Sóc Trăng (941), Thị trấn Châu Thành (942), and one commune of Long An (80), outside
 * a Sóc Trăng creator's scope. Citizens' chats are bound to people with files; officers' chats
 * belong to officers. Every chat is named so the tests can say exactly who must be reached.
 */
import type { SqlRunner } from '../../src/db/sql.js';
import { hashIdNumber } from '../../src/people/id-number.js';
import { encryptPhone } from '../../src/shared/secrets.js';
import { testKeys } from '../helpers/db.js';

export const CODES = { province: '94', district: '941', communeA: '31498', communeB: '31501', communeC: '31569' } as const;

export interface AudienceWorld {
  /** Area paths: scope of a Sóc Trăng creator, of a Long An one. */
  soctrang: string;
  longan: string;
  /** Chat ids by name. */
  chats: Record<string, number>;
  people: Record<string, number>;
}

let seq = 0;

export async function buildAudienceWorld(sql: SqlRunner, now = new Date()): Promise<AudienceWorld> {
  const areas = Object.fromEntries(
    (await sql.query<{ code: string; id: number; path: string }>(`SELECT code, id, path FROM "Area" WHERE scheme = '2008' AND code = ANY($1::text[])`, [[...Object.values(CODES), '80']])).map((a) => [a.code, a]),
  ) as Record<string, { id: number; path: string }>;
  const [la] = await sql.query<{ id: number }>(`SELECT id FROM "Area" WHERE scheme = '2008' AND level = 'commune' AND path LIKE $1 || '%' ORDER BY code LIMIT 1`, [areas['80']!.path]);
  const group = async (program: string, code?: string) => {
    const [g] = await sql.query<{ id: number; programId: number; stage: string }>(
      `SELECT g.id, g."programId", (SELECT s.code FROM "Stage" s WHERE s."groupId" = g.id ORDER BY s.seq LIMIT 1) AS stage
       FROM "ProgramGroup" g JOIN "Program" p ON p.id = g."programId" WHERE p.code = $1 AND ($2::text IS NULL OR g.code = $2) ORDER BY g.id LIMIT 1`,
      [program, code ?? null],
    );
    return g!;
  };
  const g42 = await group('NQ42-2020', 'g2-household-business');
  const g68 = await group('NQ68-2021');
  const people: Record<string, number> = {};
  const person = async (name: string, communeId: number, g: { id: number; programId: number }, stage: string, phone?: string) => {
    const n = ++seq;
    const digits = `094${String(70 + (n % 20)).padStart(3, '0')}${String(200000 + n).slice(-6)}`;
    const [p] = await sql.query<{ id: number }>(
      `INSERT INTO "Person" ("idHash", "idLast", "idKind", "fullName", "birthYear", "communeId", "phoneCipher", "updatedAt") VALUES ($1, $2, 'cccd', $3, 1970, $4, $5, now()) RETURNING id`,
      [hashIdNumber(testKeys.id, `${digits}-${Math.random()}`), digits.slice(-4), name, communeId, phone ? encryptPhone(testKeys, phone) : null],
    );
    await sql.query(
      `INSERT INTO "Entitlement" ("personId", "programId", "groupId", "communeId", amount, stage, status, "stageEnteredAt", "updatedAt")
       VALUES ($1, $2, $3, $4, 1000000, $5, $6, '2022-01-05', now())`,
      [p!.id, g.programId, g.id, communeId, stage, stage === 'paid' ? 'paid' : 'in_review'],
    );
    people[name] = p!.id;
    return p!.id;
  };
  await person('P1', areas[CODES.communeA]!.id, g42, g42.stage);
  await person('P2', areas[CODES.communeA]!.id, g42, 'paid');
  await person('P3', areas[CODES.communeB]!.id, g42, g42.stage);
  await person('P4', areas[CODES.communeC]!.id, g68, g68.stage, '0912345678');
  await person('P5', la!.id, g68, g68.stage);

  const chats: Record<string, number> = {};
  const chat = async (name: string, channel: string, o: { notify?: boolean; blocked?: boolean; person?: string; officerId?: number; lastInboundAt?: Date } = {}) => {
    const [i] = await sql.query<{ id: number }>(
      `INSERT INTO "ChannelIdentity" (channel, "externalId", notify, blocked, "officerId", "lastInboundAt", "updatedAt") VALUES ($1, $2, $3, $4, $5, $6, now()) RETURNING id`,
      [channel, `${channel === 'zalo' ? '90000000000000' : '77'}${String(++seq).padStart(5, '0')}`, o.notify ?? true, o.blocked ?? false, o.officerId ?? null, o.lastInboundAt ?? now],
    );
    if (o.person) await sql.query(`INSERT INTO "Binding" ("identityId", "personId") VALUES ($1, $2)`, [i!.id, people[o.person]]);
    chats[name] = i!.id;
  };
  await chat('tg1', 'telegram', { person: 'P1' });
  await chat('tg2', 'telegram', { person: 'P2' });
  await chat('zl1', 'zalo', { person: 'P3' });
  await chat('zl2', 'zalo', { person: 'P4', lastInboundAt: new Date(now.getTime() - 10 * 86_400_000) }); // outside Zalo's window, has a phone
  await chat('web1', 'web', { person: 'P1' });
  await chat('tgQuiet', 'telegram', { person: 'P1', notify: false }); // did not opt in
  await chat('tgBlocked', 'telegram', { person: 'P3', blocked: true });
  await chat('tgLongAn', 'telegram', { person: 'P5' }); // outside Sóc Trăng
  await chat('tgUnbound', 'telegram'); // opted in, but bound to nobody
  const officer = async (name: string, areaId: number, channel: string, active = true) => {
    const [o] = await sql.query<{ id: number }>(`INSERT INTO "Officer" (name, role, "areaId", active, "updatedAt") VALUES ($1, 'commune', $2, $3, now()) RETURNING id`, [name, areaId, active]);
    await chat(name, channel, { officerId: o!.id, notify: false });
  };
  await officer('O1', areas[CODES.communeA]!.id, 'telegram');
  await officer('O2', areas[CODES.district]!.id, 'zalo');
  await officer('O3', areas['80']!.id, 'telegram'); // Long An
  await officer('O4', areas[CODES.communeB]!.id, 'telegram', false); // inactive
  return { soctrang: areas[CODES.province]!.path, longan: areas['80']!.path, chats, people };
}
