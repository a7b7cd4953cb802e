/**
 * The demo's sample list has only new people: an ID number the database already holds is
 * replaced (else the all-or-nothing import would refuse the whole list).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSampleList } from '../../src/seed/sample-list.js';
import type { SqlRunner } from '../../src/db/sql.js';

describe('sample list', () => {
  it('should ask about every ID number and replace one the database already has', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ansinh-sample-'));
    try {
      const asked: string[] = [];
      const sql = { query: async (_text: string, params: unknown[]) => (asked.push(String(params[0])), asked.length === 1 ? [{ '?column?': 1 }] : []) } as unknown as SqlRunner;
      const path = await writeSampleList(dir, ['27694'], { sql, idKey: Buffer.alloc(32, 7) });
      expect(path).toBe(join(dir, 'sample-list-NQ68-2021.xlsx'));
      expect(asked).toHaveLength(41); // 40 people, the first number taken
      expect(new Set(asked).size).toBe(41);
      expect(await writeSampleList(dir, ['27694'], { sql, idKey: Buffer.alloc(32, 7) })).toBe(path); // written once
      expect(asked).toHaveLength(41);
      expect(await writeSampleList(join(dir, 'none'), [], { sql, idKey: Buffer.alloc(32, 7) })).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
