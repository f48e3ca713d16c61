import type { Knex } from 'knex';

/**
 * Destination weights within 0.001 .. 1,000,000, in the database too (the API's bounds: api/schemas/admin.ts,
 * `weight`, which says why these numbers).
 *
 * decide_routing (0013) orders a weighted rule's destinations by (assigned + 1) / weight in double
 * precision. Before the API bounded weights from below, a rule could be stored with weight 5e-324: the
 * quotient overflows (SQLSTATE 22003), decide_routing throws for every lead the rule matches, and those
 * leads stay pending while the activity retries (and /rules/simulate answers 500). decide_routing is on
 * the hot path, so it is not touched; instead:
 *  1. rules stored out of bounds are clamped into them (a weight under 0.001 becomes 0.001, one over
 *     1,000,000 becomes 1,000,000; a weight that is not a number is dropped, i.e. the default 1). The
 *     update raises the rule's version, so routing_rule_versions keeps what it was before. Clamping can
 *     change the split between such destinations (1e-300 and 5e-324 both become 0.001): they were
 *     nonsense shares that wedged routing, and the operator sees the new version;
 *  2. a CHECK constraint keeps every later write (API or hand-written SQL) in bounds, so a stored rule
 *     can never make decide_routing overflow. It costs one pass over a rule's destinations per rule
 *     write (admin edits: rare), nothing per lead.
 * Numbers are compared as numeric (jsonb's own type), never cast to double, so even 1e-400 written by
 * hand is seen as too small rather than an underflow error.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE OR REPLACE FUNCTION routing_rule_weights_in_bounds(p_destinations jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE AS $$
      SELECT coalesce(bool_and(
               jsonb_typeof(d.e) <> 'object' OR d.e->'weight' IS NULL
               OR (jsonb_typeof(d.e->'weight') = 'number' AND (d.e->>'weight')::numeric BETWEEN 0.001 AND 1000000)), true)
        FROM jsonb_array_elements(CASE WHEN jsonb_typeof(p_destinations) = 'array' THEN p_destinations ELSE '[]' END) d(e)
    $$;

    UPDATE routing_rules r
       SET destinations = (
         SELECT jsonb_agg(CASE
                  WHEN jsonb_typeof(d.e) <> 'object' OR d.e->'weight' IS NULL THEN d.e
                  WHEN jsonb_typeof(d.e->'weight') <> 'number' THEN d.e - 'weight'
                  ELSE jsonb_set(d.e, '{weight}', to_jsonb(least(greatest((d.e->>'weight')::numeric, 0.001), 1000000)))
                END ORDER BY d.n)
           FROM jsonb_array_elements(r.destinations) WITH ORDINALITY d(e, n))
     WHERE NOT routing_rule_weights_in_bounds(r.destinations);

    ALTER TABLE routing_rules ADD CONSTRAINT routing_rules_weights_in_bounds CHECK (routing_rule_weights_in_bounds(destinations));
  `);
}

/** Drops the guard; clamped weights stay as they are (the versions table has the old ones). */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE routing_rules DROP CONSTRAINT IF EXISTS routing_rules_weights_in_bounds;
    DROP FUNCTION IF EXISTS routing_rule_weights_in_bounds(jsonb);
  `);
}
