import type { Command } from 'commander';
import type { ContextFactory } from '../main.js';
import { createRuntime } from '../../runtime.js';
import { closeOnSignal, startOpsServer, startServer } from '../../http/server.js';
import { startBackgroundWorker } from '../../jobs/worker.js';
import { createAdapters } from '../../../bots/registry.js';
import { parsePort } from '../args.js';

export function registerServe(program: Command, ctx: ContextFactory) {
  const web = (name: string, description: string, worker: boolean) =>
    program
      .command(name)
      .description(description)
      .option('--port <port>', 'port (default: PORT or 3000)')
      .option('--host <host>', 'address to listen on (default: HOST or 127.0.0.1)')
      .action(async (opts: { port?: string; host?: string }) => {
        const c = ctx();
        const port = parsePort(opts.port, c.config.http.port);
        const db = await c.database();
        const rt = await createRuntime(c.config, { db, keys: c.keys });
        const server = await startServer(rt, { host: opts.host ?? c.config.http.host, port, worker });
        console.log(`ansinh is listening: web chat at ${server.url}/chat${worker ? '; sending queued messages' : ''} (Ctrl+C to stop)`);
        await closeOnSignal(async () => {
          await server.close();
          await rt.close();
        });
      });
  web('serve', 'Run the HTTP server: web chat, channel webhooks (run `ansinh worker` too, or use `start`)', false);
  web('start', 'Run the HTTP server and the background worker in one process', true);
  program
    .command('worker')
    .description('Run the background worker: outbox relay and rate-limited outbound queues per channel')
    .option('--port <port>', 'also serve /healthz, /readyz and /metrics on this port (default: none)')
    .option('--host <host>', 'address for --port (default: HOST or 127.0.0.1)')
    .action(async (opts: { port?: string; host?: string }) => {
      const c = ctx();
      const port = opts.port === undefined ? null : parsePort(opts.port, c.config.http.port);
      const db = await c.database();
      const rt = await createRuntime(c.config, { db, keys: c.keys });
      // Listen first: a port already taken stops the command before any job is picked up.
      const ops = port === null ? null : await startOpsServer(rt, { host: opts.host ?? c.config.http.host, port }).catch(async (e: unknown) => {
        await rt.close();
        throw e;
      });
      const worker = startBackgroundWorker(rt, createAdapters(c.config, { sql: db.sql, keys: c.keys }));
      console.log(`ansinh worker: queues ${worker.queues.channels().join(', ') || '(no platform channel configured)'}${ops ? `; health and metrics at ${ops.url}` : ''} (Ctrl+C to stop)`);
      await closeOnSignal(async () => {
        await ops?.app.close();
        await worker.close();
        await rt.close();
      });
    });
}
