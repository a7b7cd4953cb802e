/**
 * Issue 8's abuse test at full size: 100 chats × 1,000 random ID numbers with birth dates
 * (test/helpers/abuse.ts) through the conversation engine with the default quotas. Counts
 * disclosures (must be 0), chats left unlocked (0), look-ups after a chat's lock (0), failures
 * before a lock (at most the quota), locked ID numbers and officer alerts. CI runs 100 × 50
 * (test/abuse/guessing.test.ts).
 *
 *   npx tsx bench/abuse.ts [--chats 100] [--attempts 1000] [--seed 8001] [--backend pglite|postgres]
 *
 * `--backend postgres` uses ANSINH_TEST_DATABASE_URL (a scratch schema, dropped after).
 * Appends its figures to docs/BENCHMARKS.md.
 */
import { execSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { DEFAULT_LIMITS } from '../src/lookup/quota.js';
import { seededRuntime } from '../test/helpers/runtime.js';
import { addProvinceOfficers, alertMessages, runGuessing } from '../test/helpers/abuse.js';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
};
const CHATS = Number(arg('chats', '100'));
const ATTEMPTS = Number(arg('attempts', '1000'));
const SEED = Number(arg('seed', '8001'));
const BACKEND = arg('backend', 'pglite') as 'pglite' | 'postgres';

async function main() {
  const rt = await seededRuntime({ backend: BACKEND });
  try {
    const officers = await addProvinceOfficers(rt);
    const r = await runGuessing(rt, { chats: CHATS, attemptsPerChat: ATTEMPTS, seed: SEED, onProgress: (n) => console.log(`  ${n} attempts…`) });
    const messagesToOfficers = await alertMessages(rt);
    const ok = r.disclosures.length === 0 && r.unlocked.length === 0 && r.lookupsAfterLock === 0 && r.maxFailuresBeforeLock <= DEFAULT_LIMITS.chatFailures && (r.results.found ?? 0) === 0;
    const commit = (() => { try { return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim(); } catch { return 'unknown'; } })();
    const dirty = (() => { try { return execSync('git status --porcelain src', { encoding: 'utf8' }).trim() ? ' (with uncommitted changes in src/)' : ''; } catch { return ''; } })();
    const rss = (process.memoryUsage().rss / 1048576).toFixed(0);
    const section = [
      '',
      `## Abuse: ${CHATS} chats × ${ATTEMPTS.toLocaleString('en')} random ID numbers through the engine (${rt.db.kind === 'postgres' ? 'PostgreSQL 15' : 'PGlite, in memory'})`,
      '',
      `- Command: \`npx tsx bench/abuse.ts --chats ${CHATS} --attempts ${ATTEMPTS} --seed ${SEED} --backend ${BACKEND}\``,
      `- Commit: ${commit}${dirty}; date: ${new Date().toISOString().slice(0, 10)}; machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; Redis 7 on 127.0.0.1; RSS at the end ${rss} MB`,
      `- Default quotas (${DEFAULT_LIMITS.chatFailures} failures per chat per hour, ${DEFAULT_LIMITS.idFailures} per ID per day, more than ${DEFAULT_LIMITS.distinctIds} different failing IDs per chat per day); ${rt.db.kind} database seeded with the demo at scale 0.004; ${officers.length} province officers with a chat. Each chat types its guesses one after the other, 8 chats at a time.`,
      `- Guesses by kind: ${Object.entries(r.byKind).map(([k, n]) => `${k} ${n.toLocaleString('en')}`).join(', ')} (real = a real person's ID number with a wrong date in their birth year).`,
      '',
      '| attempts | messages | seconds | attempts/s | disclosures | chats not locked | look-ups after a chat lock | most failed look-ups before a lock | ID numbers targeted / locked | alerts (anomaly, ID locked) | officer messages queued |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
      `| ${r.attempts.toLocaleString('en')} | ${r.messages.toLocaleString('en')} | ${r.seconds.toFixed(1)} | ${(r.attempts / r.seconds).toFixed(0)} | ${r.disclosures.length} | ${r.unlocked.length} | ${r.lookupsAfterLock} | ${r.maxFailuresBeforeLock} | 5 / ${r.lockedTargets} | ${r.alerts.anomaly ?? 0}, ${r.alerts.id_locked ?? 0} | ${messagesToOfficers.toLocaleString('en')} |`,
      '',
      `- Look-up results in the audit log: ${Object.entries(r.results).map(([k, n]) => `${k} ${n.toLocaleString('en')}`).join(', ')}.`,
      `- Verdict: ${ok ? 'pass' : 'FAIL'}.`,
      '',
    ].join('\n');
    appendFileSync(resolve(import.meta.dirname, '../docs/BENCHMARKS.md'), section);
    console.log(section);
    if (r.disclosures.length) console.log('disclosures:', r.disclosures.slice(0, 10));
    if (!ok) process.exitCode = 1;
  } finally {
    await rt.teardown();
  }
}

main().then(() => process.exit(process.exitCode ?? 0), (e) => { console.error(e); process.exit(1); });
