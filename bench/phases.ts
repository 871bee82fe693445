/**
 * The bench's phases, each a run of the service on one tenant; BENCH_PHASES picks some (comma
 * separated, default all), so a change can be measured without the rest. BENCH_LARGE=0 drops the
 * 111,111-workspace phases.
 */
export const PHASES = {
  /** 11,111 workspaces, as deployed: the ceilings, parent walk, List50, Children3; then the outbox relay. */
  main: '11,111 workspaces',
  /** 11,111 workspaces, answer cache off: a trivial request under check load, cold parent walks. */
  cold: '11,111 workspaces, answer cache off',
  /** 111,111 workspaces, answer cache off: cold parent walks, then the reconcile and a restart. */
  'large-cold': '111,111 workspaces, answer cache off',
  /** 111,111 workspaces, as deployed: List50 by the tenant admin and by a member with a depth-1 grant. */
  'large-lists': '111,111 workspaces, as deployed',
  /** 11,111 workspaces, as deployed: descendants from the root, a breadcrumb, moves of 111 and 1,111 nodes (bench/navigation.ts). */
  navigation: '11,111 workspaces: descendants, breadcrumb, moves',
  /** 11,111 workspaces, as deployed: checkPermissions of 100, accessibleWorkspaces for a member and an admin, accessExplanation (bench/permissions.ts). */
  permissions: '11,111 workspaces: the permission API',
  /** A service of its own: createWorkspace and grantWorkspaceRole at concurrency 1 and 16 (bench/mutations.ts). */
  mutations: 'mutations, concurrency 1 and 16',
  /** 11,111 workspaces, as deployed: Parent2 and List50 beside the ceiling while one connection grants and revokes (bench/writes.ts). */
  writes: '11,111 workspaces: reads while another connection writes',
  /** Issue 21: 10,000 members and 500 groups on the 11,111 tree; searches, a group's members, walks warm and cold (bench/people.ts). */
  people: '11,111 workspaces, 10,000 members, 500 groups',
} as const;

export type Phase = keyof typeof PHASES;

const isPhase = (name: string): name is Phase => Object.hasOwn(PHASES, name);

export function selectedPhases(env: NodeJS.ProcessEnv = process.env): Set<Phase> {
  const raw = env.BENCH_PHASES?.trim();
  const names = raw ? raw.split(',').map((n) => n.trim()) : Object.keys(PHASES);
  const unknown = names.filter((n) => !isPhase(n));
  if (unknown.length > 0) throw new Error(`BENCH_PHASES: unknown phase ${unknown.join(', ')}; known: ${Object.keys(PHASES).join(', ')}`);
  const phases = new Set(names.filter(isPhase));
  if (env.BENCH_LARGE === '0') for (const p of ['large-cold', 'large-lists'] as const) phases.delete(p);
  return phases;
}
