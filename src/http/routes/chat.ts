/**
 * Web chat: GET /chat (the page), POST /api/chat/messages (a message in, replies out) and
 * GET /api/chat/events (server-sent events for proactive messages). The chat is identified by
 * a random id in an httpOnly, SameSite=Strict cookie; it never appears in a URL.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../app.js';
import { relayChatMessages } from '../../outbox/outbox.service.js';
import { renderChatMessage } from '../../conversation/render-outbox.js';
import { SendError } from '../../../bots/channel.js';
import { ensureIdentity } from '../../identities/identity.service.js';
import { answerInline } from '../../inbound/pipeline.js';
import { outboundKind } from '../../metrics.js';
import { messages } from '../../i18n/messages.js';

const STATIC = resolve(import.meta.dirname, '../static');
const files = {
  html: readFileSync(`${STATIC}/chat.html`, 'utf8'),
  js: readFileSync(`${STATIC}/chat.js`, 'utf8'),
  css: readFileSync(`${STATIC}/chat.css`, 'utf8'),
};
const COOKIE = 'ansinh_chat';
const body = z.object({ text: z.string().max(20_000).optional(), action: z.string().max(64).optional() });

function chatIdOf(req: FastifyRequest): string | null {
  const m = new RegExp(`(?:^|;\\s*)${COOKIE}=([A-Za-z0-9_-]{22,64})`).exec(req.headers.cookie ?? '');
  return m ? m[1]! : null;
}

function setChatCookie(req: FastifyRequest, reply: FastifyReply): string {
  const id = randomBytes(18).toString('base64url');
  const secure = req.protocol === 'https' ? '; Secure' : '';
  reply.header('set-cookie', `${COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000${secure}`);
  return id;
}

export async function chatRoutes(app: FastifyInstance, deps: AppDeps) {
  const web = deps.adapters.web;
  const identityOfChat = new Map<string, number>();
  // Open push streams never end by themselves: closing the app ends them, or it would wait forever.
  const streams = new Set<FastifyReply['raw']>();
  app.addHook('preClose', async () => {
    for (const s of streams) s.end(() => s.socket?.destroy());
  });

  app.get('/chat', async (req, reply) => {
    if (!chatIdOf(req)) setChatCookie(req, reply);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(files.html);
  });
  app.get('/chat.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').send(files.js));
  app.get('/chat.css', async (_req, reply) => reply.type('text/css; charset=utf-8').send(files.css));

  app.post('/api/chat/messages', async (req, reply) => {
    const chatId = chatIdOf(req);
    if (!chatId) return reply.status(401).send({ error: 'Phiên trò chuyện đã hết hạn. Anh/chị tải lại trang giúp.' });
    const parsed = body.safeParse(req.body);
    if (!parsed.success) return reply.status(400).send({ error: 'Tin nhắn không hợp lệ.' });
    const msg = web.parse({ chatId, ...parsed.data });
    if ('ignored' in msg) return reply.status(400).send({ error: 'Tin nhắn trống.' });
    const replies = await answerInline(deps, msg);
    return { replies };
  });

  app.get('/api/chat/events', async (req, reply) => {
    const chatId = chatIdOf(req);
    if (!chatId) return reply.status(401).send({ error: 'Phiên trò chuyện đã hết hạn.' });
    let identity: { id: number };
    try {
      identity = await ensureIdentity(deps.prisma, 'web', chatId);
    } catch (err) {
      // The database is down: an error answer closes the page's EventSource, and chat.js opens a new one 5 s later.
      req.log.warn({ err }, 'web chat stream: database unavailable');
      return reply.status(503).header('retry-after', '5').send({ error: messages('vi').busy });
    }
    identityOfChat.set(chatId, identity.id);
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    streams.add(reply.raw);
    reply.raw.write(': connected\n\n');
    const unsubscribe = web.subscribe(chatId, (r) => reply.raw.write(`event: message\ndata: ${JSON.stringify(r)}\n\n`));
    const ping = setInterval(() => reply.raw.write(': ping\n\n'), 25_000);
    req.raw.on('close', () => {
      streams.delete(reply.raw);
      clearInterval(ping);
      unsubscribe();
      if (!web.connectedChats().includes(chatId)) identityOfChat.delete(chatId);
    });
    void relay();
  });

  // Queued messages (e.g. "your file was linked to another chat") for the open pages.
  let running = false;
  async function relay() {
    if (running) return;
    running = true;
    try {
      const byIdentity = new Map([...identityOfChat].map(([chat, id]) => [id, chat]));
      await relayChatMessages(deps.sql, 'web', [...byIdentity.keys()], async (p, locale) => {
        const chatId = byIdentity.get(p.identityId);
        if (!chatId) return false;
        try {
          await web.send(chatId, renderChatMessage(p, locale));
          deps.metrics?.messageOut('web', outboundKind(p));
          return true;
        } catch (e) {
          if (e instanceof SendError) return false;
          throw e;
        }
      });
    } catch (e) {
      deps.log.warn({ err: e }, 'web relay failed');
    } finally {
      running = false;
    }
  }
  const timer = setInterval(() => void relay(), deps.relayIntervalMs ?? 1000);
  app.addHook('onClose', async () => clearInterval(timer));
}
