/**
 * Bull Board (the queues' own UI) for the console's admins: the outbound queue of each
 * platform channel, imports and the repeating jobs. Mounted inside the console's
 * authenticated scope, so the same login and role check guard it.
 */
import type { FastifyInstance } from 'fastify';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';

export function queueBoard(o: { redisUrl: string; prefix: string; channels: string[]; extraQueues?: string[] }) {
  return async (app: FastifyInstance, basePath: string) => {
    const connection = new Redis(o.redisUrl, { maxRetriesPerRequest: 1 });
    connection.on('error', () => {});
    const names = [...o.channels.map((c) => `outbound-${c}`), 'imports', 'schedule', ...(o.extraQueues ?? [])];
    const queues = names.map((n) => new Queue(n, { connection, prefix: `${o.prefix}q` }));
    const adapter = new FastifyAdapter();
    adapter.setBasePath(basePath);
    createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: adapter, options: { uiConfig: { boardTitle: 'ansinh' } } });
    await app.register(adapter.registerPlugin(), { prefix: basePath });
    app.addHook('onClose', async () => {
      await Promise.all(queues.map((q) => q.close()));
      connection.disconnect();
    });
  };
}
