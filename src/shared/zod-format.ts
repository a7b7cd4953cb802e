import type { z } from 'zod';

/** "groups[2].stages[0].dayUnit: Invalid option ..." for each issue, joined with "; ". */
export function formatZodIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 10)
    .map((i) => {
      const path = i.path.reduce<string>(
        (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
        '',
      );
      return `${path || '(root)'}: ${i.message}`;
    })
    .join('; ') + (issues.length > 10 ? `; … ${issues.length - 10} more` : '');
}
