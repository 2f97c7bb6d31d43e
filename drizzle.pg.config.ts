import { defineConfig } from 'drizzle-kit';

// PostgreSQL migrations, generated from server/db/pg/schema.ts (itself built from server/db/schema.ts)
export default defineConfig({
  dialect: 'postgresql',
  schema: './server/db/pg/schema.ts',
  out: './drizzle-pg',
});
