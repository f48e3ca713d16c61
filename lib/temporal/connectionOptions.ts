import type { Config } from '../config';

/** Connection settings shared by the client (api) and the worker: plain dev server, TLS, or Cloud API key. */
export function temporalConnectionOptions(config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_API_KEY' | 'TEMPORAL_TLS'>) {
  const tls = config.TEMPORAL_TLS ?? Boolean(config.TEMPORAL_API_KEY);
  return {
    address: config.TEMPORAL_ADDRESS,
    ...(tls ? { tls: true as const } : {}),
    ...(config.TEMPORAL_API_KEY ? { apiKey: config.TEMPORAL_API_KEY } : {}),
  };
}
