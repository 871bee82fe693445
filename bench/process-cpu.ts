import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';

/** CPU time (ms) a process and everything it started consumed so far. */
export interface CpuSample {
  /** The service's own process (with an in-process embedded SpiceDB, that too). */
  serviceMs: number;
  /** Its descendants: the PostgreSQL postmaster and backends. */
  childrenMs: number;
  /** The embedded SpiceDB's own process, when it has one. */
  spicedbMs: number;
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

interface Stat {
  ppid: number;
  /** The embedded SpiceDB's process (src/infra/spicedb/embedded/host.ts). */
  spicedb: boolean;
  /** utime + stime + cutime + cstime (reaped children fold into their parent), in clock ticks. */
  ticks: number;
}

async function readStat(pid: number): Promise<Stat | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!text) return undefined;
  // The command name may contain spaces and parentheses; the fields after the last ')' do not.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const at = (i: number): number => Number(fields[i] ?? 0);
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return { ppid: at(1), spicedb: /embedded[/\\]host\.[jt]s/.test(cmdline), ticks: at(11) + at(12) + at(13) + at(14) };
}

/** undefined where /proc is missing (not Linux): the report then leaves CPU out. */
export async function sampleCpu(pid: number | undefined): Promise<CpuSample | undefined> {
  if (pid === undefined) return undefined;
  const entries = await readdir('/proc').catch(() => undefined);
  if (!entries) return undefined;
  const stats = new Map<number, Stat>();
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (e) => {
        const stat = await readStat(Number(e));
        if (stat) stats.set(Number(e), stat);
      }),
  );
  const own = stats.get(pid);
  if (!own) return undefined;
  let children = 0;
  let spicedb = 0;
  const queue = [pid];
  for (let current = queue.shift(); current !== undefined; current = queue.shift()) {
    for (const [child, stat] of stats) {
      if (stat.ppid !== current) continue;
      if (stat.spicedb) spicedb += stat.ticks;
      else children += stat.ticks;
      queue.push(child);
    }
  }
  const toMs = (ticks: number): number => (ticks * 1000) / clockTicks();
  return { serviceMs: toMs(own.ticks), childrenMs: toMs(children), spicedbMs: toMs(spicedb) };
}

/** CPU spent between two samples. */
export function cpuBetween(before: CpuSample | undefined, after: CpuSample | undefined): CpuSample | undefined {
  if (!before || !after) return undefined;
  return { serviceMs: after.serviceMs - before.serviceMs, childrenMs: after.childrenMs - before.childrenMs, spicedbMs: after.spicedbMs - before.spicedbMs };
}
