import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes (DESIGN §7). Operators find stuck leads in the Temporal Web UI with them,
 * e.g. `RoutingStatus = "routing"`. They must be registered on the namespace before use: the dev server
 * is started with them (scripts/local/temporal.ts) and docker-compose registers them once.
 */
export const RoutingStatus = defineSearchAttributeKey('RoutingStatus', SearchAttributeType.KEYWORD);
export const SourceWorkspaceId = defineSearchAttributeKey('SourceWorkspaceId', SearchAttributeType.KEYWORD);
export const DestinationWorkspaceId = defineSearchAttributeKey('DestinationWorkspaceId', SearchAttributeType.KEYWORD);
export const RoutingAttempts = defineSearchAttributeKey('RoutingAttempts', SearchAttributeType.INT);

/** The same list in the `NAME=Type` form the Temporal CLI takes. */
export const searchAttributeCliSpecs = ['RoutingStatus=Keyword', 'SourceWorkspaceId=Keyword', 'DestinationWorkspaceId=Keyword', 'RoutingAttempts=Int'];
