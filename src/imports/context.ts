/**
 * What an import checks rows against, loaded once per import: the program's groups and
 * stages (codes and Vietnamese labels), the communes of the 2008 scheme by code and, within
 * the program's province, by name.
 */
import type { SqlRunner } from '../db/sql.js';
import type { GroupDefinition } from '../programs/definition.js';
import { fold } from '../conversation/text.js';
import { findProgram, programProvince, type ProvinceRef } from '../programs/program-area.js';

export interface GroupInfo {
  id: number;
  code: string;
  name: string;
  exclusivity: string | null;
  /** Two-digit province code when only that province's people may be in it. */
  province: string | null;
  def: GroupDefinition;
  /** Stage codes in order, then their labels, folded → code (paid/rejected included). */
  stageByKey: Map<string, string>;
  firstStage: string;
  stages: GroupDefinition['stages'];
}

export interface CommuneInfo {
  id: number;
  code: string;
  name: string;
  districtName: string;
  provinceCode: string;
}

export interface ImportContext {
  program: { id: number; code: string; name: string };
  province: ProvinceRef | null;
  groups: GroupInfo[];
  groupByKey: Map<string, GroupInfo>;
  communeByCode: Map<string, CommuneInfo>;
  /** Folded commune name (without "xã/phường/thị trấn") → communes of the province. */
  communesByName: Map<string, CommuneInfo[]>;
  /** Commune codes of the 2025 scheme's provinces, to explain a new code. */
  newSchemeCodes: Set<string>;
}

const FINAL_LABELS: Record<string, string[]> = {
  paid: ['paid', 'da chi tra', 'da chi', 'da nhan', 'da nhan tien', 'da thanh toan', 'hoan thanh chi tra'],
  rejected: ['rejected', 'tu choi', 'bi tu choi', 'khong du dieu kien', 'khong duoc duyet', 'khong duyet', 'loai'],
};

/** Folded, punctuation as spaces: the key for codes and labels typed by people. */
export function labelKey(s: string): string {
  return fold(s.normalize('NFC')).replace(/[^a-z0-9]+/g, ' ').trim();
}

/** "Xã Phú Tâm" → "phu tam"; "Thị trấn Châu Thành" → "chau thanh"; "Phường 5" → "5". */
export function placeKey(s: string): string {
  return labelKey(s).replace(/^(xa|phuong|thi tran|tt|p|x|huyen|quan|thi xa|thanh pho|tp|tx|h|q) /, '').trim();
}

export async function loadImportContext(sql: SqlRunner, programCode: string, provinceCode?: string): Promise<ImportContext> {
  const program = await findProgram(sql, programCode);
  const province = await programProvince(sql, program.id, provinceCode);
  const rows = await sql.query<{ id: number; code: string; name: string; exclusivity: string | null; provinceCode: string | null; definition: GroupDefinition }>(
    `SELECT id, code, name, exclusivity, "provinceCode", definition FROM "ProgramGroup" WHERE "programId" = $1 ORDER BY id`,
    [program.id],
  );
  const groups: GroupInfo[] = rows.map((r) => {
    const def = r.definition;
    const stageByKey = new Map<string, string>();
    for (const s of def.stages) {
      stageByKey.set(labelKey(s.code), s.code);
      stageByKey.set(labelKey(s.vi), s.code);
      stageByKey.set(labelKey(s.en), s.code);
    }
    for (const [code, labels] of Object.entries(FINAL_LABELS)) for (const l of labels) stageByKey.set(l, code);
    return { id: r.id, code: r.code, name: r.name, exclusivity: r.exclusivity, province: r.provinceCode, def, stageByKey, firstStage: def.stages[0]!.code, stages: def.stages };
  });
  const groupByKey = new Map<string, GroupInfo>();
  for (const g of groups) {
    groupByKey.set(labelKey(g.code), g);
    groupByKey.set(labelKey(g.name), g);
    groupByKey.set(labelKey(g.def.vi), g);
    groupByKey.set(labelKey(g.def.en), g);
  }
  const communes = await sql.query<CommuneInfo>(
    `SELECT c.id, c.code, c.name, d.name AS "districtName", p.code AS "provinceCode"
     FROM "Area" c JOIN "Area" d ON d.id = c."parentId" JOIN "Area" p ON p.id = d."parentId"
     WHERE c.scheme = '2008' AND c.level = 'commune'`,
  );
  const communeByCode = new Map(communes.map((c) => [c.code, c]));
  const communesByName = new Map<string, CommuneInfo[]>();
  if (province) {
    for (const c of communes) {
      if (c.provinceCode !== province.code) continue;
      const k = placeKey(c.name);
      communesByName.set(k, [...(communesByName.get(k) ?? []), c]);
    }
  }
  const newSchemeCodes = new Set((await sql.query<{ code: string }>(`SELECT code FROM "Area" WHERE scheme = '2025'`)).map((r) => r.code));
  return { program, province, groups, groupByKey, communeByCode, communesByName, newSchemeCodes };
}

/** A commune from "Phú Tâm", "Xã Phú Tâm" or "Phường 5, TP Sóc Trăng" (name, district). */
export function communeByName(ctx: ImportContext, text: string): { commune?: CommuneInfo; reason?: string } {
  if (!ctx.province) return { reason: 'Chưa biết tỉnh của chương trình để tìm xã theo tên; hãy dùng cột Mã xã hoặc chọn tỉnh (--province).' };
  const [name, district] = text.split(/[,;\-–]/).map((s) => s.trim());
  const found = ctx.communesByName.get(placeKey(name ?? '')) ?? [];
  const inDistrict = district ? found.filter((c) => placeKey(c.districtName) === placeKey(district)) : found;
  if (inDistrict.length === 1) return { commune: inDistrict[0] };
  if (found.length === 0) return { reason: `Không có xã/phường "${name}" trong ${ctx.province.name}.` };
  return { reason: `Có ${found.length} xã/phường tên "${name}" trong ${ctx.province.name} (${found.map((c) => c.districtName).join(', ')}); hãy ghi Mã xã hoặc thêm tên huyện, ví dụ "${found[0]!.name}, ${found[0]!.districtName}".` };
}
