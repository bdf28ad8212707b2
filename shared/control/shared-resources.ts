// Objects an app shares with another app (the live copy's tracking annotation names the other
// one): the plan's warnings, as the status conditions Argo CD shows for them
// (SharedResourceWarning). FailOnSharedResource=true refuses such a sync in the plan instead.
import type { AppStatus } from '../domain/status.js';

type Condition = NonNullable<AppStatus['conditions']>[number];

/**
 * The conditions after a comparison or sync that found `warnings` (the plan's, which are all
 * shared-resource findings): the other conditions stay, the shared-resource ones are replaced.
 */
export function withSharedResourceConditions(
  previous: AppStatus['conditions'],
  warnings: readonly string[],
  at: string,
): Condition[] {
  return [
    ...(previous ?? []).filter((c) => c.type !== 'SharedResourceWarning'),
    ...warnings.map((message): Condition => ({ type: 'SharedResourceWarning', message, at })),
  ];
}
