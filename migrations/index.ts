import type { Knex } from 'knex';
import * as m0001 from './0001_initial_schema';
import * as m0002 from './0002_routing_functions';
import * as m0003 from './0003_routing_engine';
import * as m0004 from './0004_retry_attempt_counting';
import * as m0005 from './0005_cap_periods_dst';
import * as m0006 from './0006_source_rate_limits';
import * as m0007 from './0007_leads_without_dedupe_keys';
import * as m0008 from './0008_slo_snapshots';
import * as m0009 from './0009_lock_timeout';
import * as m0010 from './0010_alerting';
import * as m0011 from './0011_admission';
import * as m0012 from './0012_admission_fair_share';
import * as m0013 from './0013_decide_function';
import * as m0014 from './0014_admission_claim_bounded_read';
import * as m0015 from './0015_decision_traces_lz4';
import * as m0016 from './0016_lock_and_decide';
import * as m0017 from './0017_store_lead';
import * as m0018 from './0018_rules_revision';
import * as m0019 from './0019_rule_weight_bounds';
import * as m0020 from './0020_failed_leads_index';
import * as m0021 from './0021_store_lead_admits_on_insert';
import * as m0022 from './0022_release_claims_trigger_when';
import * as m0023 from './0023_store_lead_repeat_before_lock';
import * as m0024 from './0024_reserve_capacity_uncapped';
import * as m0025 from './0025_lock_and_decide_rules_revision';
import * as m0026 from './0026_signing_secret_rotation';
import * as m0027 from './0027_release_capacity_lock_order';
import * as m0028 from './0028_signing_secret_rotation_reads';

/**
 * The ordered list of migrations. Append only: never edit or reorder one that has shipped.
 * A static list (instead of scanning the folder) works the same under tsx, jest and compiled dist/.
 */
export const migrations: ReadonlyArray<readonly [string, Knex.Migration]> = [
  ['0001_initial_schema', m0001],
  ['0002_routing_functions', m0002],
  ['0003_routing_engine', m0003],
  ['0004_retry_attempt_counting', m0004],
  ['0005_cap_periods_dst', m0005],
  ['0006_source_rate_limits', m0006],
  ['0007_leads_without_dedupe_keys', m0007],
  ['0008_slo_snapshots', m0008],
  ['0009_lock_timeout', m0009],
  ['0010_alerting', m0010],
  ['0011_admission', m0011],
  ['0012_admission_fair_share', m0012],
  ['0013_decide_function', m0013],
  ['0014_admission_claim_bounded_read', m0014],
  ['0015_decision_traces_lz4', m0015],
  ['0016_lock_and_decide', m0016],
  ['0017_store_lead', m0017],
  ['0018_rules_revision', m0018],
  ['0019_rule_weight_bounds', m0019],
  ['0020_failed_leads_index', m0020],
  ['0021_store_lead_admits_on_insert', m0021],
  ['0022_release_claims_trigger_when', m0022],
  ['0023_store_lead_repeat_before_lock', m0023],
  ['0024_reserve_capacity_uncapped', m0024],
  ['0025_lock_and_decide_rules_revision', m0025],
  ['0026_signing_secret_rotation', m0026],
  ['0027_release_capacity_lock_order', m0027],
  ['0028_signing_secret_rotation_reads', m0028],
];
