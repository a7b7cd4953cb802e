// Used only by `prisma generate` (the Prisma CLI cannot run migrate offline here; see
// scripts/migrate-diff.ts and src/db/migrator.ts). Reads no secret and needs no database.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
