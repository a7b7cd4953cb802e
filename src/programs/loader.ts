/**
 * Reads program definition files: every *.yaml / *.json in the programs folder. A file with
 * `extends:` is a provincial variant whose groups are added to that program with the
 * province set. A bad file fails with the file, the path inside it and the reason.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { parse } from 'yaml';
import { UserError } from '../shared/errors.js';
import { formatZodIssues } from '../shared/zod-format.js';
import { programSchema, variantSchema, type ProgramDefinition, type VariantDefinition } from './definition.js';

export interface LoadedProgram extends ProgramDefinition {
  /** Files the definition came from (the base file first). */
  files: string[];
}

function readRaw(file: string): unknown {
  const text = readFileSync(file, 'utf8');
  try {
    return file.endsWith('.json') ? JSON.parse(text) : parse(text);
  } catch (e) {
    throw new UserError(`${display(file)}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'} (${(e as Error).message.split('\n')[0]}).`, 'Fix the file and run again.');
  }
}

function display(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

export function loadProgramDefinitions(dir: string): LoadedProgram[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /\.(ya?ml|json)$/.test(n)).sort();
  } catch {
    throw new UserError(`The programs folder ${dir} cannot be read.`, 'Set ANSINH_PROGRAMS_DIR to the folder of program files.');
  }
  const bases = new Map<string, LoadedProgram>();
  const variants: { file: string; v: VariantDefinition }[] = [];
  for (const name of names) {
    const file = join(dir, name);
    const raw = readRaw(file);
    if (raw && typeof raw === 'object' && 'extends' in raw) {
      const parsed = variantSchema.safeParse(raw);
      if (!parsed.success) throw new UserError(`${display(file)}: ${formatZodIssues(parsed.error.issues)}`, 'Fix the file and run again.');
      variants.push({ file, v: parsed.data });
      continue;
    }
    const parsed = programSchema.safeParse(raw);
    if (!parsed.success) throw new UserError(`${display(file)}: ${formatZodIssues(parsed.error.issues)}`, 'Fix the file and run again.');
    if (bases.has(parsed.data.code)) throw new UserError(`${display(file)}: program ${parsed.data.code} is defined twice.`);
    bases.set(parsed.data.code, { ...parsed.data, files: [file] });
  }
  for (const { file, v } of variants) {
    const base = bases.get(v.extends);
    if (!base) throw new UserError(`${display(file)}: extends: unknown program "${v.extends}".`, `Known: ${[...bases.keys()].join(', ') || 'none'}.`);
    for (const q of Object.keys(v.questions)) {
      if (base.questions[q] && JSON.stringify(base.questions[q]) !== JSON.stringify(v.questions[q])) {
        throw new UserError(`${display(file)}: questions.${q}: already defined differently in ${basename(base.files[0]!)}.`, 'Give the question another id.');
      }
    }
    const { files, ...baseDef } = base;
    const merged = {
      ...baseDef,
      legalBasis: [...base.legalBasis, ...v.legalBasis],
      questions: { ...base.questions, ...v.questions },
      groups: [...base.groups, ...v.groups.map((g) => ({ ...g, province: v.province }))],
      unverified: [...base.unverified, ...v.unverified.map((u) => `${v.province}: ${u}`)],
    };
    const check = programSchema.safeParse(merged);
    if (!check.success) throw new UserError(`${display(file)}: ${formatZodIssues(check.error.issues)}`, 'Fix the file and run again.');
    bases.set(base.code, { ...check.data, files: [...files, file] });
  }
  return [...bases.values()];
}
