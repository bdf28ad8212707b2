/** A `spec.ignoreDifferences` entry as Argo CD writes it (jsonPointers supported). */
export interface IgnoreDifference {
  group?: string;
  kind: string;
  name?: string;
  namespace?: string;
  jsonPointers?: string[];
}
