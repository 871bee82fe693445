import type { Transaction } from '../infra/db/unit-of-work.js';
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
}

/** API keys: issuing now; listing and revocation arrive with their API. */
export class ApiKeyService {
  /**
   * Creates a key for `ownerUserId` in `tenantId` within the caller's transaction, so it commits
   * with whatever else the caller changes (a bootstrap admin and their key, say). Authorization
   * (`create_api_key`) is the caller's job.
   */
  async issue({ trx, emit }: Transaction, input: IssueApiKeyInput): Promise<IssuedApiKey> {
    const name = validateName('name', input.name);
    if (input.expiresAt !== null && !(input.expiresAt.getTime() > Date.now())) {
      throw new BadInputError('expiresAt', 'expiresAt must be a valid time in the future', 'EXPIRY_NOT_IN_FUTURE');
    }
    const generated = generateApiKeySecret();
    const apiKey = await insertApiKey(trx, {
      id: newId(),
      tenantId: input.tenantId,
      ownerUserId: input.ownerUserId,
      name,
      prefix: generated.prefix,
      secretSha256: generated.sha256,
      expiresAt: input.expiresAt,
    });
    emit({ type: 'ApiKeyCreated', tenantId: apiKey.tenantId, apiKeyId: apiKey.id, ownerUserId: apiKey.ownerUserId });
    return { apiKey, secret: generated.secret };
  }
}
