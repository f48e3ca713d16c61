import type { FastifyInstance } from 'fastify';

/**
 * Which methods the app serves at a concrete path, so that a known path asked with a method it does not
 * serve (PUT /api/leads/route, DELETE /api/leads/:id) is answered 405 with `Allow` (RFC 9110 §15.5.6)
 * rather than a 404 that says the path does not exist.
 */
export interface RouteMethods {
  /** The methods of every route whose pattern matches `path` (no query string; one trailing slash ignored), sorted; [] when none. */
  allowedAt(path: string): string[];
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A Fastify route pattern as a regular expression over concrete paths: `:name` is one path segment, `*`
 * anything. The app's patterns use only these two forms (find-my-way's regex params are not used).
 */
export function patternToRegExp(url: string): RegExp {
  const source = url
    .split(/(:[A-Za-z0-9_]+|\*)/)
    .map((part) => (part === '*' ? '.*' : part.startsWith(':') ? '[^/]+' : escapeRegExp(part)))
    .join('');
  return new RegExp(`^${source}$`);
}

/**
 * Records every route added to `app` after this call (an onRoute hook: call it before the routes are
 * registered). HEAD is listed wherever GET is: Fastify answers HEAD for every GET route.
 */
export function collectRouteMethods(app: FastifyInstance): RouteMethods {
  const routes: Array<{ pattern: RegExp; methods: string[] }> = [];
  app.addHook('onRoute', (route) => {
    const methods = ([] as string[]).concat(route.method);
    routes.push({ pattern: patternToRegExp(route.url), methods: methods.includes('GET') ? [...methods, 'HEAD'] : methods });
  });
  return {
    allowedAt(given) {
      // The router ignores one trailing slash (api/app.ts), so `PUT /api/admin/workspaces/` is the list's 405.
      const path = given.length > 1 && given.endsWith('/') ? given.slice(0, -1) : given;
      const allowed = new Set(routes.filter((r) => r.pattern.test(path)).flatMap((r) => r.methods));
      return [...allowed].sort();
    },
  };
}
