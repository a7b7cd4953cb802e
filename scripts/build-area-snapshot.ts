/**
 * Rebuilds prisma/areas/vn-2008.json from the npm package dvhcvn (devDependency): all 63
 * provinces of the pre-2025 model, and the full province > district > commune tree for the
 * provinces the demo uses. Run by hand when the source is updated:
 *   npx tsx scripts/build-area-snapshot.ts [provinceCode ...]   (default: 80 94)
 */
import { writeFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const dvhcvn = require('dvhcvn') as typeof import('dvhcvn');
const pkg = JSON.parse(readFileSync(join(require.resolve('dvhcvn'), '../../package.json'), 'utf8')) as { version: string };

const KIND: Record<number, string> = {
  [dvhcvn.Type.huyen]: 'Huyện', [dvhcvn.Type.quan]: 'Quận', [dvhcvn.Type.phuong]: 'Phường',
  [dvhcvn.Type.thi_tran]: 'Thị trấn', [dvhcvn.Type.thi_xa]: 'Thị xã', [dvhcvn.Type.tinh]: 'Tỉnh',
  [dvhcvn.Type.tp]: 'Thành phố', [dvhcvn.Type.tptw]: 'Thành phố trực thuộc Trung ương', [dvhcvn.Type.xa]: 'Xã',
};

const full = process.argv.slice(2).length ? process.argv.slice(2) : ['80', '94'];
const units: { code: string; name: string; kind: string; level: string; parent: string | null }[] = [];
for (const p of dvhcvn.level1s) {
  units.push({ code: p.id, name: p.name, kind: KIND[p.type]!, level: 'province', parent: null });
  if (!full.includes(p.id)) continue;
  for (const d of p.children ?? []) {
    units.push({ code: d.id, name: d.name.trim(), kind: KIND[d.type]!, level: 'district', parent: p.id });
    for (const c of d.children ?? []) units.push({ code: c.id, name: c.name.trim().replace(/\s+/g, ' '), kind: KIND[c.type]!, level: 'commune', parent: d.id });
  }
}
const out = {
  scheme: '2008',
  validTo: '2025-06-30',
  source: `npm dvhcvn ${pkg.version} (Statistics Office codes, data as of 01/03/2025; github.com/daohoangson/dvhcvn, GPL-3.0)`,
  note: 'Pre-2025 three-tier units. Communes merged in 2023-2025 appear as they were on 01/03/2025; lists from 2020-2021 may name a few communes that no longer exist here.',
  fullTrees: full,
  units,
};
const file = resolve(import.meta.dirname, '../prisma/areas/vn-2008.json');
writeFileSync(file, JSON.stringify(out, null, 1) + '\n');
console.log(`wrote ${file}: ${units.length} units`);
