/**
 * The deployment files agree with the code: docker-compose.yml parses, its services depend on
 * services that exist, the environment it gives ansinh passes the real config loader, and every
 * variable it sets is one src/config.ts reads. The Dockerfile runs as a non-root user with the
 * health check on /healthz. (No Docker daemon here: the images themselves are not built.)
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (f: string) => readFileSync(resolve(ROOT, f), 'utf8');

interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  healthcheck?: { disable?: boolean; test?: string[] };
  restart?: string;
  stop_grace_period?: string;
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const SAMPLE: Record<string, string> = { POSTGRES_PASSWORD: 'pw-0123456789', ANSINH_SECRET_KEY: 'k'.repeat(40) };

/** Compose's interpolation: ${X:?msg} takes SAMPLE[X], ${X:-default} the default. */
function interpolate(v: string): string {
  return String(v).replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_m, name: string, op?: string, rest?: string) => {
    if (op === '?') return SAMPLE[name] ?? 'x';
    return SAMPLE[name] ?? (op === '-' ? rest ?? '' : '');
  });
}

describe('docker-compose.yml', () => {
  it('should have the five services, each dependency and volume declared', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['migrate', 'postgres', 'redis', 'web', 'worker']);
    for (const [name, s] of Object.entries(compose.services)) {
      for (const dep of Object.keys(s.depends_on ?? {})) expect(compose.services, `${name} depends on ${dep}`).toHaveProperty(dep);
      for (const v of s.volumes ?? []) expect(compose.volumes, `${name} uses volume ${v}`).toHaveProperty(v.split(':')[0]!);
    }
    expect(compose.services.postgres!.image).toBe('postgres:15');
    expect(compose.services.redis!.image).toBe('redis:7');
    expect(compose.services.redis!.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    expect(compose.services.web!.command).toEqual(['node', 'bin/ansinh.js', 'serve']);
    expect(compose.services.worker!.command!.slice(0, 3)).toEqual(['node', 'bin/ansinh.js', 'worker']);
    expect(compose.services.migrate!.command!.join(' ')).toContain('node bin/ansinh.js db migrate');
    expect(compose.services.migrate!.restart).toBe('no');
    for (const app of ['web', 'worker']) {
      expect(compose.services[app]!.depends_on!.migrate!.condition).toBe('service_completed_successfully');
      // More than closeOnSignal's 20 s, or docker would kill a stop in progress.
      expect(parseInt(compose.services[app]!.stop_grace_period!, 10)).toBeGreaterThan(20);
    }
  });

  it('should give every ansinh process an environment the config accepts, naming only keys it reads', () => {
    const configSource = read('src/config.ts');
    for (const name of ['migrate', 'web', 'worker']) {
      const env = Object.fromEntries(Object.entries(compose.services[name]!.environment!).map(([k, v]) => [k, interpolate(v)]));
      for (const key of Object.keys(env)) expect(configSource, `${name}: ${key}`).toMatch(new RegExp(`^\\s+${key}: optional\\(`, 'm'));
      const cfg = loadConfig(env, '/app');
      expect(cfg.database.url).toBe('postgresql://ansinh:pw-0123456789@postgres:5432/ansinh');
      expect(cfg.redisUrl).toBe('redis://redis:6379');
      expect(cfg.telegram).toBeNull();
      expect(cfg.zalo).toBeNull();
      if (name !== 'migrate') expect(cfg.http).toEqual({ host: '0.0.0.0', port: 3000 });
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  it('should build on node:20-bookworm-slim with npm ci, run as a non-root user and check /healthz', () => {
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim AS build$/m);
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim$/m);
    expect(dockerfile).toMatch(/npm ci /);
    expect(dockerfile).toMatch(/npm run db:generate/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n.*\/healthz/m);
    expect(dockerfile).toMatch(/^CMD \["node", "bin\/ansinh\.js", "start"\]$/m);
    // Everything the code reads at run time is copied in.
    for (const dir of ['bin', 'bots', 'prisma', 'src']) expect(dockerfile).toMatch(new RegExp(`^COPY ${dir} \\./${dir}$`, 'm'));
    expect(read('.dockerignore')).toMatch(/^src\/generated$/m);
  });
});
