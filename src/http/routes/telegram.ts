/**
 * POST /webhooks/telegram: the secret header is checked before the body is even parsed (401,
 * nothing processed); a redelivered update_id is acknowledged and dropped; anything else is
 * acknowledged at once and handled after the response, so Telegram never waits on us.
 */
import { sameSecret } from '../../shared/secrets.js';
import type { FastifyInstance } from 'fastify';
import type { TelegramAdapter } from '../../../bots/telegram/adapter.js';
import type { InboundDedupe } from '../../inbound/dedupe.js';
import { handleInBackground, type PipelineDeps } from '../../inbound/pipeline.js';

export interface TelegramRouteDeps extends PipelineDeps {
  adapter: TelegramAdapter;
  secret: string;
  dedupe: InboundDedupe;
  /** Called when an update has been fully handled (tests wait on it). */
  onHandled?: () => void;
}


export async function telegramRoutes(app: FastifyInstance, deps: TelegramRouteDeps) {
  // Malformed JSON is acknowledged and ignored, not answered with a parser error.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(null, { malformed: true });
    }
  });
  app.post('/webhooks/telegram', {
    onRequest: async (req, reply) => {
      if (!sameSecret(req.headers['x-telegram-bot-api-secret-token'], deps.secret)) await reply.status(401).send({ error: 'unauthorized' });
    },
  }, async (req, reply) => {
    const { updateId, callbackQueryId, parsed } = deps.adapter.parseUpdate(req.body);
    if (updateId !== null && !(await deps.dedupe.first('telegram', updateId))) return reply.send({ ok: true, duplicate: true });
    await reply.send({ ok: true });
    handleInBackground(deps, deps.adapter, parsed, async () => callbackQueryId && deps.adapter.answerButton(callbackQueryId).catch(() => {}));
  });
}
