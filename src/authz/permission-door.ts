import type { Principal } from '../auth/principal.js';
import { ref } from '../infra/spicedb/relationships.js';
import type { PermissionOf, Resource, ResourceType } from './permissions.js';
import type { RequestAuthz } from './request-authz.js';

/**
 * The one door for permission checks of a request: every question about what the caller may do
 * goes through `can`, typed by resource type (permissions.ts), so these rules hold everywhere:
 * - an API key acts inside its own tenant only: anything of another tenant is refused unasked;
 * - `view` on a workspace is settled by `administrate` on its tenant when that is true (schema.zed:
 *   `view = … + tenant->administrate`, a plain union, tests/unit/schema-zed.test.ts), asked once per
 *   for the whole tenant (kept until the tenant has a new event) instead of walking the tree in SpiceDB;
 * - questions of the same tick are one CheckBulkPermissions call, answers shared across requests of
 *   a token they still hold at, kept per tenant of the resource (request-authz.ts, answer-cache.ts).
 */
export class PermissionDoor {
  constructor(
    private readonly authz: RequestAuthz,
    private readonly principal: Principal,
  ) {}

  /** Whether the resource lies where the caller may act: an API key's own tenant, anywhere for a user. */
  inScope(tenantId: string): boolean {
    return this.principal.tenantScope === undefined || this.principal.tenantScope === tenantId;
  }

  async can<R extends ResourceType>(resource: Resource<R>, permission: PermissionOf<R>): Promise<boolean> {
    if (!this.inScope(resource.tenantId)) return false;
    if (resource.type === 'workspace' && permission === 'view' && this.authz.inherits(resource.id)) return true;
    // Every question waits for the request's token first, so those of one tick stay one bulk call
    // whichever of them needs the token to decide what to ask (the shortcut below).
    await this.authz.settle();
    if (isWorkspace(resource) && permission === 'view') return this.viewWorkspace(resource);
    return this.authz.can(ref(resource.type, resource.id), resource.tenantId, permission);
  }

  /**
   * `permission` exactly as SpiceDB answers it, without the tenant-admin shortcut (the API key's
   * scope still applies). Only the inherited member list asks this way, for its ancestors: with the
   * shortcut a tenant admin's list would cost one SpiceDB call less than the two that
   * tests/integration/api/round-trips.test.ts asserts, a change of cost left to its own step.
   */
  async canDirectly<R extends ResourceType>(resource: Resource<R>, permission: PermissionOf<R>): Promise<boolean> {
    if (!this.inScope(resource.tenantId)) return false;
    return this.authz.can(ref(resource.type, resource.id), resource.tenantId, permission);
  }

  /** `view`, which every resource type defines. */
  view(resource: Resource): Promise<boolean> {
    return this.can(resource, 'view' as PermissionOf<typeof resource.type>);
  }

  /** Records an answer known without asking (a listing read from the caller's own memberships). */
  prime<R extends ResourceType>(resource: Resource<R>, permission: PermissionOf<R>, allowed: boolean): void {
    this.authz.prime(ref(resource.type, resource.id), resource.tenantId, permission, allowed);
  }

  /** Workspaces the caller views because they view a parent of theirs (schema.zed: view = … + parent->view). */
  inheritView(workspaceIds: Iterable<string>): void {
    this.authz.inheritView(workspaceIds);
  }

  /** After this request's own write: answers given before it may no longer hold. */
  forgetAnswers(): void {
    this.authz.forgetAnswers();
  }

  /** A lookup that began at `startedAt` (performance.now()) found the resource hidden from the caller. */
  noteHidden(startedAt: number): void {
    this.authz.noteHidden(startedAt);
  }

  /** A lookup that began at `startedAt` found no resource: wait as long as a hidden one takes. */
  concealMissing(startedAt: number): Promise<void> {
    return this.authz.concealMissing(startedAt);
  }

  private async viewWorkspace(workspace: Resource<'workspace'>): Promise<boolean> {
    const resource = ref('workspace', workspace.id);
    const tenant = ref('tenant', workspace.tenantId);
    const tenantId = workspace.tenantId;
    const admin = await this.authz.known(tenant, tenantId, 'administrate');
    if (admin === false) return this.authz.can(resource, tenantId, 'view');
    // Unknown yet: both questions in one bulk call.
    const [isAdmin, canView] = await Promise.all([this.authz.can(tenant, tenantId, 'administrate'), admin ? true : this.authz.can(resource, tenantId, 'view')]);
    if (isAdmin) this.authz.prime(resource, tenantId, 'view', true);
    return isAdmin || canView;
  }
}

const isWorkspace = (resource: Resource): resource is Resource<'workspace'> => resource.type === 'workspace';
