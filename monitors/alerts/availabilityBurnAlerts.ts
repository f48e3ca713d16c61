// Multi-window multi-burn-rate alerts on the availability SLO (SRE workbook table, lib/slo ALERT_TIERS).
import { RUNBOOKS } from '../runbooks';
import type { BurnRateAlert } from './alertTypes';

export const AVAILABILITY_BURN_PAGE_FAST: BurnRateAlert = {
  kind: 'burn_rate',
  id: 'availability_burn_page_fast',
  title: 'Availability SLO burning error budget 14.4x (1 h and 5 m)',
  severity: 'critical',
  runbook: RUNBOOKS.routingFailures,
  slo: 'availability',
  tier: 'page_fast',
  description: ['2% of the 30-day error budget spent within an hour, and still burning: the budget runs out in about 2 days at this rate.'],
};

export const AVAILABILITY_BURN_PAGE_SLOW: BurnRateAlert = {
  kind: 'burn_rate',
  id: 'availability_burn_page_slow',
  title: 'Availability SLO burning error budget 6x (6 h and 30 m)',
  severity: 'critical',
  runbook: RUNBOOKS.routingFailures,
  slo: 'availability',
  tier: 'page_slow',
  description: ['5% of the 30-day error budget spent within 6 hours, and still burning: the budget runs out in 5 days at this rate.'],
};

export const AVAILABILITY_BURN_TICKET_SLOW: BurnRateAlert = {
  kind: 'burn_rate',
  id: 'availability_burn_ticket_slow',
  title: 'Availability SLO burning error budget 1x (3 d and 6 h)',
  severity: 'warning',
  runbook: RUNBOOKS.routingFailures,
  slo: 'availability',
  tier: 'ticket_slow',
  description: [
    '10% of the 30-day error budget spent within 3 days: on course to miss the SLO. Datadog evaluates the nearest form it allows (1.5x over 48 h and 4 h, lib/slo/datadogBurnRate.ts).',
  ],
};
