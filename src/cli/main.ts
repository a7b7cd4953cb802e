/**
 * `ansinh` command line. Every command has --help; a user error prints one line and exits 1.
 * Commands live in ./commands, one file per topic.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.js';
import { UserError } from '../shared/errors.js';
import { CliContext } from './context.js';
import { registerDb } from './commands/db.js';
import { registerPrograms } from './commands/programs.js';
import { registerAreas } from './commands/areas.js';
import { registerCalendar } from './commands/calendar.js';
import { registerSeed } from './commands/seed.js';
import { registerDemo } from './commands/demo.js';
import { registerChat } from './commands/chat.js';
import { registerServe } from './commands/serve.js';
import { registerEntitlement } from './commands/entitlement.js';
import { registerOfficer } from './commands/officer.js';
import { registerImport } from './commands/import.js';
import { registerAdmin } from './commands/admin.js';
import { registerReport } from './commands/report.js';
import { registerApiKey } from './commands/apikey.js';

export type ContextFactory = () => CliContext;

/** Builds the command tree; `output` redirects help and errors (tests). */
export function buildCli(ctx: ContextFactory, output?: { writeOut(s: string): void; writeErr(s: string): void }): Command {
  const program = new Command('ansinh');
  if (output) program.configureOutput(output);
  program
    .description('ansinh: social-support status, eligibility and officer alerts for a Vietnamese province')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerDemo(program, ctx);
  registerServe(program, ctx);
  registerChat(program, ctx);
  registerEntitlement(program, ctx);
  registerOfficer(program, ctx);
  registerImport(program, ctx);
  registerAdmin(program, ctx);
  registerReport(program, ctx);
  registerApiKey(program, ctx);
  registerDb(program, ctx);
  registerPrograms(program, ctx);
  registerAreas(program, ctx);
  registerCalendar(program, ctx);
  registerSeed(program, ctx);
  for (const c of program.commands) c.exitOverride();
  return program;
}

/** Turns any failure into one line on stderr and an exit code. */
export function describeFailure(e: unknown, debug: boolean): { line: string; code: number } {
  if (e instanceof UserError) return { line: `ansinh: ${e.toLine()}`, code: 1 };
  if (e instanceof ConfigError) return { line: `ansinh: ${e.message}. Fix the environment (see README, Configuration).`, code: 1 };
  if (e instanceof CommanderError) return { line: '', code: e.exitCode };
  const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
  return { line: `ansinh: unexpected error: ${msg}${debug ? `\n${(e as Error).stack}` : ' (LOG_LEVEL=debug shows details)'}`, code: 1 };
}

export async function runCli(argv: string[]): Promise<number> {
  let context: CliContext | undefined;
  const factory: ContextFactory = () => (context ??= new CliContext());
  const cli = buildCli(factory);
  try {
    await cli.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    const level = safeLevel(() => context?.config.logLevel);
    const { line, code } = describeFailure(e, level === 'debug' || level === 'trace');
    if (line) process.stderr.write(line + '\n');
    return code;
  } finally {
    await context?.close().catch(() => {});
  }
}

function safeLevel(f: () => string | undefined): string | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
