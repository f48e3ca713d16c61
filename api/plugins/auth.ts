import type { FastifyReply, FastifyRequest } from 'fastify';
import { hashApiKey, safeEqual } from '../../lib/apiKeys';
import type { Db } from '../../lib/db/createDb';
import { findSourceByKeyHash, type Workspace } from '../../lib/store/workspaces';
import { unauthorized } from '../errors';

/**
 * Who is calling: a source workspace (its API key) or an operator (ADMIN_TOKEN). Checked in onRequest,
 * before the body is even read, so an unauthenticated caller learns nothing about validation.
 */
export type Caller = { kind: 'source'; workspace: Workspace } | { kind: 'admin' };

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

export interface AuthOptions {
  db: Db;
  adminToken: string | undefined;
}

function isAdmin(token: string, adminToken: string | undefined): boolean {
  return adminToken !== undefined && safeEqual(token, adminToken);
}

export function requireAdmin({ adminToken }: AuthOptions) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    if (!adminToken) throw unauthorized('admin API is disabled: ADMIN_TOKEN is not set');
    const token = bearerToken(request);
    if (!token || !isAdmin(token, adminToken)) throw unauthorized('missing or invalid admin token');
    request.caller = { kind: 'admin' };
  };
}

export function requireSource({ db }: AuthOptions) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const token = bearerToken(request);
    if (!token) throw unauthorized('missing Authorization: Bearer <source API key>');
    const workspace = await findSourceByKeyHash(db, hashApiKey(token));
    if (!workspace) throw unauthorized('invalid or disabled source API key');
    request.caller = { kind: 'source', workspace };
  };
}

export function requireSourceOrAdmin(options: AuthOptions) {
  const source = requireSource(options);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const token = bearerToken(request);
    if (token && isAdmin(token, options.adminToken)) {
      request.caller = { kind: 'admin' };
      return;
    }
    await source(request, reply);
  };
}
