/**
 * Helpers shared by the issue-8 benches (not a bench itself): the commit and machine lines of a
 * BENCHMARKS.md section, a process's resident memory from /proc (current and peak), and who used
 * the CPU during a phase (this bench's processes, PostgreSQL, Redis, everything else), so a
 * figure measured on a shared machine says how shared it was. Linux only.
 */
import { execSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

/** `abc1234`, plus a note when the measured code (src/, bots/, prisma/) has uncommitted changes. */
export function commitLabel(): string {
  try {
    const head = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
    const dirty = execSync('git status --porcelain -- src bots prisma', { encoding: 'utf8' }).split('\n').filter(Boolean).map((l) => l.slice(3));
    return dirty.length ? `${head} (working tree with uncommitted changes in ${dirty.join(', ')})` : head;
  } catch {
    return 'unknown';
  }
}

export function machineLabel(): string {
  return `${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

export const load1 = () => loadavg()[0]!;

/** Resident set size now and its peak since the process started (VmHWM), in MB; null once it has exited. */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? 0);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

/** Samples a process's RSS every `ms` until stopped; `peak()` is the largest sample so far. */
export function rssSampler(pid: number, ms = 100) {
  let peak = 0;
  const t = setInterval(() => {
    const m = memoryOf(pid);
    if (m) peak = Math.max(peak, m.rssMb);
  }, ms);
  t.unref();
  return {
    peak: () => peak,
    reset: () => { peak = memoryOf(pid)?.rssMb ?? 0; },
    stop: () => clearInterval(t),
  };
}

interface ProcTicks { comm: string; ticks: number }
export type CpuSnapshot = { at: number; procs: Map<number, ProcTicks>; total: { busy: number; all: number } };

/** CPU ticks of every process and of the whole machine, for `cpuShares`. */
export function cpuSnapshot(): CpuSnapshot {
  const procs = new Map<number, ProcTicks>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const close = s.lastIndexOf(')');
      const comm = s.slice(s.indexOf('(') + 1, close);
      const f = s.slice(close + 2).split(' ');
      procs.set(Number(d), { comm, ticks: Number(f[11]) + Number(f[12]) });
    } catch { /* gone */ }
  }
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = cpu[3]! + cpu[4]!;
  const all = cpu.reduce((a, b) => a + b, 0);
  return { at: performance.now(), procs, total: { busy: all - idle, all } };
}

/**
 * Cores used between two snapshots: by each named group of pids (this bench's processes), by
 * PostgreSQL and Redis (shared with anyone else using them), by every other process, and by the
 * machine in all. Processes that ended during the phase are missed by the per-process figures,
 * not by `machine`.
 */
export function cpuShares<K extends string>(a: CpuSnapshot, b: CpuSnapshot, groups: Record<K, number[]>) {
  const secs = (b.at - a.at) / 1000;
  const hz = 100; // USER_HZ
  const named = Object.fromEntries(Object.keys(groups).map((k) => [k, 0])) as Record<K, number>;
  const sum = { postgres: 0, redis: 0, other: 0 };
  for (const [pid, p] of b.procs) {
    const d = p.ticks - (a.procs.get(pid)?.ticks ?? 0);
    if (d <= 0) continue;
    const group = (Object.keys(groups) as K[]).find((k) => groups[k].includes(pid));
    if (group) named[group] += d;
    else if (p.comm.startsWith('postgres') || p.comm === 'postmaster') sum.postgres += d;
    else if (p.comm.startsWith('redis')) sum.redis += d;
    else sum.other += d;
  }
  const cores = cpus().length;
  const perSec = (t: number) => t / hz / secs;
  return {
    ...(Object.fromEntries(Object.entries(named).map(([k, v]) => [k, perSec(v as number)])) as Record<K, number>),
    postgres: perSec(sum.postgres),
    redis: perSec(sum.redis),
    other: perSec(sum.other),
    machine: ((b.total.busy - a.total.busy) / Math.max(1, b.total.all - a.total.all)) * cores,
  };
}
