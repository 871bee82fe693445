import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ChildGateway {
  url: string;
  lines: string[];
  stop(): Promise<number | null>;
}

/** `npm run gateway -- --config <file>` in its own process, as a developer starts it; resolves once it listens. */
export async function startChildGateway(configFile: string, env: Record<string, string> = {}, timeoutMs = 60_000): Promise<ChildGateway> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/gateway.ts', '--config', configFile], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'development', LOG_FORMAT: '', ROUTER_SECRET: '', GATEWAY_PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gateway did not start in ${timeoutMs} ms:\n${lines.join('\n')}`));
    }, timeoutMs);
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      lines.push(...parts);
      if (parts.some((l) => l.includes('"event":"gateway_started"'))) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr.on('data', (chunk: Buffer) => lines.push(`[stderr] ${chunk.toString('utf8')}`));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code} before listening:\n${lines.join('\n')}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    lines,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
