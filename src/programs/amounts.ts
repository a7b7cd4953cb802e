/**
 * Amounts a group pays, from its definition: base value times periods (months or days),
 * alternative tiers, and supplements (pregnant worker, each child under 6).
 */
import type { GroupDefinition } from './definition.js';

export interface AmountInput {
  /** Months or days actually covered; defaults to the group's maximum. */
  periods?: number;
  /** One of the group's tier values, when it has tiers. */
  tier?: number;
  /** Supplement code -> count (1 for pregnant, number of children for child_under_6). */
  supplements?: Record<string, number>;
}

export interface AmountBreakdown {
  base: number;
  periods: number;
  supplements: { code: string; count: number; value: number }[];
  total: number;
}

/** The full amount for one entitlement. Throws on input the group does not allow. */
export function computeAmount(group: GroupDefinition, input: AmountInput = {}): AmountBreakdown {
  const a = group.amount;
  if (a.value === undefined) throw new Error(`group ${group.code} has no fixed amount`);
  let base = a.value;
  if (input.tier !== undefined) {
    if (!a.tiers?.some((t) => t.value === input.tier)) throw new Error(`group ${group.code} has no tier ${input.tier}`);
    base = input.tier;
  }
  const max = a.periods ?? 1;
  const periods = input.periods ?? max;
  if (!Number.isInteger(periods) || periods < 1 || periods > max) throw new Error(`group ${group.code}: periods must be 1..${max}`);
  const supplements = Object.entries(input.supplements ?? {})
    .filter(([, n]) => n > 0)
    .map(([code, count]) => {
      const s = group.supplements.find((x) => x.code === code);
      if (!s) throw new Error(`group ${group.code} has no supplement ${code}`);
      if (s.per === 'person' && count !== 1) throw new Error(`supplement ${code} is paid once`);
      return { code, count, value: s.value * count };
    });
  const total = base * periods + supplements.reduce((n, s) => n + s.value, 0);
  return { base, periods, supplements, total };
}

/** The highest amount one person can receive in the group (all periods, no supplements). */
export function maxBaseAmount(group: GroupDefinition): number | undefined {
  const a = group.amount;
  if (a.value === undefined) return undefined;
  const top = Math.max(a.value, ...(a.tiers ?? []).map((t) => t.value));
  return top * (a.periods ?? 1);
}
