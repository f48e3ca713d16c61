/** The port variables `make dev` (scripts/dev.ts) reads, with their defaults. */
export const DEV_PORT_DEFAULTS = { PORT: 3000, DEV_PG_PORT: 55432, DEV_TEMPORAL_PORT: 7233, DEV_TEMPORAL_UI_PORT: 8233 } as const;

export type DevPorts = { -readonly [K in keyof typeof DEV_PORT_DEFAULTS]: number };

/**
 * The dev stack's ports from `env` (unset or empty: the default), each a whole number 1-65535. Throws one Error
 * naming every bad variable: `DEV_PG_PORT=abc` used to fail deep in net with "Received type number (NaN)", and
 * `PORT=0` to wait 60 s for an API whose URL dev.ts could not know (0 means "any free port" to the API).
 */
export function devPorts(env: NodeJS.ProcessEnv): DevPorts {
  const problems: string[] = [];
  const ports = {} as DevPorts;
  for (const [name, fallback] of Object.entries(DEV_PORT_DEFAULTS) as Array<[keyof DevPorts, number]>) {
    const raw = env[name]?.trim();
    if (!raw) {
      ports[name] = fallback;
      continue;
    }
    const port = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
    if (port >= 1 && port <= 65_535) ports[name] = port;
    else problems.push(`${name}: must be a port number 1-65535${raw === '0' ? ' (0, "any free port", is not supported by make dev: it prints and waits on the URL)' : ''}, got "${raw}"`);
  }
  if (problems.length) throw new Error(`invalid dev settings:\n  ${problems.join('\n  ')}`);
  return ports;
}
