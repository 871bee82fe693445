import type { FastifyInstance } from 'fastify';

/** Placeholder until the offline GraphiQL page lands: serves nothing. */
export async function registerGraphiQL(_app: FastifyInstance, _endpoint: string): Promise<void> {}
