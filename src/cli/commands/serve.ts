import type { Command } from 'commander';
import type { ContextFactory } from '../main.js';
import { createRuntime } from '../../runtime.js';
import { closeOnSignal, startServer } from '../../http/server.js';
import { UserError } from '../../shared/errors.js';

export function registerServe(program: Command, ctx: ContextFactory) {
  program
    .command('serve')
    .description('Run the HTTP server: web chat at /chat (more channels and the admin console come later)')
    .option('--port <port>', 'port (default: PORT or 3000)')
    .option('--host <host>', 'address to listen on (default: HOST or 127.0.0.1)')
    .action(async (opts: { port?: string; host?: string }) => {
      const c = ctx();
      const port = opts.port === undefined ? c.config.http.port : Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port ${opts.port} is not a port number.`);
      const db = await c.database();
      const rt = await createRuntime(c.config, { db, keys: c.keys });
      const server = await startServer(rt, { host: opts.host ?? c.config.http.host, port });
      console.log(`ansinh is listening: web chat at ${server.url}/chat (Ctrl+C to stop)`);
      await closeOnSignal(async () => {
        await server.close();
        await rt.close();
      });
    });
}
