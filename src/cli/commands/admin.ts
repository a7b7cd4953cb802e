import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ContextFactory } from '../main.js';
import { createAdminUser, ROLES } from '../../console/admin-auth.js';
import { audit } from '../../audit/audit.service.js';
import { UserError } from '../../shared/errors.js';

/** Reads a password without echo on a terminal, or the first line of piped input. */
async function readPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) return readFileSync(0, 'utf8').split(/\r?\n/)[0] ?? '';
  process.stderr.write(prompt);
  return new Promise((resolve) => {
    let s = '';
    process.stdin.setRawMode(true);
    process.stdin.resume();
    process.stdin.setEncoding('utf8');
    // A chunk is one key typed, or a whole pasted line ("secret\r"): look at each character.
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          process.stdin.setRawMode(false);
          process.stdin.pause();
          process.stdin.off('data', onData);
          process.stderr.write('\n');
          resolve(s);
          return;
        }
        if (ch === '\u0003') process.exit(130);
        else if (ch === '\u007f') s = s.slice(0, -1);
        else s += ch;
      }
    };
    process.stdin.on('data', onData);
  });
}

export function registerAdmin(program: Command, ctx: ContextFactory) {
  const cmd = program.command('admin').description('Admin console accounts');
  cmd.command('create')
    .description('Create a console account (the first admin, or any other); the password is read from the terminal or standard input, never from the command line')
    .requiredOption('--username <name>', 'user name for signing in')
    .requiredOption('--area <code>', 'area the account sees: province code for admin/province, district or commune code otherwise')
    .option('--name <text>', 'full name shown in the console and the audit log')
    .option('--role <role>', `one of ${ROLES.join(', ')}`, 'admin')
    .action(async (flags: { username: string; area: string; name?: string; role: string }) => {
      const c = ctx();
      const db = await c.database();
      const password = await readPassword('Mật khẩu (ít nhất 10 ký tự): ');
      if (!password) throw new UserError('No password given.', 'Type it at the prompt, or pipe it: echo "…" | npx ansinh admin create …');
      const u = await createAdminUser(db.sql, { username: flags.username, name: flags.name ?? flags.username, password, role: flags.role, areaCode: flags.area, createdBy: 'cli' });
      await audit(db.sql, { action: 'admin_user_create', result: 'ok', actor: 'cli', detail: { username: u.username, role: u.role, area: u.area.code } });
      console.log(`Created ${u.role} account "${u.username}" for ${u.area.name} (${u.area.code}). Sign in at /admin.`);
    });
}
