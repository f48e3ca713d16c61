// Lead expiration alerts: the daily digest (info) and too many expirations in a day (warning).
import { RUNBOOKS } from '../runbooks';
import type { DigestAlert, ThresholdAlert } from './alertTypes';
import { DAY } from './windowUnits';

/** INFO: the daily expiration digest, sent at 09:00 by the expirationDigest schedule through Slack. */
export const LEAD_EXPIRATION_DIGEST: DigestAlert = {
  kind: 'digest',
  id: 'lead_expiration_digest',
  title: 'Daily lead expiration report',
  severity: 'info',
  runbook: RUNBOOKS.leadExpirations,
  at: '09:00',
  windowSeconds: DAY,
  description: ['Leads expired in the last 24 h (90-day TTL enforced), per source workspace. Review if unusually high (> 100).'],
};

/** Key metric 7. */
export const LEAD_EXPIRATIONS_HIGH: ThresholdAlert = {
  kind: 'threshold',
  id: 'lead_expirations_high',
  title: 'More than 100 leads expired in 24 hours',
  severity: 'warning',
  runbook: RUNBOOKS.leadExpirations,
  signal: 'expired_leads',
  windowSeconds: DAY,
  comparator: '>',
  threshold: 100,
  unit: 'leads',
  datadog: { type: 'query alert', query: 'sum(last_1d):sum:routing.leads_expired{*}.as_count() > 100' },
  description: [
    'Leads reached their TTL without being routed: investigate why they were not routed (no matching rule, caps, buyers down).',
  ],
};
