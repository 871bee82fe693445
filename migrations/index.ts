import { fileURLToPath } from 'node:url';
import type { MigrationSet } from '../src/infra/db/migrator.js';
import { nameKeysMigration } from './0002_name_keys.js';
import { userKeysMigration } from './0004_user_keys.js';
import { creatorRootGrantsMigration } from './0006_creator_root_grants.js';

/**
 * Every migration of the service: the SQL files of this folder and the code migrations beside
 * them, one number each (the next of either kind takes the next free number: 0007…). Whoever runs
 * the migrator hands it this set (runtime, `npm run migrate`, tests, the bench seed).
 */
export const MIGRATIONS: MigrationSet = {
  dir: fileURLToPath(new URL('./', import.meta.url)),
  code: [nameKeysMigration, userKeysMigration, creatorRootGrantsMigration],
  // Released, and applied in the field, before numbers were checked: renaming them would run them again.
  sharedNumbers: ['0003_api_key_expiry.sql', '0003_membership_indexes.sql', '0003_spicedb_datastore_identity.sql'],
};
