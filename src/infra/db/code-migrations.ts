import type { CodeMigration } from './migrator.js';

/**
 * Migrations written in TypeScript, applied in name order together with migrations/*.sql. The two
 * kinds share one numbering: the next migration of either kind takes the next free number (0002…).
 */
export const CODE_MIGRATIONS: readonly CodeMigration[] = [];
