/**
 * The eligibility self-check, driven by the program definitions' predicates (nothing is
 * hard-coded per group): ask the next question some still-possible group needs, drop the
 * groups a rule rules out, and stop when every group is decided.
 */
import type { GroupDefinition, ProgramDefinition } from '../programs/definition.js';

export type Answer = string | number | boolean;
export type Answers = Record<string, Answer>;

export type Step =
  | { kind: 'ask'; questionId: string; question: ProgramDefinition['questions'][string] }
  | { kind: 'result'; qualifies: GroupDefinition[]; failed: { group: GroupDefinition; reason: { vi: string; en: string } }[] };

/** Groups a citizen can ask about: cash for people or households, with rules to check. */
export function candidateGroups(def: ProgramDefinition, province?: string): GroupDefinition[] {
  return def.groups.filter(
    (g) =>
      g.beneficiary !== 'employer' &&
      g.amount.kind === 'grant' &&
      g.amount.value !== undefined &&
      g.eligibility.length > 0 &&
      (!g.province || !province || g.province === province),
  );
}

function passes(rule: GroupDefinition['eligibility'][number], a: Answer): boolean {
  if (rule.equals !== undefined && a !== rule.equals) return false;
  if (rule.in !== undefined && !rule.in.includes(String(a))) return false;
  if (rule.min !== undefined && !(typeof a === 'number' && a >= rule.min)) return false;
  if (rule.max !== undefined && !(typeof a === 'number' && a <= rule.max)) return false;
  return true;
}

export function nextStep(def: ProgramDefinition, answers: Answers, province?: string): Step {
  const qualifies: GroupDefinition[] = [];
  const failed: { group: GroupDefinition; reason: { vi: string; en: string } }[] = [];
  const needed = new Set<string>();
  for (const g of candidateGroups(def, province)) {
    let open = false;
    let dead = false;
    for (const rule of g.eligibility) {
      const a = answers[rule.q];
      if (a === undefined) {
        needed.add(rule.q);
        open = true;
        break;
      }
      if (!passes(rule, a)) {
        failed.push({ group: g, reason: rule.reason });
        dead = true;
        break;
      }
    }
    if (!open && !dead) qualifies.push(g);
  }
  // Ask in the order the program defines its questions, so the dialog reads naturally.
  const next = Object.keys(def.questions).find((q) => needed.has(q));
  if (next) return { kind: 'ask', questionId: next, question: def.questions[next]! };
  return { kind: 'result', qualifies, failed };
}

/** Reads a typed answer for a question; undefined when it cannot be understood. */
export function parseAnswer(q: ProgramDefinition['questions'][string], folded: string): Answer | undefined {
  if (q.type === 'boolean') {
    if (/\b(co|yes|dung|phai|vang|da|u|uh|ok|roi)\b/.test(folded) && !/\b(khong|no|chua)\b/.test(folded)) return true;
    if (/\b(khong|no|chua|ko|k)\b/.test(folded)) return false;
    return undefined;
  }
  if (q.type === 'number') {
    const m = /\d+/.exec(folded);
    return m ? Number(m[0]) : undefined;
  }
  const opt = q.options?.find((o) => folded.includes(o.value) || folded.includes(o.vi.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').toLowerCase()));
  return opt?.value;
}
