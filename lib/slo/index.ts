/**
 * lib/slo: the SLO maths of DESIGN §9 in one pure package (no I/O, no database, no Temporal), so the SLO
 * workflow, the alert generators in `monitors/` and the tests share one definition of every number.
 */
export * from './windows';
export * from './burnRate';
export * from './definitions';
export * from './datadogBurnRate';
export * from './report';
