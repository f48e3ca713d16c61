/** What globalSetup hands to the test files (through environment variables, as jest workers are processes). */
export const TEMPLATE_DB = 'lead_router_template';

export interface SharedStack {
  stop(): Promise<void>;
}

export function sharedEnv() {
  const need = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set: integration tests must run through jest's globalSetup (npm test)`);
    return value;
  };
  return {
    pgPort: Number(need('LR_TEST_PG_PORT')),
    temporalAddress: need('LR_TEST_TEMPORAL_ADDRESS'),
    workflowBundlePath: need('LR_TEST_WORKFLOW_BUNDLE'),
  };
}
