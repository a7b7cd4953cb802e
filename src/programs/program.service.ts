/**
 * Programs in the database: `syncPrograms` writes the validated definitions (upsert by code;
 * a group or stage still used by an entitlement is never deleted), and the read side serves
 * the CLI, the questionnaire and the reports.
 */
import { createHash } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.js';
import { UserError } from '../shared/errors.js';
import { OWNER_LEVEL, type ProgramDefinition } from './definition.js';
import type { LoadedProgram } from './loader.js';

export interface SyncResult {
  code: string;
  changed: boolean;
  groups: number;
  stages: number;
}

function canonical(def: ProgramDefinition): string {
  return JSON.stringify(def);
}

export async function syncPrograms(prisma: PrismaClient, defs: LoadedProgram[]): Promise<SyncResult[]> {
  const out: SyncResult[] = [];
  for (const loaded of defs) {
    const { files: _files, ...def } = loaded;
    const hash = createHash('sha256').update(canonical(def)).digest('hex');
    const existing = await prisma.program.findUnique({ where: { code: def.code } });
    const stageCount = def.groups.reduce((n, g) => n + g.stages.length, 0);
    if (existing?.definitionHash === hash) {
      out.push({ code: def.code, changed: false, groups: def.groups.length, stages: stageCount });
      continue;
    }
    await prisma.$transaction(async (tx) => {
      const data = {
        name: def.vi,
        nameEn: def.en,
        intakeOpens: new Date(def.intake.opens),
        intakeCloses: def.intake.closes ? new Date(def.intake.closes) : null,
        definition: def as object,
        definitionHash: hash,
      };
      const program = await tx.program.upsert({ where: { code: def.code }, create: { code: def.code, ...data }, update: data });
      const keepGroups: string[] = [];
      for (const g of def.groups) {
        keepGroups.push(g.code);
        const gdata = {
          name: g.vi,
          nameEn: g.en,
          amount: BigInt(g.amount.value ?? 0),
          amountUnit: g.amount.unit,
          periods: g.amount.periods ?? null,
          paidAtOnce: g.amount.paidAtOnce,
          provinceCode: g.province ?? null,
          exclusivity: g.exclusivity ?? null,
          definition: g as object,
        };
        const group = await tx.programGroup.upsert({
          where: { programId_code: { programId: program.id, code: g.code } },
          create: { programId: program.id, code: g.code, ...gdata },
          update: gdata,
        });
        const used = await tx.entitlement.findMany({ where: { groupId: group.id }, distinct: ['stage'], select: { stage: true } });
        const keep = new Set(g.stages.map((s) => s.code));
        const orphan = used.map((u) => u.stage).filter((s) => s !== 'paid' && s !== 'rejected' && !keep.has(s));
        if (orphan.length) {
          throw new UserError(`Program ${def.code}, group ${g.code}: stage ${orphan.join(', ')} is removed but files are still at it.`, 'Move those files to another stage first.');
        }
        // Renumber in two passes so the (groupId, seq) unique key never collides.
        await tx.stage.updateMany({ where: { groupId: group.id }, data: { seq: { increment: 1000 } } });
        await tx.stage.deleteMany({ where: { groupId: group.id, code: { notIn: [...keep] } } });
        for (const [i, s] of g.stages.entries()) {
          const sdata = {
            seq: i + 1,
            name: s.vi,
            nameEn: s.en,
            owner: s.owner,
            ownerLevel: OWNER_LEVEL[s.owner],
            dayLimit: s.days ?? null,
            dayUnit: s.unit ?? null,
            payment: s.payment ?? false,
            unverified: s.unverified ?? false,
          };
          await tx.stage.upsert({
            where: { groupId_code: { groupId: group.id, code: s.code } },
            create: { groupId: group.id, code: s.code, ...sdata },
            update: sdata,
          });
        }
      }
      const stale = await tx.programGroup.findMany({ where: { programId: program.id, code: { notIn: keepGroups } }, include: { _count: { select: { entitlements: true } } } });
      for (const g of stale) {
        if (g._count.entitlements > 0) throw new UserError(`Program ${def.code}: group ${g.code} is removed from the file but has ${g._count.entitlements} files.`, 'Keep the group, or move its files first.');
        await tx.programGroup.delete({ where: { id: g.id } });
      }
    }, { timeout: 60_000 });
    out.push({ code: def.code, changed: true, groups: def.groups.length, stages: stageCount });
  }
  return out;
}

/** The JSON shape of `ansinh programs show --json`. */
export function describeProgram(def: ProgramDefinition) {
  return {
    code: def.code,
    name: def.vi,
    nameEn: def.en,
    legalBasis: def.legalBasis,
    coverage: def.coverage ?? null,
    intake: def.intake,
    groups: def.groups.map((g) => ({
      code: g.code,
      name: g.vi,
      nameEn: g.en,
      section: g.section ?? null,
      province: g.province ?? null,
      beneficiary: g.beneficiary,
      amount: g.amount,
      supplements: g.supplements,
      exclusivity: g.exclusivity ?? null,
      deadline: g.deadline ?? def.intake.closes ?? null,
      deadlineUnverified: g.deadlineUnverified ?? (g.deadline ? false : def.intake.unverified ?? false),
      submitTo: g.submitTo,
      documents: g.documents,
      eligibility: g.eligibility.map((r) => ({ ...r, question: def.questions[r.q] })),
      stages: g.stages.map((s, i) => ({
        seq: i + 1,
        code: s.code,
        name: s.vi,
        nameEn: s.en,
        owner: s.owner,
        ownerLevel: OWNER_LEVEL[s.owner],
        dayLimit: s.days ?? null,
        dayUnit: s.unit ?? null,
        payment: s.payment ?? false,
        unverified: s.unverified ?? false,
      })),
      unverified: g.unverified,
    })),
    unverified: def.unverified,
  };
}
