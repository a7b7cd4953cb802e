/**
 * Issue 8's fuzz test at full size: 100,000 random messages (test/helpers/fuzz.ts) through the
 * conversation engine (40 %), the web chat's page API (30 %), the Telegram webhook (20 %) and the
 * signed Zalo webhook (10 %), plus a malformed body every 50 messages. Counts 5xx answers,
 * messages without a reply, empty and "busy" replies, and sends the fake platforms refused: all
 * must be 0. CI runs 5,000 (test/abuse/fuzz.test.ts).
 *
 *   npx tsx bench/fuzz.ts [--messages 100000] [--seed 20261122] [--backend pglite|postgres]
 *
 * Appends its figures to docs/BENCHMARKS.md.
 */
import { execSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../src/shared/log.js';
import { seededRuntime } from '../test/helpers/runtime.js';
import { runFuzz, startFuzzHarness } from '../test/helpers/fuzz.js';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
};
const MESSAGES = Number(arg('messages', '100000'));
const SEED = Number(arg('seed', '20261122'));
const BACKEND = arg('backend', 'pglite') as 'pglite' | 'postgres';

async function main() {
  let uncaught = 0;
  process.on('uncaughtException', (e) => { uncaught++; console.error('uncaught', e); });
  process.on('unhandledRejection', (e) => { uncaught++; console.error('unhandled rejection', e); });
  // Errors the engine caught (each "busy" reply has one): kept by message, with where they came from.
  const errors = new Map<string, { n: number; where: string }>();
  const log = createLogger({ level: 'error', destination: new Writable({ write(c, _e, cb) {
    try {
      const j = JSON.parse(String(c)) as { msg?: string; err?: { message?: string; stack?: string } };
      const key = `${j.msg}: ${String(j.err?.message ?? '').slice(0, 160)}`;
      const e = errors.get(key) ?? { n: 0, where: String(j.err?.stack ?? '').split('\n').slice(1, 4).map((l) => l.trim()).join(' / ') };
      e.n++;
      errors.set(key, e);
    } catch { /* not JSON */ }
    cb();
  } }) as never });
  const rt = await seededRuntime({ backend: BACKEND, log });
  const h = await startFuzzHarness(rt);
  try {
    const s = await runFuzz(rt, h, MESSAGES, SEED, (n) => console.log(`  ${n} messages…`));
    const ok = uncaught === 0 && s.fiveXX.length === 0 && s.noReply.length === 0 && s.emptyReplies === 0 && s.busy.length === 0 && s.platformRefusals === 0;
    const commit = (() => { try { return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim(); } catch { return 'unknown'; } })();
    const dirty = (() => { try { return execSync('git status --porcelain src', { encoding: 'utf8' }).trim() ? ' (with uncommitted changes in src/)' : ''; } catch { return ''; } })();
    const rss = (process.memoryUsage().rss / 1048576).toFixed(0);
    const section = [
      '',
      `## Fuzz: ${MESSAGES.toLocaleString('en')} random messages on every way in (${rt.db.kind === 'postgres' ? 'PostgreSQL 15' : 'PGlite, in memory'})`,
      '',
      `- Command: \`npx tsx bench/fuzz.ts --messages ${MESSAGES} --seed ${SEED} --backend ${BACKEND}\``,
      `- Commit: ${commit}${dirty}; date: ${new Date().toISOString().slice(0, 10)}; machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; Redis 7 on 127.0.0.1; RSS at the end ${rss} MB`,
      '- Messages: random code points of 12 Unicode ranges (Vietnamese, combining marks, RTL, CJK, emoji, astral, private use) mixed with zero-width, bidi and control characters and lone surrogates; SQL, HTML, JSON, template and formula injections; numbers that look like ID numbers (spaced, dotted, full-width, letter O); dates of every shape; commands and Object.prototype words; 10 KB and 1 MB strings; random button actions. Malformed bodies: invalid or cut JSON and UTF-8, wrong shapes, 5,000-deep nesting, over 64 KB, wrong content types, signed Zalo events of the wrong shape.',
      '',
      '| messages | engine | web chat | Telegram | Zalo | malformed bodies | seconds | HTTP statuses | 5xx | uncaught | no reply | empty replies | "busy" replies | refused by the platforms |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
      `| ${s.messages.toLocaleString('en')} | ${s.byPath.engine.toLocaleString('en')} | ${s.byPath.web.toLocaleString('en')} | ${s.byPath.telegram.toLocaleString('en')} | ${s.byPath.zalo.toLocaleString('en')} | ${s.byPath.malformed.toLocaleString('en')} | ${s.seconds.toFixed(1)} | ${Object.entries(s.statuses).map(([k, n]) => `${k}: ${n.toLocaleString('en')}`).join(', ')} | ${s.fiveXX.length} | ${uncaught} | ${s.noReply.length} | ${s.emptyReplies} | ${s.busy.length} | ${s.platformRefusals} |`,
      '',
      ...(errors.size ? [`- Errors logged: ${[...errors].map(([k, e]) => `${e.n} × ${k} (${e.where})`).join('; ')}.`] : []),
      `- Verdict: ${ok ? 'pass' : 'FAIL'}.`,
      '',
    ].join('\n');
    appendFileSync(resolve(import.meta.dirname, '../docs/BENCHMARKS.md'), section);
    console.log(section);
    for (const [what, list] of [['5xx', s.fiveXX], ['no reply', s.noReply], ['busy', s.busy], ['refused', s.refusedSamples]] as const) if (list.length) console.log(what, list.slice(0, 10));
    if (!ok) process.exitCode = 1;
  } finally {
    await h.close();
    await rt.teardown();
  }
}

main().then(() => process.exit(process.exitCode ?? 0), (e) => { console.error(e); process.exit(1); });
