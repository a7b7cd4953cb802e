import type { Command } from 'commander';
import type { ContextFactory } from '../main.js';
import { createApiKey, listApiKeys, revokeApiKey } from '../../api/api-keys.js';
import { formatDateTimeVi } from '../../calendar/local-date.js';

/** `ansinh apikey create | list | revoke`: keys of the integration API (/api/v1). */
export function registerApiKey(program: Command, ctx: ContextFactory) {
  const cmd = program.command('apikey').description('API keys of the integration API (/api/v1), each limited to one area');
  cmd.command('create')
    .description('Create a key for a provincial system; the key is printed once and never stored in clear')
    .requiredOption('--name <name>', 'who uses it, e.g. "Long An provincial system"')
    .requiredOption('--area <code>', 'pre-2025 area code the key is limited to: province (80), district (794) or commune (27694)')
    .option('--scope <scope>', 'read (reports) or write (also stages and bulk upsert)', 'read')
    .action(async (flags: { name: string; area: string; scope: string }) => {
      const db = await ctx().database();
      const k = await createApiKey(db.sql, { name: flags.name, areaCode: flags.area, scope: flags.scope, createdBy: 'cli' });
      console.log(`API key ${k.prefix} (${k.scope}) for ${k.area.name} (${k.area.code}):`);
      console.log('');
      console.log(`  ${k.key}`);
      console.log('');
      console.log('Store it now: it is NOT shown again (only its hash is kept). Send it as "Authorization: Bearer <key>".');
      console.log(`Revoke it with: ansinh apikey revoke ${k.prefix}`);
    });
  cmd.command('list')
    .description('List keys: prefix, name, area, scope, created, last used, revoked (never the key)')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const db = await ctx().database();
      const keys = await listApiKeys(db.sql);
      if (flags.json) return console.log(JSON.stringify(keys, null, 2));
      if (keys.length === 0) return console.log('No API keys yet. Create one: ansinh apikey create --name <name> --area <code> [--scope write]');
      const when = (d: Date | null) => (d ? formatDateTimeVi(d) : '-');
      for (const k of keys) {
        console.log(`${k.prefix}  ${k.name.slice(0, 30).padEnd(30)}  ${`${k.area.name} (${k.area.code})`.padEnd(32)}  ${k.scope.padEnd(5)}  created ${when(k.createdAt)}  last used ${when(k.lastUsedAt)}${k.revokedAt ? `  REVOKED ${when(k.revokedAt)}` : ''}`);
      }
    });
  cmd.command('revoke')
    .description('Revoke a key: requests with it get 401 from now on')
    .argument('<prefix>', 'the key prefix shown by `apikey list` (ak_xxxxxxxx)')
    .action(async (prefix: string) => {
      const db = await ctx().database();
      const r = await revokeApiKey(db.sql, prefix);
      console.log(r.alreadyRevoked ? `Key ${r.prefix} (${r.name}) was already revoked; nothing changed.` : `Key ${r.prefix} (${r.name}) revoked.`);
    });
}
