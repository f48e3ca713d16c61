// Entry point of the workflow bundle: every workflow type the worker serves.
export { routeLead, routeLeadV2 } from './routeLead';
export { expirationDigest, leadExpiry, retryQueueProcessor, sloReport, staleLockSweeper } from './maintenance';
