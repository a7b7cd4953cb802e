import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { z } from 'zod';
import type { ContextFactory } from '../main.js';
import { createRuntime } from '../../runtime.js';
import type { Reply } from '../../conversation/types.js';
import { createLogger } from '../../shared/log.js';

const line = z.object({ chat: z.string().min(1).max(64), text: z.string().max(20_000).optional(), action: z.string().max(64).optional() });

export function registerChat(program: Command, ctx: ContextFactory) {
  program
    .command('chat')
    .description('Talk to the bot from the terminal, with the same engine and database as the server')
    .option('--jsonl', 'read {"chat","text"} or {"chat","action"} lines from stdin; print one JSON line per reply')
    .action(async (opts: { jsonl?: boolean }) => {
      const c = ctx();
      const db = await c.database();
      const rt = await createRuntime(c.config, { db, keys: c.keys, log: createLogger({ level: 'silent' }) });
      try {
        if (opts.jsonl) await jsonl(rt.engine);
        else await interactive(rt.engine);
      } finally {
        await rt.close();
      }
    });
}

async function jsonl(engine: import('../../conversation/engine.js').ConversationEngine) {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const raw of rl) {
    if (!raw.trim()) continue;
    let parsed: z.infer<typeof line>;
    try {
      parsed = line.parse(JSON.parse(raw));
    } catch {
      process.stdout.write(JSON.stringify({ error: 'Each line must be JSON like {"chat":"c1","text":"tra cuu"} or {"chat":"c1","action":"menu"}.' }) + '\n');
      continue;
    }
    const replies = await engine.handle({ channel: 'cli', chatId: parsed.chat, text: parsed.text, action: parsed.action });
    for (const r of replies) process.stdout.write(JSON.stringify({ chat: parsed.chat, text: r.text, buttons: r.buttons ?? [] }) + '\n');
  }
}

async function interactive(engine: import('../../conversation/engine.js').ConversationEngine) {
  const chat = `terminal-${process.pid}`;
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: 'bạn> ' });
  let buttons: Reply['buttons'] = [];
  const print = (replies: Reply[]) => {
    for (const r of replies) {
      console.log(`\nbot> ${r.text.replace(/\n/g, '\n     ')}`);
      buttons = r.buttons ?? [];
      if (buttons.length) console.log('     ' + buttons.map((b, i) => `[${i + 1}] ${b.label}`).join('  '));
    }
    console.log('');
  };
  console.log('Gõ tin nhắn, hoặc số của nút để bấm. Ctrl+D để thoát.');
  print(await engine.handle({ channel: 'cli', chatId: chat, action: 'menu' }));
  rl.prompt();
  for await (const text of rl) {
    const n = Number(text.trim());
    const button = Number.isInteger(n) && n >= 1 && buttons && n <= buttons.length ? buttons[n - 1] : undefined;
    print(await engine.handle({ channel: 'cli', chatId: chat, ...(button ? { action: button.action } : { text }) }));
    rl.prompt();
  }
}
