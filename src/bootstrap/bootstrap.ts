import { sql } from 'kysely';
import { issueApiKey } from '../api-keys/api-key.service.js';
import type { Db } from '../infra/db/database.js';
import type { Logger } from '../logger.js';
import { tenantHasAdmin } from '../memberships/membership.repository.js';
import type { DomainEvent } from '../outbox/events.js';
import { appendEvents } from '../outbox/outbox.repository.js';
import { findTenantByName } from '../tenants/tenant.repository.js';
import { grantTenantAdmin, insertTenantWithRoot } from '../tenants/tenant.service.js';
import { upsertUserFromIdentity } from '../users/user.repository.js';
import { findRootWorkspaces, insertWorkspace } from '../workspaces/workspace.repository.js';
import { newId } from '../shared/ids.js';

// Serialises bootstrap across processes that start at the same time against one database.
const BOOTSTRAP_LOCK_KEY = 4_201_190_004;
export const BOOTSTRAP_ISSUER = 'urn:iam-subgraph:bootstrap';

export interface BootstrapOptions {
  tenantName: string;
  workspaceName: string;
  adminUsername: string;
}

export interface BootstrapResult {
  tenantId: string;
  rootWorkspaceId: string;
  /** Only when this run created the bootstrap admin; shown once. */
  adminApiKey?: string;
  created: { tenant: boolean; rootWorkspace: boolean; admin: boolean };
  /** The outbox events this run wrote; the caller waits for them before serving. */
  outboxSeqs: string[];
}

/**
 * Makes sure the default tenant, its root workspace and (while the tenant has no admin) a bootstrap
 * admin with an API key exist. Idempotent, and safe when several processes start at once: the
 * whole check-then-create runs under one transaction-level advisory lock.
 */
export async function bootstrap(db: Db, options: BootstrapOptions, logger: Logger): Promise<BootstrapResult> {
  const result = await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${BOOTSTRAP_LOCK_KEY})`.execute(trx);
    const events: DomainEvent[] = [];
    const emit = (event: DomainEvent): void => void events.push(event);
    const created = { tenant: false, rootWorkspace: false, admin: false };

    let tenant = await findTenantByName(trx, options.tenantName);
    let root = tenant ? (await findRootWorkspaces(trx, [tenant.id])).get(tenant.id) : undefined;
    if (!tenant) {
      ({ tenant, root } = await insertTenantWithRoot(trx, emit, { name: options.tenantName, rootName: options.workspaceName, adminUserId: null }));
      created.tenant = created.rootWorkspace = true;
    } else if (!root) {
      root = await insertWorkspace(trx, { id: newId(), tenantId: tenant.id, parentId: null, name: options.workspaceName, depth: 0 });
      emit({ type: 'WorkspaceCreated', tenantId: tenant.id, workspaceId: root.id, parentId: null, name: root.name });
      created.rootWorkspace = true;
    }
    if (!root) throw new Error('bootstrap: root workspace missing after creation');

    let adminApiKey: string | undefined;
    if (!(await tenantHasAdmin(trx, tenant.id))) {
      const admin = await upsertUserFromIdentity(trx, {
        issuer: BOOTSTRAP_ISSUER,
        subject: options.adminUsername,
        username: options.adminUsername,
        name: 'Bootstrap admin',
        email: null,
      });
      await grantTenantAdmin(trx, emit, tenant.id, root.id, admin.id);
      const issued = await issueApiKey(trx, { tenantId: tenant.id, ownerUserId: admin.id, name: `bootstrap ${new Date().toISOString()}`, expiresAt: null });
      emit(issued.event);
      adminApiKey = issued.secret;
      created.admin = true;
    }
    const outboxSeqs = await appendEvents(trx, events);
    return { tenantId: tenant.id, rootWorkspaceId: root.id, created, outboxSeqs, ...(adminApiKey ? { adminApiKey } : {}) };
  });
  logger.info({ event: 'bootstrap_completed', tenantId: result.tenantId, rootWorkspaceId: result.rootWorkspaceId, created: result.created }, 'bootstrap completed');
  return result;
}
