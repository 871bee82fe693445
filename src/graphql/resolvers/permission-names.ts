import type { ResourceType } from '../../authz/permissions.js';
import type { Permission as GraphQLPermission, ResourceType as GraphQLResourceType } from '../generated/resolvers-types.js';

/**
 * The permission API's enums are schema.zed's names in upper case (CREATE_CHILD: create_child,
 * API_KEY: api_key): the one translation, at the resolver boundary. Whether the resource type
 * defines the permission is the service's question (PERMISSION_NOT_DEFINED).
 * tests/unit/permission-enums.test.ts holds the enums to permissions.ts.
 */
export const fromGraphQLPermission = (permission: GraphQLPermission): string => permission.toLowerCase();
export const fromGraphQLResourceType = (type: GraphQLResourceType): ResourceType => type.toLowerCase() as Lowercase<GraphQLResourceType>;
