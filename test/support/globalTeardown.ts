import type { SharedStack } from './env';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __leadRouterStack?: SharedStack }).__leadRouterStack?.stop();
}
