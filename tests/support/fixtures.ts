import { daysFromNow } from '../../src/api-keys/api-key.js';
import type { TenantRole, WorkspaceRole } from '../../src/events/roles.js';
import { insertTenantMember } from '../../src/tenants/tenant-member.repository.js';
import { insertGrant } from '../../src/workspaces/workspace-member.repository.js';
import { upsertUserFromIdentity } from '../../src/users/user.repository.js';
import type { TestServer } from './server.js';
import { TEST_SETUP } from './services.js';

export interface Member {
  userId: string;
  username: string;
  apiKey: string;
  headers: Record<string, string>;
}

/** Resolves once the relay has applied every outbox event written so far. */
export async function outboxSettled(server: TestServer, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await server.database.pool.query<{ n: string }>(`SELECT count(*) AS n FROM outbox WHERE status = 'pending'`);
    if (rows[0]?.n === '0') return;
    if (Date.now() > deadline) throw new Error('outbox did not settle');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A user who belongs to `tenantId` with `tenantRole` and holds the given workspace roles, plus an
 * API key of theirs. Uses the service's unit of work and repositories, then waits for SpiceDB.
 * A shortcut for tests about other things; access management itself is tested through its API (tests/support/access.ts).
 */
export async function createMember(
  server: TestServer,
  input: { tenantId: string; username: string; tenantRole?: TenantRole; workspaceRoles?: { workspaceId: string; role: WorkspaceRole }[] },
): Promise<Member> {
  const { services } = server.runtime;
  const { value: result } = await services.uow.run(async (tx) => {
    const user = await upsertUserFromIdentity(tx.trx, { issuer: 'https://fixtures.test', subject: input.username, username: input.username, name: null, email: null });
    const tenantRole = input.tenantRole ?? 'member';
    await insertTenantMember(tx.trx, input.tenantId, user.id, tenantRole);
    tx.emit({ type: 'TenantMemberAdded', tenantId: input.tenantId, userId: user.id, role: tenantRole });
    for (const grant of input.workspaceRoles ?? []) {
      const subject = { type: 'user' as const, id: user.id };
      await insertGrant(tx.trx, grant.workspaceId, subject, grant.role);
      tx.emit({ type: 'WorkspaceMemberAdded', tenantId: input.tenantId, workspaceId: grant.workspaceId, subject, role: grant.role });
    }
    const key = await services.apiKeys.issue(tx, { tenantId: input.tenantId, ownerUserId: user.id, name: 'fixture', expiresAt: daysFromNow(30) });
    return { userId: user.id, apiKey: key.secret };
  }, TEST_SETUP);
  await outboxSettled(server);
  return { ...result, username: input.username, headers: { 'x-api-key': result.apiKey } };
}
