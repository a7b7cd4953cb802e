/**
 * FAQ retrieval: TF-IDF over folded words and word pairs of every way a question is asked,
 * cosine similarity, best entry per message. Below the threshold the bot offers the menu and
 * a person instead of guessing.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { words } from '../conversation/text.js';

export const FAQ_FILE = resolve(import.meta.dirname, '../../prisma/faq/faq.yaml');

const entrySchema = z.object({ id: z.string(), q: z.array(z.string()).min(1), vi: z.string(), en: z.string() }).strict();
export type FaqEntry = z.infer<typeof entrySchema>;

export interface FaqMatch {
  entry: FaqEntry;
  score: number;
}

// Words that say nothing about the topic.
const STOP = new Set(['toi', 'minh', 'em', 'anh', 'chi', 'co', 'khong', 'duoc', 'la', 'thi', 'ma', 'va', 'cua', 'cho', 'voi', 'nhu', 'the', 'nao', 'gi', 'vay', 'a', 'ah', 'oi', 'nhe', 'nha', 'ak', 'u', 'da', 'roi', 'o', 'tai', 'khi', 'bi', 'neu', 'cai', 'nay', 'do', 'ban', 'hoi', 'xin', 'cho', 'biet', 'muon', 'can', 'phai', 'se', 'dang', 'lam', 'sao']);

function terms(text: string): string[] {
  const w = words(text);
  const content = w.filter((x) => !STOP.has(x));
  const pairs = w.slice(1).map((x, i) => `${w[i]}_${x}`);
  return [...content, ...pairs];
}

export class FaqIndex {
  private readonly idf = new Map<string, number>();
  private readonly docs: { entry: FaqEntry; vec: Map<string, number>; norm: number }[] = [];

  constructor(readonly entries: FaqEntry[]) {
    const docTerms = entries.flatMap((e) => e.q.map((q) => ({ entry: e, t: terms(q) })));
    const df = new Map<string, number>();
    for (const d of docTerms) for (const t of new Set(d.t)) df.set(t, (df.get(t) ?? 0) + 1);
    for (const [t, n] of df) this.idf.set(t, Math.log(1 + docTerms.length / n));
    for (const d of docTerms) {
      const vec = this.vector(d.t);
      this.docs.push({ entry: d.entry, vec, norm: Math.hypot(...vec.values()) });
    }
  }

  private vector(ts: string[]): Map<string, number> {
    const v = new Map<string, number>();
    for (const t of ts) {
      const idf = this.idf.get(t);
      if (idf) v.set(t, (v.get(t) ?? 0) + idf);
    }
    return v;
  }

  /** The best entry and its score in [0, 1]. */
  best(text: string): FaqMatch | null {
    const q = this.vector(terms(text));
    const qn = Math.hypot(...q.values());
    if (qn === 0) return null;
    let best: FaqMatch | null = null;
    for (const d of this.docs) {
      let dot = 0;
      for (const [t, w] of q) dot += w * (d.vec.get(t) ?? 0);
      const score = dot / (qn * d.norm);
      if (!best || score > best.score) best = { entry: d.entry, score };
    }
    return best;
  }
}

export function loadFaq(file = FAQ_FILE): FaqIndex {
  const entries = z.array(entrySchema).parse(parse(readFileSync(file, 'utf8')));
  const ids = new Set<string>();
  for (const e of entries) {
    if (ids.has(e.id)) throw new Error(`${file}: duplicate FAQ id ${e.id}`);
    ids.add(e.id);
  }
  return new FaqIndex(entries);
}
