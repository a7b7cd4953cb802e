import type { Command } from 'commander';
import type { ContextFactory } from '../main.js';
import { createRuntime } from '../../runtime.js';
import { closeOnSignal, startServer } from '../../http/server.js';
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
    .action(async () => {
      const c = ctx();
      const db = await c.database();
      const rt = await createRuntime(c.config, { db, keys: c.keys });
      const worker = startBackgroundWorker(rt, createAdapters(c.config, { sql: db.sql, keys: c.keys }));
      console.log(`ansinh worker: queues ${worker.queues.channels().join(', ') || '(no platform channel configured)'} (Ctrl+C to stop)`);
      await closeOnSignal(async () => {
        await worker.close();
        await rt.close();
      });
    });
}
