/**
 * Issue 19 on the 11,111 tree: the permission API as a peer service and an access review use it.
 * `checkPermissions` with 100 workspace checks (50 allowed, 50 denied, interleaved) for a member;
 * `accessibleWorkspaces(first: 50)` for a member whose only grant is MEMBER on the root (the whole
 * tree, without being a tenant admin) and for the tenant admin; `accessExplanation` of a leaf for a
 * user who holds EDITOR only through a group, granted three levels up.
 */
import type { Scenario } from './scenarios.js';
import type { SeededTenant } from './seed.js';

const CHECKS_100 = `query CheckPermissions100($checks: [PermissionCheckInput!]!) { checkPermissions(checks: $checks) { resourceId allowed } }`;
const accessible = (name: string): string =>
  `query ${name}($tenantId: ID!) { accessibleWorkspaces(tenantId: $tenantId, permission: VIEW, first: 50) { nodes { id name } pageInfo { hasNextPage endCursor } } }`;
const EXPLANATION = `query AccessExplanationGroup($id: ID!) {
  workspace(id: $id) { accessExplanation(permission: EDIT) { allowed paths { source inherited grantedOn { name } viaGroup { name } } } }
}`;

function expect(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

type AccessiblePage = { accessibleWorkspaces: { nodes: { id: string; name: string }[]; pageInfo: { hasNextPage: boolean } } };

function accessible50(key: string, title: string, operationName: string, credential: 'admin' | 'reader', seed: SeededTenant): Scenario {
  return {
    key,
    title,
    operationName,
    query: accessible(operationName),
    variables: [{ tenantId: seed.tenantId }],
    credential,
    check(data) {
      const page = (data as AccessiblePage).accessibleWorkspaces;
      expect(page.nodes.length === 50 && page.pageInfo.hasNextPage, `expected 50 workspaces and another page, got ${page.nodes.length}`);
      // Tree order: the root, its first child, that child's first child, down to a leaf.
      expect(page.nodes[0]?.id === seed.rootId && page.nodes[1]?.name === 'ws-0' && page.nodes[2]?.name === 'ws-0-0', `not in tree order: ${page.nodes.slice(0, 3).map((n) => n.name).join(', ')}`);
      return `50 of ${seed.workspaces.toLocaleString('en-US')}, in tree order`;
    },
  };
}

export function permissionScenarios(seed: SeededTenant): Scenario[] {
  const allowed = seed.member.leaves.slice(0, 50);
  const grandparent = allowed[0]?.grandparentName;
  const denied = seed.sampleLeaves.filter((l) => l.grandparentName !== grandparent).slice(0, 50);
  expect(allowed.length === 50 && denied.length === 50, 'the tree is too small for 50 allowed and 50 denied checks');
  const checks = allowed.flatMap((a, i) => [a, denied[i]]).map((leaf) => ({ resourceType: 'WORKSPACE', resourceId: leaf?.id, permission: 'VIEW' }));
  return [
    {
      key: 'check-permissions-100',
      title: '`checkPermissions` of 100 workspaces (50 allowed, 50 denied), member',
      operationName: 'CheckPermissions100',
      query: CHECKS_100,
      variables: [{ checks }],
      credential: 'member',
      check(data) {
        const answers = (data as { checkPermissions: { resourceId: string; allowed: boolean }[] }).checkPermissions;
        expect(answers.length === 100, `expected 100 answers, got ${answers.length}`);
        expect(answers.every((a, i) => a.allowed === (i % 2 === 0) && a.resourceId === checks[i]?.resourceId), 'answers out of order or wrong');
        return '100 answers, 50 allowed';
      },
    },
    accessible50('accessible-50-reader', '`accessibleWorkspaces(VIEW, first: 50)`, member with MEMBER on the root (11,111)', 'AccessibleReader', 'reader', seed),
    accessible50('accessible-50-admin', '`accessibleWorkspaces(VIEW, first: 50)`, tenant admin', 'AccessibleAdmin', 'admin', seed),
    {
      key: 'access-explanation-group',
      title: '`accessExplanation(EDIT)` of a leaf, EDITOR through a group three levels up',
      operationName: 'AccessExplanationGroup',
      query: EXPLANATION,
      variables: [{ id: seed.grouped.leafId }],
      credential: 'grouped',
      check(data) {
        const explanation = (data as { workspace: { accessExplanation: { allowed: boolean; paths: { source: string; inherited: boolean; grantedOn: { name: string } | null; viaGroup: { name: string } | null }[] } } }).workspace
          .accessExplanation;
        const [path] = explanation.paths;
        expect(explanation.allowed && explanation.paths.length === 1, `expected one path, got ${JSON.stringify(explanation)}`);
        expect(path?.source === 'EDITOR' && path.inherited && path.grantedOn?.name === seed.grouped.grantName && path.viaGroup?.name === seed.grouped.groupName, `unexpected path ${JSON.stringify(path)}`);
        return `EDITOR on ${seed.grouped.grantName} via ${seed.grouped.groupName}`;
      },
    },
  ];
}
