/**
 * Issue 21's goal lines that come from the phases' scenarios (goal 3: cold parent walks against the
 * ceiling of the same run of the service; goal 5: people at scale, bench/people.ts). Goal 4's line
 * comes with the mutations table (mutations.ts).
 */
import { PHASES } from './phases.js';
import type { ScenarioResult } from './measure.js';
import type { BenchResult } from './report.js';

const share = (s: ScenarioResult | undefined, c: ScenarioResult | undefined): number =>
  s && c ? (100 * s.load.requestsPerSecond) / c.load.requestsPerSecond : Number.NaN;
const pct = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(1)} %` : 'n/a');

export function issue21GoalLines(result: BenchResult): string[] {
  const lines: string[] = [];
  const find = (op: string, phase: string): ScenarioResult | undefined => result.scenarios.find((s) => s.operationName === op && s.phase === phase);
  for (const phase of [PHASES.cold, PHASES['large-cold']]) {
    const c = find('Ceiling', phase);
    const admin = find('Parent2ColdAdmin', phase);
    const member = find('Parent2ColdMember', phase);
    if (!c || (!admin && !member)) continue;
    const part = (label: string, s: ScenarioResult | undefined): string =>
      s ? `${label} ${s.load.requestsPerSecond.toFixed(1)} req/s = ${pct(share(s, c))} (SpiceDB calls ${s.log.spicedb.max}/req)` : `${label} n/a`;
    const met = [admin, member].every((s) => share(s, c) >= 10);
    lines.push(
      `Issue 21 goal 3. ${phase}: cold parent walks against \`{ __typename }\` with an API key (${c.load.requestsPerSecond.toFixed(0)} req/s, load ${c.loadAverage.toFixed(1)}): ` +
        `${part('tenant admin', admin)}, ${part('member', member)} (goal: ≥ 10 % each: ${met ? 'met' : 'not met'}).`,
    );
  }
  const people = result.scenarios.filter((s) => s.phase === PHASES.people);
  const c = people.find((s) => s.operationName === 'Ceiling');
  if (c) {
    const warm = people.filter((s) => s.operationName !== 'Ceiling' && !s.operationName.endsWith('Cold'));
    const each = warm.map((s) => `${s.operationName} ${s.load.requestsPerSecond.toFixed(0)} req/s = ${pct(share(s, c))}`).join('; ');
    const grouped = people.find((s) => s.operationName === 'PeopleGroupedCold');
    const direct = people.find((s) => s.operationName === 'PeopleDirectCold');
    const cpu = (s: ScenarioResult | undefined): number => (s?.cpuMsPerRequest ? s.cpuMsPerRequest.serviceMs + s.cpuMsPerRequest.childrenMs + s.cpuMsPerRequest.spicedbMs : Number.NaN);
    const ratio = cpu(grouped) / cpu(direct);
    lines.push(
      `Issue 21 goal 5. People at scale against \`{ __typename }\` with an API key (${c.load.requestsPerSecond.toFixed(0)} req/s, load ${c.loadAverage.toFixed(1)}), warm: ${each} ` +
        `(goal: ≥ 50 % each: ${warm.every((s) => share(s, c) >= 50) ? 'met' : 'not met'}); cold check of the user in 50 groups ${cpu(grouped).toFixed(2)} CPU ms/req against ${cpu(direct).toFixed(2)} for a directly granted user, × ${ratio.toFixed(2)} ` +
        `(${grouped?.load.requestsPerSecond.toFixed(1)} vs ${direct?.load.requestsPerSecond.toFixed(1)} req/s; goal: ≤ × 1.5: ${ratio <= 1.5 ? 'met' : 'not met'}).`,
    );
  }
  return lines;
}
