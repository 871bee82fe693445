import { creatorRootGrantsMigration } from './creator-root-grants-migration.js';
import type { CodeMigration } from './migrator.js';
import { nameKeysMigration } from './name-keys-migration.js';
import { userKeysMigration } from './user-keys-migration.js';

/**
 * Migrations written in TypeScript, applied in name order together with migrations/*.sql. The two
 * kinds share one numbering: the next migration of either kind takes the next free number (0007…).
 */
export const CODE_MIGRATIONS: readonly CodeMigration[] = [nameKeysMigration, userKeysMigration, creatorRootGrantsMigration];
