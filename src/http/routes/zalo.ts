/**
 * POST /webhooks/zalo: Zalo OA events. The X-ZEvent-Signature is checked on the raw body before
 * anything else (401, nothing processed); a redelivered event (same msg_id) is acknowledged and
 * dropped; everything else is acknowledged at once (Zalo wants 200 within 2 s) and handled after
 * the response.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZaloAdapter } from '../../../bots/zalo/adapter.js';
import { verifyZaloSignature } from '../../../bots/zalo/signature.js';
import type { InboundDedupe } from '../../inbound/dedupe.js';
import { handleInBackground, markBlocked, type PipelineDeps } from '../../inbound/pipeline.js';

export interface ZaloRouteDeps extends PipelineDeps {
  adapter: ZaloAdapter;
  dedupe: InboundDedupe;
  onHandled?: () => void;
}

export async function zaloRoutes(app: FastifyInstance, deps: ZaloRouteDeps) {
  // Keep the raw text: the signature covers the exact bytes Zalo sent.
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.post('/webhooks/zalo', async (req: FastifyRequest<{ Body: string }>, reply) => {
    const raw = typeof req.body === 'string' ? req.body : '';
    const { appId, oaSecret } = deps.adapter.opts;
    const sig = req.headers['x-zevent-signature'];
    if (!verifyZaloSignature(typeof sig === 'string' ? sig : undefined, raw, appId, oaSecret)) return reply.status(401).send({ error: 'unauthorized' });
    const { eventId, parsed, stoppedChatId } = deps.adapter.parseEvent(JSON.parse(raw));
    if (eventId !== null && !(await deps.dedupe.first('zalo', eventId))) return reply.send({ ok: true, duplicate: true });
    await reply.send({ ok: true });
    handleInBackground(deps, deps.adapter, parsed, async () => stoppedChatId && markBlocked(deps.sql, 'zalo', stoppedChatId));
  });
}
