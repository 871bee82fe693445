import type { Tx } from '../infra/db/database.js';
import { mapDatabaseError } from '../infra/db/pg-errors.js';
import type { DomainEvent } from '../outbox/events.js';
import { BadInputError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { validateName } from '../shared/names.js';
import type { ApiKey } from './api-key.js';
import { insertApiKey } from './api-key.repository.js';
import { generateApiKeySecret } from './api-key-secret.js';

export interface IssueApiKeyInput {
  tenantId: string;
  ownerUserId: string;
  name: string;
  expiresAt: Date | null;
}

export interface IssuedApiKey {
  apiKey: ApiKey;
  /** The only time the full key exists outside its owner's hands: show it once, never store or log it. */
  secret: string;
  /** For the caller to append to the outbox at the end of its transaction, with its other events. */
  event: DomainEvent;
}

/**
 * Creates a key for `ownerUserId` in `tenantId`. Authorization (create_api_key) is the caller's job;
 * the caller also owns the transaction and the outbox append, so several changes commit as one.
 */
export async function issueApiKey(trx: Tx, input: IssueApiKeyInput): Promise<IssuedApiKey> {
  const name = validateName('name', input.name);
  if (input.expiresAt !== null && !(input.expiresAt.getTime() > Date.now())) {
    throw new BadInputError('expiresAt', 'expiresAt must be a valid time in the future', 'EXPIRY_NOT_IN_FUTURE');
  }
  const generated = generateApiKeySecret();
  let apiKey: ApiKey;
  try {
    apiKey = await insertApiKey(trx, {
      id: newId(),
      tenantId: input.tenantId,
      ownerUserId: input.ownerUserId,
      name,
      prefix: generated.prefix,
      secretSha256: generated.sha256,
      expiresAt: input.expiresAt,
    });
  } catch (error) {
    throw mapDatabaseError(error);
  }
  return {
    apiKey,
    secret: generated.secret,
    event: { type: 'ApiKeyCreated', tenantId: apiKey.tenantId, apiKeyId: apiKey.id, ownerUserId: apiKey.ownerUserId },
  };
}
