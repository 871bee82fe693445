import { v1 } from '@authzed/authzed-node';
import { countSpiceDb } from '../../shared/request-counters.js';
import {
  fromRelationship,
  toObjectReference,
  toRelationshipUpdate,
  toSubjectReference,
  type ObjectRef,
  type SubjectRef,
  type Tuple,
  type TupleUpdate,
} from './relationships.js';
import { SpiceDbConnectionLostError, SpiceDbDatastoreTimeoutError, toSpiceDbError, type SpiceDbError } from './spicedb-errors.js';
import { clientTransport, type SpiceDbTransport, type ZedClients } from './transport.js';

export type { ZedClients } from './transport.js';

export interface CheckItem {
  resource: ObjectRef;
  permission: string;
  subject: SubjectRef;
}

export interface RelationshipFilter {
  resourceType: string;
  resourceId?: string;
  relation?: string;
  subject?: SubjectRef;
}

/**
 * How many more times a call runs after landing on a datastore connection PostgreSQL had closed.
 * Each failure makes SpiceDB drop one dead connection (its pool pings only those idle over 1 s), so
 * after a mass termination a call may meet as many of them in a row as its pool holds (SpiceDB's
 * defaults: 20 for reads, 10 for writes); each attempt fails in under a millisecond. A datastore
 * that is really down fails differently (connection refused) and is not retried.
 */
const LOST_CONNECTION_RETRIES = 32;
/** After a datastore socket timeout: once, on another connection (SpiceDbDatastoreTimeoutError). */
const DATASTORE_TIMEOUT_RETRIES = 1;

function retriesFor(error: SpiceDbError): number {
  if (error instanceof SpiceDbConnectionLostError) return LOST_CONNECTION_RETRIES;
  if (error instanceof SpiceDbDatastoreTimeoutError) return DATASTORE_TIMEOUT_RETRIES;
  return 0;
}

function consistency(zedToken: string | null | undefined): v1.Consistency {
  // Without a token we have never written anything we must see; the newest snapshot is the safe choice.
  return zedToken
    ? v1.Consistency.create({ requirement: { oneofKind: 'atLeastAsFresh', atLeastAsFresh: v1.ZedToken.create({ token: zedToken }) } })
    : v1.Consistency.create({ requirement: { oneofKind: 'fullyConsistent', fullyConsistent: true } });
}

/**
 * The only door to SpiceDB. Every call is counted (per request) and every failure is mapped to a
 * SpiceDbError once, here. Embedded and remote SpiceDB use the same `v1` client interface.
 */
export class SpiceDb {
  private readonly transport: SpiceDbTransport;

  constructor(clients: ZedClients | SpiceDbTransport) {
    this.transport = 'permissions' in clients ? clientTransport(clients) : clients;
  }

  /**
   * Every call we make is idempotent (reads, and writes of TOUCH and DELETE only, without
   * preconditions), so running one again after a lost datastore connection is safe.
   */
  private async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    countSpiceDb();
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await fn();
      } catch (error) {
        const mapped = toSpiceDbError(error, operation);
        if (attempt >= retriesFor(mapped)) throw mapped;
      }
    }
  }

  async writeSchema(schema: string): Promise<void> {
    await this.call('WriteSchema', () => this.transport.writeSchema(v1.WriteSchemaRequest.create({ schema })));
  }

  async readSchema(): Promise<string> {
    const response = await this.call('ReadSchema', () => this.transport.readSchema(v1.ReadSchemaRequest.create({})));
    return response.schemaText;
  }

  /** Applies all updates atomically in one WriteRelationships call; returns the ZedToken of the write. */
  async write(updates: TupleUpdate[]): Promise<string> {
    const response = await this.call('WriteRelationships', () =>
      this.transport.writeRelationships(
        v1.WriteRelationshipsRequest.create({ updates: updates.map(toRelationshipUpdate) }),
      ),
    );
    const token = response.writtenAt?.token;
    if (!token) throw toSpiceDbError(new Error('WriteRelationships returned no ZedToken'), 'WriteRelationships');
    return token;
  }

  /** One CheckBulkPermissions call for any number of checks; answers in input order. */
  async checkBulk(items: readonly CheckItem[], zedToken: string | null): Promise<boolean[]> {
    if (items.length === 0) return [];
    return this.call('CheckBulkPermissions', async () => {
      const response = await this.transport.checkBulkPermissions(
        v1.CheckBulkPermissionsRequest.create({
          consistency: consistency(zedToken),
          items: items.map((item) =>
            v1.CheckBulkPermissionsRequestItem.create({
              resource: toObjectReference(item.resource),
              permission: item.permission,
              subject: toSubjectReference(item.subject),
            }),
          ),
        }),
      );
      // An item's own error (e.g. its datastore read failed) counts as the call's, so it is retried alike.
      return response.pairs.map((pair, index) => {
        if (pair.response.oneofKind === 'error') {
          throw toSpiceDbError(new Error(pair.response.error.message), `CheckBulkPermissions item ${index}`);
        }
        return (
          pair.response.oneofKind === 'item' &&
          pair.response.item.permissionship === v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION
        );
      });
    });
  }

  /**
   * Every resource of a type the subject holds `permission` on. Unbounded, so no request calls it:
   * listings are computed from PostgreSQL (docs/architecture.md, "Listings"); tests compare them with it.
   */
  async lookupResources(resourceType: string, permission: string, subject: SubjectRef, zedToken: string | null): Promise<string[]> {
    const responses = await this.call('LookupResources', () =>
      this.transport.lookupResources(
        v1.LookupResourcesRequest.create({
          consistency: consistency(zedToken),
          resourceObjectType: resourceType,
          permission,
          subject: toSubjectReference(subject),
        }),
      ),
    );
    return responses
      .filter((r) => r.permissionship === v1.LookupPermissionship.HAS_PERMISSION)
      .map((r) => r.resourceObjectId);
  }

  async readRelationships(filter: RelationshipFilter, zedToken: string | null): Promise<Tuple[]> {
    const responses = await this.call('ReadRelationships', () =>
      this.transport.readRelationships(
        v1.ReadRelationshipsRequest.create({
          consistency: consistency(zedToken),
          relationshipFilter: v1.RelationshipFilter.create({
            resourceType: filter.resourceType,
            ...(filter.resourceId ? { optionalResourceId: filter.resourceId } : {}),
            ...(filter.relation ? { optionalRelation: filter.relation } : {}),
            ...(filter.subject
              ? {
                  optionalSubjectFilter: v1.SubjectFilter.create({
                    subjectType: filter.subject.type,
                    optionalSubjectId: filter.subject.id,
                    ...(filter.subject.relation
                      ? { optionalRelation: v1.SubjectFilter_RelationFilter.create({ relation: filter.subject.relation }) }
                      : {}),
                  }),
                }
              : {}),
          }),
        }),
      ),
    );
    return responses.flatMap((r) => (r.relationship ? [fromRelationship(r.relationship)] : []));
  }

  close(): void {
    this.transport.close();
  }
}
