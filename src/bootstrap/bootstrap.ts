import { daysFromNow, MAX_EXPIRES_IN_DAYS } from '../api-keys/api-key.js';
import { systemActor } from '../events/actor.js';
import { ADVISORY_LOCKS } from '../infra/db/advisory-locks.js';
import type { Logger } from '../logger.js';
import type { Services } from '../services.js';
import { tenantHasAdmin } from '../tenants/tenant-member.repository.js';
import { findTenantByName } from '../tenants/tenant.repository.js';
import { upsertUserFromIdentity } from '../users/user.repository.js';
import { findRootWorkspaces } from '../workspaces/workspace.repository.js';

export const BOOTSTRAP_ISSUER = 'urn:iam-subgraph:bootstrap';

export interface BootstrapOptions {
  tenantName: string;
  adminUsername: string;
}

export interface BootstrapResult {
  tenantId: string;
  rootWorkspaceId: string;
  /** Only when this run created the bootstrap admin; shown once. */
  adminApiKey?: string;
  created: { tenant: boolean; rootWorkspace: boolean; admin: boolean };
  /** False when SpiceDB had not applied the bootstrap's changes when it returned. */
  authorizationSynced: boolean;
}

/**
 * Makes sure the default tenant, its root workspace and (while the tenant has no admin) a bootstrap
 * admin with an API key exist. Idempotent, and safe when several processes start at once: the
 * whole check-then-create runs in one unit of work under the bootstrap advisory lock.
 */
export async function bootstrap(services: Services, options: BootstrapOptions, logger: Logger): Promise<BootstrapResult> {
  const committed = await services.uow.run(
    async (tx) => {
      const created = { tenant: false, rootWorkspace: false, admin: false };
      let tenant = await findTenantByName(tx.trx, options.tenantName);
      let root = tenant ? (await findRootWorkspaces(tx.trx, [tenant.id])).get(tenant.id) : undefined;
      if (!tenant) {
        ({ tenant, root } = await services.tenantCreation.insertWithRoot(tx, { name: options.tenantName, adminUserId: null }));
        created.tenant = created.rootWorkspace = true;
      } else if (!root) {
        root = await services.workspaces.insertRoot(tx, tenant.id);
        created.rootWorkspace = true;
      }
      let adminApiKey: string | undefined;
      if (!(await tenantHasAdmin(tx.trx, tenant.id))) {
        const admin = await upsertUserFromIdentity(tx.trx, {
          issuer: BOOTSTRAP_ISSUER,
          subject: options.adminUsername,
          username: options.adminUsername,
          name: 'Bootstrap admin',
          email: null,
        });
        await services.tenantMembers.insertAdmin(tx, tenant.id, admin.id);
        // The longest lifetime there is: without OIDC this key is the only way in, and keys cannot mint keys.
        const issued = await services.apiKeys.issue(tx, { tenantId: tenant.id, ownerUserId: admin.id, name: 'bootstrap', expiresAt: daysFromNow(MAX_EXPIRES_IN_DAYS) });
        adminApiKey = issued.secret;
        created.admin = true;
      }
      return { tenantId: tenant.id, rootWorkspaceId: root.id, created, ...(adminApiKey ? { adminApiKey } : {}) };
    },
    { by: { actor: systemActor('bootstrap') }, lock: ADVISORY_LOCKS.bootstrap },
  );
  const result = { ...committed.value, authorizationSynced: committed.authorizationSynced };
  logger.info({ event: 'bootstrap_completed', tenantId: result.tenantId, rootWorkspaceId: result.rootWorkspaceId, created: result.created }, 'bootstrap completed');
  return result;
}
