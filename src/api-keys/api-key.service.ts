import { authorize, viewable } from '../authz/access.js';
import { apiKeyResource, tenantResource } from '../authz/permissions.js';
import type { Committed, Transaction, UnitOfWork } from '../changes/unit-of-work.js';
import type { Db } from '../infra/db/database.js';
import type { Caller } from '../request/caller.js';
import { BadInputError, ConflictError, ForbiddenError, InternalError, NotFoundError } from '../shared/errors.js';
import { newId, parseId } from '../shared/ids.js';
import { requireId } from '../shared/input.js';
import { validateName } from '../shared/names.js';
import { pageRequest, toPage, type Page, type PageArgs, type Sorted } from '../shared/pagination.js';
import { holdTenantMembership } from '../tenants/tenant-member.repository.js';
import type { TenantService } from '../tenants/tenant.service.js';
import type { Tenant } from '../tenants/tenant.js';
import { userLoaders } from '../users/user.loaders.js';
import type { User } from '../users/user.js';
import { generateApiKeySecret } from './api-key-secret.js';
import { apiKeyLoaders } from './api-key.loaders.js';
import { findApiKeysByIds, insertApiKey, countApiKeys, listApiKeys, revokeApiKeyRow } from './api-key.repository.js';
import { DEFAULT_EXPIRES_IN_DAYS, MAX_EXPIRES_IN_DAYS, MIN_EXPIRES_IN_DAYS, daysFromNow, type ApiKey } from './api-key.js';

export interface IssueApiKeyInput {
  tenantId: string;
  ownerUserId: string;
  name: string;
  expiresAt: Date;
}

export interface IssuedApiKey {
  apiKey: ApiKey;
  /** The only time the full key exists outside its owner's hands: show it once, never store or log it. */
  secret: string;
}

export interface ApiKeyServiceDeps {
  db: Db;
  uow: UnitOfWork;
  tenants: TenantService;
}

type ListArgs = PageArgs & { includeInactive?: boolean | null };

/** A leaked key must not mint its own successors, nor revoke the keys that could replace it. */
function keysCannotManageKeys(caller: Caller): void {
  if (caller.principal.via === 'api_key') {
    throw new ForbiddenError('API keys cannot create or revoke API keys; sign in as a user to manage keys', { reason: 'API_KEY_CANNOT_MANAGE_KEYS' });
  }
}

/** API keys: issuing, listing, revoking. Authentication itself lives in src/auth/authenticate.ts. */
export class ApiKeyService {
  constructor(private readonly deps: ApiKeyServiceDeps) {}

  /**
   * A key the caller may see: its owner or a tenant admin (schema.zed `api_key#view`), and only
   * while they may view its tenant, so someone who left a tenant sees nothing of it.
   */
  async find(caller: Caller, id: string): Promise<ApiKey | null> {
    return this.visible(caller, id, caller.state(apiKeyLoaders).byId.load(id));
  }

  async byReference(caller: Caller, rawId: string): Promise<ApiKey | null> {
    const id = parseId(rawId);
    return id ? this.find(caller, id) : null;
  }

  /** The caller's own keys in the tenant; a tenant admin's list holds every member's keys. */
  async listForTenant(caller: Caller, tenantId: string, args: ListArgs): Promise<Page<Sorted<ApiKey>>> {
    const page = pageRequest(args.first, args.after);
    const admin = await caller.permissions.can(tenantResource(tenantId), 'administrate');
    const ownerUserId = admin ? undefined : caller.principal.userId;
    return this.list(caller, { tenantIds: [tenantId], ownerUserId, activeOnly: !args.includeInactive }, page);
  }

  /**
   * The caller's own keys in every tenant they may view (an API key: in its tenant). A user views
   * the tenants they belong to (schema.zed: tenant view = admin + member), so the page joins their
   * memberships in PostgreSQL: no LookupResources.
   */
  async listForViewer(caller: Caller, args: ListArgs): Promise<Page<Sorted<ApiKey>>> {
    const page = pageRequest(args.first, args.after);
    const scope = caller.principal.tenantScope;
    const userId = caller.principal.userId;
    const tenants = scope ? { tenantIds: [scope] } : { tenantsOfMember: userId };
    return this.list(caller, { ...tenants, ownerUserId: userId, activeOnly: !args.includeInactive }, page);
  }

  /** Whoever can see a key can see whose it is, even after they left the tenant. */
  async owner(caller: Caller, key: ApiKey): Promise<User> {
    const user = await caller.state(userLoaders).byId.load(key.ownerUserId);
    if (!user) throw new NotFoundError('API key owner not found');
    return user;
  }

  /** A key is only ever shown to someone who may view its tenant (see `visible`). */
  async tenantOf(caller: Caller, key: ApiKey): Promise<Tenant> {
    const tenant = await this.deps.tenants.find(caller, key.tenantId);
    if (!tenant) throw new InternalError(`API key ${key.id} was shown without its tenant being visible`);
    return tenant;
  }

  async create(caller: Caller, input: { tenantId: string; name: string; expiresInDays?: number | null }): Promise<Committed<IssuedApiKey>> {
    const tenantId = requireId('tenantId', input.tenantId);
    const name = validateName('name', input.name);
    const days = input.expiresInDays ?? DEFAULT_EXPIRES_IN_DAYS;
    if (!Number.isInteger(days) || days < MIN_EXPIRES_IN_DAYS || days > MAX_EXPIRES_IN_DAYS) {
      throw new BadInputError('expiresInDays', `expiresInDays must be between ${MIN_EXPIRES_IN_DAYS} and ${MAX_EXPIRES_IN_DAYS}`, 'INVALID_EXPIRY');
    }
    if (!(await this.deps.tenants.find(caller, tenantId))) throw new NotFoundError('Tenant not found', { extensions: { field: 'tenantId' } });
    keysCannotManageKeys(caller);
    if (!(await caller.permissions.can(tenantResource(tenantId), 'create_api_key'))) {
      throw new ForbiddenError('You may not create API keys in this tenant', {
        reason: 'MISSING_CREATE_API_KEY_PERMISSION',
        refusal: { resourceType: 'tenant', resourceId: tenantId, tenantId, permission: 'create_api_key' },
      });
    }
    const ownerUserId = caller.principal.userId;
    return this.deps.uow.run(
      async (tx) => {
        // Held until commit: a removal of the owner running meanwhile waits, then revokes this key too.
        if (!(await holdTenantMembership(tx.trx, tenantId, ownerUserId))) throw new NotFoundError('Tenant not found', { extensions: { field: 'tenantId' } });
        return this.issue(tx, { tenantId, ownerUserId, name, expiresAt: daysFromNow(days) });
      },
      { by: caller, tenant: { id: tenantId, lock: 'write' } },
    );
  }

  async revoke(caller: Caller, input: { id: string }): Promise<Committed<ApiKey>> {
    const id = requireId('id', input.id);
    const current = findApiKeysByIds(this.deps.db, [id]).then((found) => found.get(id) ?? null);
    const key = await this.visible(caller, id, current);
    if (!key) throw new NotFoundError('API key not found');
    keysCannotManageKeys(caller);
    await authorize(caller, 'api_key', id, Promise.resolve(key), 'revoke', 'API key');
    return this.deps.uow.run(
      async ({ trx, emit }) => {
        const revoked = await revokeApiKeyRow(trx, id);
        if (!revoked) throw new ConflictError('The API key is already revoked', { reason: 'ALREADY_REVOKED' });
        emit({ type: 'ApiKeyRevoked', tenantId: revoked.tenantId, apiKeyId: id, ownerUserId: revoked.ownerUserId, prefix: revoked.prefix });
        return revoked;
      },
      { by: caller, tenant: { id: key.tenantId, lock: 'write' } },
    );
  }

  /**
   * Creates a key for `ownerUserId` in `tenantId` within the caller's transaction, so it commits
   * with whatever else the caller changes (a bootstrap admin and their key, say). Authorization
   * (`create_api_key`) is the caller's job.
   */
  async issue({ trx, emit }: Transaction, input: IssueApiKeyInput): Promise<IssuedApiKey> {
    const name = validateName('name', input.name);
    if (!(input.expiresAt.getTime() > Date.now())) {
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

  private async visible(caller: Caller, id: string, row: Promise<ApiKey | null>): Promise<ApiKey | null> {
    const key = await viewable(caller, 'api_key', id, row);
    return key && (await this.deps.tenants.find(caller, key.tenantId)) ? key : null;
  }

  private async list(caller: Caller, filter: Parameters<typeof listApiKeys>[1], page: ReturnType<typeof pageRequest>): Promise<Page<Sorted<ApiKey>>> {
    const reads = await caller.reads();
    const found = await listApiKeys(reads, filter, page);
    caller.budget.spend(found.length);
    // Listed keys are keys the caller may view (their own, or an admin's tenant): say so to later checks.
    for (const { node } of found) caller.permissions.prime(apiKeyResource(node), 'view', true);
    return { ...toPage(found.map((item) => ({ ...item, sortKey: item.node.id })), page.first), count: () => countApiKeys(reads, filter) };
  }
}
